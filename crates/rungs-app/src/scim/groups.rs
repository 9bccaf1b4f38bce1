//! SCIM `Groups` are departments: a group's members are the active people whose
//! department is its name, and adding or removing a member records a
//! `profile_updated` that sets or clears their department. A group's id is its name
//! in hex, so it needs no table and survives a rebuild; renaming a group moves its
//! members to the new name (and the id changes with it).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use rungs_core::PersonId;
use rungs_core::person::PersonStatus;
use rungs_core::store::Store;

use super::filter::{CORE_GROUP, Filter, get_ci};
use super::{Directory, ListQuery, Resource, event, record};
use crate::{AppError, Viewer};

pub fn group_id(name: &str) -> String {
    hex::encode(name.as_bytes())
}

fn name_of(id: &str) -> Result<String, AppError> {
    hex::decode(id).ok().and_then(|b| String::from_utf8(b).ok()).filter(|n| !n.is_empty()).ok_or(AppError::NotFound)
}

/// Departments and their active members.
fn departments(dir: &Directory) -> BTreeMap<String, Vec<PersonId>> {
    let mut out: BTreeMap<String, Vec<PersonId>> = BTreeMap::new();
    for p in dir.people.iter().filter(|p| p.status == PersonStatus::Active) {
        if let Some(d) = &p.department {
            out.entry(d.clone()).or_default().push(p.id);
        }
    }
    out
}

fn render(dir: &Directory, name: &str, members: &[PersonId], base: &str) -> Resource {
    let id = group_id(name);
    let members: Vec<Value> = members
        .iter()
        .map(|m| json!({"value": m.to_string(), "display": dir.person(*m).map(|p| p.name.clone()), "$ref": format!("{base}/Users/{m}"), "type": "User"}))
        .collect();
    Resource::new(
        id.clone(),
        json!({
            "schemas": [CORE_GROUP],
            "id": id,
            "displayName": name,
            "members": members,
            "meta": {"resourceType": "Group", "location": format!("{base}/Groups/{id}")},
        }),
    )
}

pub async fn list(store: &dyn Store, viewer: &Viewer, q: &ListQuery, base: &str) -> Result<Value, AppError> {
    let filter = q.filter.as_deref().map(Filter::parse).transpose()?;
    let dir = Directory::load(store, viewer).await?;
    let all = departments(&dir).iter().map(|(n, m)| render(&dir, n, m, base)).filter(|r| filter.as_ref().is_none_or(|f| f.matches(&r.json))).collect();
    Ok(super::list_response(all, q))
}

/// A group by id: a department with nobody in it yet is a group without members.
pub async fn get(store: &dyn Store, viewer: &Viewer, id: &str, base: &str) -> Result<Resource, AppError> {
    let name = name_of(id)?;
    let dir = Directory::load(store, viewer).await?;
    let members = departments(&dir).remove(&name).unwrap_or_default();
    Ok(render(&dir, &name, &members, base))
}

/// The display name and member ids a group resource asks for.
fn read(v: &Value, dir: &Directory) -> Result<(String, BTreeSet<PersonId>), AppError> {
    let name = get_ci(v, "displayName").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let name = name.ok_or_else(|| AppError::invalid("displayName", "is required"))?;
    let mut members = BTreeSet::new();
    for (i, m) in get_ci(v, "members").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let r = get_ci(m, "value").and_then(Value::as_str).ok_or_else(|| AppError::invalid(format!("members[{i}].value"), "is required"))?;
        let id = dir.resolve(r).ok_or_else(|| AppError::invalid(format!("members[{i}].value"), format!("no user '{r}'")))?;
        members.insert(id);
    }
    Ok((name.to_string(), members))
}

/// Move people in and out so that `name` has exactly `want` (from `was` named `old`).
async fn reconcile(store: &dyn Store, viewer: &Viewer, old: Option<(&str, &[PersonId])>, name: &str, want: &BTreeSet<PersonId>) -> Result<(), AppError> {
    let mut inputs = vec![];
    let (old_name, was) = old.unwrap_or((name, &[]));
    for id in want {
        if old_name != name || !was.contains(id) {
            inputs.push(event(*id, "profile_updated", json!({"department": name})));
        }
    }
    for id in was.iter().filter(|id| !want.contains(id)) {
        inputs.push(event(*id, "profile_updated", json!({"department": ""})));
    }
    if !inputs.is_empty() {
        record(store, viewer, inputs).await?;
    }
    Ok(())
}

pub async fn create(store: &dyn Store, viewer: &Viewer, body: &Value, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let (name, members) = read(body, &dir)?;
    if departments(&dir).contains_key(&name) {
        return Err(AppError::Conflict { field: "displayName".into(), reason: format!("the department '{name}' already exists") });
    }
    reconcile(store, viewer, None, &name, &members).await?;
    get(store, viewer, &group_id(&name), base).await
}

async fn change(
    store: &dyn Store,
    viewer: &Viewer,
    id: &str,
    if_match: Option<&str>,
    base: &str,
    next: impl FnOnce(&Value) -> Result<Value, AppError>,
) -> Result<Resource, AppError> {
    let name = name_of(id)?;
    let dir = Directory::load(store, viewer).await?;
    let was = departments(&dir).remove(&name).unwrap_or_default();
    let current = render(&dir, &name, &was, base);
    super::check_if_match(if_match, &current)?;
    let (new_name, want) = read(&next(&current.json)?, &dir)?;
    reconcile(store, viewer, Some((&name, &was)), &new_name, &want).await?;
    get(store, viewer, &group_id(&new_name), base).await
}

pub async fn replace(store: &dyn Store, viewer: &Viewer, id: &str, body: &Value, if_match: Option<&str>, base: &str) -> Result<Resource, AppError> {
    change(store, viewer, id, if_match, base, |_| Ok(body.clone())).await
}

pub async fn patch(store: &dyn Store, viewer: &Viewer, id: &str, body: &Value, if_match: Option<&str>, base: &str) -> Result<Resource, AppError> {
    change(store, viewer, id, if_match, base, |current| {
        let mut next = current.clone();
        super::patch::apply(&mut next, body)?;
        Ok(next)
    })
    .await
}

/// `DELETE /Groups/{id}`: everyone in the department is left without one.
pub async fn delete(store: &dyn Store, viewer: &Viewer, id: &str, if_match: Option<&str>, base: &str) -> Result<(), AppError> {
    change(store, viewer, id, if_match, base, |current| {
        let mut next = current.clone();
        if let Some(m) = next.as_object_mut() {
            m.remove("members");
        }
        Ok(next)
    })
    .await
    .map(drop)
}
