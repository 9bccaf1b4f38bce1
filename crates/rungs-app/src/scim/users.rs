//! SCIM `Users`: a person as a SCIM resource, and the ledger events a create,
//! replace, patch or delete becomes.

use serde_json::{Value, json};

use rungs_core::PersonId;
use rungs_core::person::{Person, PersonStatus};
use rungs_core::store::{ScimIdentity, Store};

use super::filter::{CORE_USER, ENTERPRISE, Filter, get_ci};
use super::{Directory, ListQuery, Resource, event, record};
use crate::{AppError, Viewer};

/// The resource for `p`. `base` is the URL of `/scim/v2` for `meta.location`.
pub fn render(dir: &Directory, p: &Person, base: &str) -> Resource {
    let ident = dir.identities.get(&p.id);
    let mut enterprise = serde_json::Map::new();
    if let Some(d) = &p.department {
        enterprise.insert("department".into(), json!(d));
    }
    if let Some(n) = ident.and_then(|i| i.employee_number.as_ref()) {
        enterprise.insert("employeeNumber".into(), json!(n));
    }
    if let Some(m) = p.manager_id {
        enterprise.insert("manager".into(), json!({"value": m.to_string(), "$ref": format!("{base}/Users/{m}")}));
    }
    // Rungs keeps one name: `formatted` is it; the parts are the provider's, as it
    // last sent them (none for someone never provisioned: Rungs does not guess a split).
    let mut name = json!({"formatted": p.name});
    if let Some(g) = ident.and_then(|i| i.given_name.as_ref()) {
        name["givenName"] = json!(g);
    }
    if let Some(f) = ident.and_then(|i| i.family_name.as_ref()) {
        name["familyName"] = json!(f);
    }
    let schemas = if enterprise.is_empty() { json!([CORE_USER]) } else { json!([CORE_USER, ENTERPRISE]) };
    let mut v = json!({
        "schemas": schemas,
        "id": p.id.to_string(),
        "userName": dir.user_name(p),
        "name": name,
        "displayName": p.name,
        "title": p.position.title,
        "emails": emails(ident, &p.email),
        "active": p.status == PersonStatus::Active,
        "meta": {
            "resourceType": "User",
            "created": p.hired_at.to_rfc3339(),
            "lastModified": p.last_occurred_at.max(p.ended_at.unwrap_or(p.hired_at)).to_rfc3339(),
            "location": format!("{base}/Users/{}", p.id),
        },
    });
    if let Some(m) = v.as_object_mut() {
        if !enterprise.is_empty() {
            m.insert(ENTERPRISE.into(), Value::Object(enterprise));
        }
        if let Some(x) = ident.and_then(|i| i.external_id.as_ref()) {
            m.insert("externalId".into(), json!(x));
        }
    }
    Resource::new(p.id.to_string(), v)
}

/// The provider's emails as it last sent them while the person's email in Rungs is
/// among them; else that one email, primary.
fn emails(ident: Option<&ScimIdentity>, email: &str) -> Value {
    match ident.and_then(|i| i.emails.as_ref()) {
        Some(Value::Array(sent)) if sent.iter().any(|e| get_ci(e, "value").and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case(email))) => {
            Value::Array(sent.clone())
        }
        _ => json!([{"value": email, "type": "work", "primary": true}]),
    }
}

/// What of `emails` is kept: each element's `value`, `type` and `primary`.
fn kept_emails(list: &[Value]) -> Option<Value> {
    let kept: Vec<Value> = list
        .iter()
        .map(|e| {
            let mut out = serde_json::Map::new();
            for k in ["value", "type", "primary"] {
                if let Some(v) = get_ci(e, k).filter(|v| !v.is_null()) {
                    out.insert(k.into(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    (!kept.is_empty()).then_some(Value::Array(kept))
}

/// The users matching the query's filter (not those deleted through SCIM).
pub async fn list(store: &dyn Store, viewer: &Viewer, q: &ListQuery, base: &str) -> Result<Value, AppError> {
    let dir = Directory::load(store, viewer).await?;
    Ok(super::list_response(matching(&dir, q, base)?, q))
}

/// The users a query's filter matches, rendered.
pub fn matching(dir: &Directory, q: &ListQuery, base: &str) -> Result<Vec<Resource>, AppError> {
    let filter = q.filter.as_deref().map(Filter::parse).transpose()?;
    Ok(dir.people.iter().filter(|p| dir.visible(p)).map(|p| render(dir, p, base)).filter(|r| filter.as_ref().is_none_or(|f| f.matches(&r.json))).collect())
}

fn person_id(id: &str) -> Result<PersonId, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// The person behind a SCIM id: `NotFound` for an unknown id and for someone
/// deleted through SCIM (RFC 7644 3.6: every operation on them is a 404).
fn find<'a>(dir: &'a Directory, id: &str) -> Result<&'a Person, AppError> {
    dir.person(person_id(id)?).filter(|p| dir.visible(p)).ok_or(AppError::NotFound)
}

pub async fn get(store: &dyn Store, viewer: &Viewer, id: &str, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    Ok(render(&dir, find(&dir, id)?, base))
}

/// What a SCIM user says about the person.
#[derive(Debug, Clone, PartialEq)]
struct Desired {
    user_name: String,
    external_id: Option<String>,
    /// `None`: unchanged (an update that touched no name attribute).
    name: Option<String>,
    email: String,
    active: bool,
    department: Option<String>,
    /// `None` inside: no manager. Outer `None`: a reference Rungs does not know (left as it was).
    manager: Option<Option<PersonId>>,
    employee_number: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    emails: Option<Value>,
    title: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// The name candidates: `displayName`, `name.formatted`, `givenName familyName`.
fn names(v: &Value) -> [Option<String>; 3] {
    let n = get_ci(v, "name");
    let joined =
        [n.and_then(|n| text(get_ci(n, "givenName"))), n.and_then(|n| text(get_ci(n, "familyName")))].into_iter().flatten().collect::<Vec<_>>().join(" ");
    [text(get_ci(v, "displayName")), n.and_then(|n| text(get_ci(n, "formatted"))), Some(joined).filter(|s| !s.is_empty())]
}

fn read(v: &Value, old: Option<&Value>, dir: &Directory) -> Result<Desired, AppError> {
    let user_name = text(get_ci(v, "userName")).ok_or_else(|| AppError::invalid("userName", "is required"))?;
    let name = match old {
        // The first name attribute the request changed wins (Entra patches givenName alone).
        Some(old) => names(v).into_iter().zip(names(old)).find_map(|(n, o)| n.filter(|n| Some(n) != o.as_ref())),
        None => Some(names(v).into_iter().flatten().next().unwrap_or_else(|| user_name.clone())),
    };
    let emails = get_ci(v, "emails").and_then(Value::as_array).cloned().unwrap_or_default();
    let primary = emails.iter().find(|e| get_ci(e, "primary").is_some_and(|p| p == &json!(true) || p.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))));
    let email = primary
        .or_else(|| emails.first())
        .and_then(|e| text(get_ci(e, "value")))
        .or_else(|| user_name.contains('@').then(|| user_name.clone()))
        .ok_or_else(|| AppError::invalid("emails", "a person needs an email: give emails or a userName that is one"))?;
    let active = match get_ci(v, "active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        // Entra sends "True"/"False" as strings.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(AppError::invalid("active", "must be true or false")),
    };
    let ent = get_ci(v, ENTERPRISE);
    let manager = match ent.and_then(|e| get_ci(e, "manager")) {
        None | Some(Value::Null) => Some(None),
        Some(m) => {
            let r = text(Some(m)).or_else(|| text(get_ci(m, "value")));
            match r {
                None => Some(None),
                Some(r) => dir.resolve(&r).map(Some),
            }
        }
    };
    Ok(Desired {
        user_name,
        external_id: text(get_ci(v, "externalId")),
        name,
        email,
        active,
        department: text(ent.and_then(|e| get_ci(e, "department"))),
        manager,
        employee_number: text(ent.and_then(|e| get_ci(e, "employeeNumber"))),
        given_name: get_ci(v, "name").and_then(|n| text(get_ci(n, "givenName"))),
        family_name: get_ci(v, "name").and_then(|n| text(get_ci(n, "familyName"))),
        emails: kept_emails(&emails),
        title: text(get_ci(v, "title")),
    })
}

fn identity(viewer: &Viewer, id: PersonId, d: &Desired) -> ScimIdentity {
    ScimIdentity {
        org_id: viewer.org_id,
        person_id: id,
        user_name: d.user_name.clone(),
        external_id: d.external_id.clone(),
        employee_number: d.employee_number.clone(),
        given_name: d.given_name.clone(),
        family_name: d.family_name.clone(),
        emails: d.emails.clone(),
        deleted: false,
    }
}

/// `POST /Users`: a `hired` event. The position is the first level of the first
/// track of the framework (the people team moves them; docs/INTEGRATIONS.md). The
/// `userName` of someone deleted through SCIM brings that person back: a rehire, so
/// their history stays one record. `active: false` records the departure at once.
pub async fn create(store: &dyn Store, viewer: &Viewer, body: &Value, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let d = read(body, None, &dir)?;
    if let Some(p) = dir.people.iter().find(|p| !dir.visible(p) && dir.user_name(p).eq_ignore_ascii_case(&d.user_name)) {
        let mut back = d.clone();
        back.name = back.name.or_else(|| Some(p.name.clone()));
        apply(store, viewer, &dir, p, &Desired { active: true, ..back }).await?;
        if !d.active {
            record(
                store,
                viewer,
                vec![event(p.id, "departure", json!({"reason": "deprovisioned", "note": "created inactive by the identity provider (SCIM)"}))],
            )
            .await?;
        }
        return get(store, viewer, &p.id.to_string(), base).await;
    }
    dir.check_unique(&d.user_name, None)?;
    let fw = store.framework(viewer.org_id).await?;
    let (track, level) = fw
        .tracks
        .iter()
        .find_map(|t| t.levels.first().map(|l| (t, l)))
        .ok_or_else(|| AppError::invalid("framework", "the organization's framework has no level to hire into"))?;
    let hire = json!({
        "name": d.name.clone().unwrap_or_else(|| d.user_name.clone()),
        "email": d.email,
        "manager_id": d.manager.flatten(),
        "department": d.department,
        "position": {"track": track.key, "level": level.key, "title": d.title.clone().unwrap_or_else(|| level.title.clone())},
    });
    let p = crate::people::create(store, viewer, hire, None, None).await?;
    store.put_scim_identity(&identity(viewer, p.id, &d)).await?;
    if !d.active {
        record(store, viewer, vec![event(p.id, "departure", json!({"reason": "deprovisioned", "note": "created inactive by the identity provider (SCIM)"}))])
            .await?;
    }
    get(store, viewer, &p.id.to_string(), base).await
}

/// Record what changed between `p` and the desired state, then store the identity.
async fn apply(store: &dyn Store, viewer: &Viewer, dir: &Directory, p: &Person, d: &Desired) -> Result<(), AppError> {
    dir.check_unique(&d.user_name, Some(p.id))?;
    let name = d.name.clone().unwrap_or_else(|| p.name.clone());
    let manager = d.manager.unwrap_or(p.manager_id);
    let was_active = p.status == PersonStatus::Active;
    let mut inputs = vec![];
    if !was_active && d.active {
        // Reactivation: a rehire, carrying the profile as it is now.
        let hire = json!({
            "name": name, "email": d.email, "manager_id": manager, "department": d.department,
            "location": p.location, "position": {"track": p.position.track, "level": p.position.level, "title": p.position.title},
        });
        inputs.push(event(p.id, "hired", hire));
    } else {
        let mut changes = serde_json::Map::new();
        if name != p.name {
            changes.insert("name".into(), json!(name));
        }
        if !d.email.eq_ignore_ascii_case(&p.email) {
            changes.insert("email".into(), json!(d.email));
        }
        if manager != p.manager_id {
            changes.insert("manager_id".into(), json!(manager));
        }
        if d.department != p.department {
            // An empty department clears it.
            changes.insert("department".into(), json!(d.department.clone().unwrap_or_default()));
        }
        if !changes.is_empty() {
            inputs.push(event(p.id, "profile_updated", Value::Object(changes)));
        }
    }
    if was_active && !d.active {
        inputs.push(event(p.id, "departure", json!({"reason": "deprovisioned", "note": "deactivated by the identity provider (SCIM)"})));
    }
    if !inputs.is_empty() {
        record(store, viewer, inputs).await?;
    }
    let ident = identity(viewer, p.id, d);
    if dir.identities.get(&p.id) != Some(&ident) {
        store.put_scim_identity(&ident).await?;
    }
    Ok(())
}

/// `PUT /Users/{id}`: the body is the whole new state.
pub async fn replace(store: &dyn Store, viewer: &Viewer, id: &str, body: &Value, if_match: Option<&str>, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let p = find(&dir, id)?;
    let current = render(&dir, p, base);
    super::check_if_match(if_match, &current)?;
    let d = read(body, Some(&current.json), &dir)?;
    apply(store, viewer, &dir, p, &d).await?;
    get(store, viewer, id, base).await
}

/// `PATCH /Users/{id}`: the operations applied to the current resource. An attribute
/// Rungs always has (the schema marks it required) cannot be removed.
pub async fn patch(store: &dyn Store, viewer: &Viewer, id: &str, body: &Value, if_match: Option<&str>, base: &str) -> Result<Resource, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let p = find(&dir, id)?;
    let current = render(&dir, p, base);
    super::check_if_match(if_match, &current)?;
    let mut next = current.json.clone();
    super::patch::apply(&mut next, body)?;
    for attr in super::schemas::REQUIRED_USER {
        if get_ci(&next, attr).is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty)) {
            return Err(AppError::invalid(attr.to_string(), "is required: Rungs always keeps one, so it can be replaced but not removed"));
        }
    }
    let d = read(&next, Some(&current.json), &dir)?;
    apply(store, viewer, &dir, p, &d).await?;
    get(store, viewer, id, base).await
}

/// `DELETE /Users/{id}`: a `departure` (reason `deprovisioned`) on the ledger, where
/// the person stays; for SCIM the resource is gone (404 from now on, out of every
/// query) until a `POST` with the same `userName` rehires them.
pub async fn delete(store: &dyn Store, viewer: &Viewer, id: &str, if_match: Option<&str>, base: &str) -> Result<(), AppError> {
    let dir = Directory::load(store, viewer).await?;
    let p = find(&dir, id)?;
    let current = render(&dir, p, base);
    super::check_if_match(if_match, &current)?;
    if p.status == PersonStatus::Active {
        record(store, viewer, vec![event(p.id, "departure", json!({"reason": "deprovisioned", "note": "deleted in the identity provider (SCIM)"}))]).await?;
    }
    let ident = dir.identities.get(&p.id).cloned().unwrap_or_else(|| ScimIdentity {
        org_id: viewer.org_id,
        person_id: p.id,
        user_name: dir.user_name(p),
        external_id: None,
        employee_number: None,
        given_name: None,
        family_name: None,
        emails: None,
        deleted: false,
    });
    store.put_scim_identity(&ScimIdentity { deleted: true, ..ident }).await?;
    Ok(())
}
