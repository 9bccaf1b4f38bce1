//! SCIM `Groups` are departments: a group's members are the active people whose
//! department is its name, and adding or removing a member records a
//! `profile_updated` that sets or clears their department.
//!
//! Which groups exist: every department someone active is in, and every group the
//! identity provider created or changed (a row in `scim_groups`, migration 0022),
//! even with nobody in it. A department never touched through SCIM has no row; its
//! id is its name in hex. A group created through SCIM gets a UUID. Either way the
//! id never changes: renaming a group keeps its id (the row remembers the new name)
//! and moves its members to the new department. Deleting a group clears its members'
//! department and forgets the row, so the id answers 404 from then on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use rungs_core::PersonId;
use rungs_core::person::PersonStatus;
use rungs_core::store::{ScimGroup, Store};

use super::filter::{CORE_GROUP, Filter, get_ci};
use super::{Directory, ListQuery, Resource, event, record};
use crate::{AppError, Viewer};

/// The id of a department no row names: its name in hex.
pub fn group_id(name: &str) -> String {
    hex::encode(name.as_bytes())
}

/// A group as SCIM sees it.
#[derive(Debug, Clone)]
struct Group {
    id: String,
    name: String,
    external_id: Option<String>,
    members: Vec<PersonId>,
}

/// Departments and their members: the active people in them, and those the identity
/// provider deactivated (a deactivated account stays in its groups at the provider).
/// People who left otherwise (history imported from a CSV) are not members: a
/// provider replacing a group's members must not rewrite their record.
fn departments(dir: &Directory) -> BTreeMap<String, Vec<PersonId>> {
    let mut out: BTreeMap<String, Vec<PersonId>> = BTreeMap::new();
    let member = |p: &&rungs_core::person::Person| dir.visible(p) && (p.status == PersonStatus::Active || dir.identities.contains_key(&p.id));
    for p in dir.people.iter().filter(member) {
        if let Some(d) = &p.department {
            out.entry(d.clone()).or_default().push(p.id);
        }
    }
    out
}

/// Every group: the rows, then the departments no row names (a department whose
/// hex id a row already holds, after a rename, is left out: the id is the row's).
fn groups(dir: &Directory, rows: &[ScimGroup]) -> Vec<Group> {
    let mut depts = departments(dir);
    let mut out: Vec<Group> = rows
        .iter()
        .map(|r| Group { id: r.id.clone(), name: r.name.clone(), external_id: r.external_id.clone(), members: depts.remove(&r.name).unwrap_or_default() })
        .collect();
    for (name, members) in depts {
        let id = group_id(&name);
        if rows.iter().all(|r| r.id != id) {
            out.push(Group { id, name, external_id: None, members });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn render(g: &Group, base: &str) -> Resource {
    let members: Vec<Value> = g.members.iter().map(|m| json!({"value": m.to_string(), "$ref": format!("{base}/Users/{m}"), "type": "User"})).collect();
    let mut v = json!({
        "schemas": [CORE_GROUP],
        "id": g.id,
        "displayName": g.name,
        "members": members,
        "meta": {"resourceType": "Group", "location": format!("{base}/Groups/{}", g.id)},
    });
    if let (Some(x), Some(m)) = (&g.external_id, v.as_object_mut()) {
        m.insert("externalId".into(), json!(x));
    }
    Resource::new(g.id.clone(), v)
}

/// The groups a query's filter matches, rendered.
pub async fn matching(store: &dyn Store, viewer: &Viewer, dir: &Directory, q: &ListQuery, base: &str) -> Result<Vec<Resource>, AppError> {
    let filter = q.filter.as_deref().map(Filter::parse).transpose()?;
    let rows = store.scim_groups(viewer.org_id).await?;
    Ok(groups(dir, &rows).iter().map(|g| render(g, base)).filter(|r| filter.as_ref().is_none_or(|f| f.matches(&r.json))).collect())
}

pub async fn list(store: &dyn Store, viewer: &Viewer, q: &ListQuery, base: &str) -> Result<Value, AppError> {
    let dir = Directory::load(store, viewer).await?;
    Ok(super::list_response(matching(store, viewer, &dir, q, base).await?, q))
}

/// The group with `id`, and every group (for uniqueness checks).
async fn find(store: &dyn Store, viewer: &Viewer, dir: &Directory, id: &str) -> Result<(Group, Vec<Group>), AppError> {
    let rows = store.scim_groups(viewer.org_id).await?;
    let all = groups(dir, &rows);
    let g = all.iter().find(|g| g.id == id).cloned().ok_or(AppError::NotFound)?;
    Ok((g, all))
}

pub async fn get(store: &dyn Store, viewer: &Viewer, id: &str, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let (g, _) = find(store, viewer, &dir, id).await?;
    Ok(render(&g, base))
}

/// What a group resource asks for: its name, members and externalId.
fn read(v: &Value, dir: &Directory) -> Result<(String, BTreeSet<PersonId>, Option<String>), AppError> {
    let name = get_ci(v, "displayName").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let name = name.ok_or_else(|| AppError::invalid("displayName", "is required"))?;
    let mut members = BTreeSet::new();
    let list = match get_ci(v, "members") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(AppError::invalid("members", "must be a list")),
    };
    for (i, m) in list.iter().enumerate() {
        if get_ci(m, "type").and_then(Value::as_str).is_some_and(|t| !t.eq_ignore_ascii_case("User")) {
            return Err(AppError::invalid(format!("members[{i}].type"), "a department's members are users (Rungs has no groups of groups)"));
        }
        let r = get_ci(m, "value").and_then(Value::as_str).ok_or_else(|| AppError::invalid(format!("members[{i}].value"), "is required"))?;
        let id = dir.resolve(r).filter(|id| dir.person(*id).is_some_and(|p| dir.visible(p)));
        let id = id.ok_or_else(|| AppError::invalid(format!("members[{i}].value"), format!("no user '{r}'")))?;
        members.insert(id);
    }
    let external_id = get_ci(v, "externalId").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    Ok((name.to_string(), members, external_id))
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

fn taken(name: &str) -> AppError {
    AppError::Conflict { field: "displayName".into(), reason: format!("the group (department) '{name}' already exists") }
}

/// `POST /Groups`: a new group with a new id, and its members moved into it.
pub async fn create(store: &dyn Store, viewer: &Viewer, body: &Value, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let (name, members, external_id) = read(body, &dir)?;
    let rows = store.scim_groups(viewer.org_id).await?;
    if groups(&dir, &rows).iter().any(|g| g.name == name) {
        return Err(taken(&name));
    }
    let id = uuid::Uuid::now_v7().to_string();
    store.put_scim_group(&ScimGroup { org_id: viewer.org_id, id: id.clone(), name: name.clone(), external_id }).await?;
    reconcile(store, viewer, None, &name, &members).await?;
    get(store, viewer, &id, base).await
}

async fn change(
    store: &dyn Store,
    viewer: &Viewer,
    id: &str,
    if_match: Option<&str>,
    base: &str,
    next: impl FnOnce(&Value) -> Result<Value, AppError>,
) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let (g, all) = find(store, viewer, &dir, id).await?;
    let current = render(&g, base);
    super::check_if_match(if_match, &current)?;
    let (name, want, external_id) = read(&next(&current.json)?, &dir)?;
    if name != g.name && all.iter().any(|o| o.id != g.id && o.name == name) {
        return Err(taken(&name));
    }
    // The row first: it keeps the id (and claims the new name) before anyone moves.
    store.put_scim_group(&ScimGroup { org_id: viewer.org_id, id: g.id.clone(), name: name.clone(), external_id }).await?;
    reconcile(store, viewer, Some((&g.name, &g.members)), &name, &want).await?;
    get(store, viewer, id, base).await
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

/// `DELETE /Groups/{id}`: everyone in the department is left without one, and the
/// group is gone (404 from then on).
pub async fn delete(store: &dyn Store, viewer: &Viewer, id: &str, if_match: Option<&str>, base: &str) -> Result<(), AppError> {
    let dir = Directory::load(store, viewer).await?;
    let (g, _) = find(store, viewer, &dir, id).await?;
    super::check_if_match(if_match, &render(&g, base))?;
    reconcile(store, viewer, Some((&g.name, &g.members)), &g.name, &BTreeSet::new()).await?;
    store.delete_scim_group(viewer.org_id, &g.id).await?;
    Ok(())
}
