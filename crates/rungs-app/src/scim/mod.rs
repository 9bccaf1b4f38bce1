//! SCIM 2.0 provisioning (RFC 7643, RFC 7644; docs/INTEGRATIONS.md): an identity
//! provider creates, updates, deactivates and reactivates people. Every change is a
//! ledger event recorded through the people and events use cases: creation a
//! `hired`, an update a `profile_updated`, deactivation a `departure` (reason
//! `deprovisioned`), reactivation a rehire (a second `hired`). Nothing is deleted.
//! Groups are departments.

pub mod filter;
pub mod groups;
pub mod patch;
pub mod projection;
pub mod schemas;
pub mod users;

use std::collections::HashMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use rungs_core::PersonId;
use rungs_core::event::EventInput;
use rungs_core::person::{Person, PersonStatus};
use rungs_core::store::{PeopleQuery, ScimIdentity, Store};

use crate::{AppError, Viewer, events};

pub use projection::Projection;

/// A resource as the identity provider sees it, with its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    pub json: Value,
    /// Weak entity tag (`W/"…"`): a digest of the resource, so any change changes it.
    pub etag: String,
}

impl Resource {
    fn new(id: String, mut json: Value) -> Resource {
        let etag = format!("W/\"{}\"", &hex::encode(Sha256::digest(json.to_string().as_bytes()))[..16]);
        if let Some(meta) = json.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("version".into(), Value::String(etag.clone()));
        }
        Resource { id, json, etag }
    }
}

/// A page of a list (RFC 7644 3.4.2.4: `startIndex` is 1-based).
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub start_index: usize,
    pub count: usize,
    pub projection: Projection,
}

pub const MAX_COUNT: usize = 1000;

/// The `ListResponse` for `all` (already filtered), each resource projected.
pub fn list_response(all: Vec<Resource>, q: &ListQuery) -> Value {
    let total = all.len();
    let start = q.start_index.max(1);
    let items: Vec<Value> = all
        .into_iter()
        .skip(start - 1)
        .take(q.count.min(MAX_COUNT))
        .map(|mut r| {
            q.projection.apply(&mut r.json);
            r.json
        })
        .collect();
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": items.len(),
        "Resources": items,
    })
}

/// `POST /.search` at the root (RFC 7644 3.4.3): users and groups together.
pub async fn search_all(store: &dyn Store, viewer: &Viewer, q: &ListQuery, base: &str) -> Result<Value, AppError> {
    let dir = Directory::load(store, viewer).await?;
    let mut all = users::matching(&dir, q, base)?;
    all.extend(groups::matching(store, viewer, &dir, q, base).await?);
    Ok(list_response(all, q))
}

/// Everyone in the organization and their SCIM identities: what filters run over.
/// Provisioning reads the whole directory (an organization of thousands is a few
/// pages of `Store::people`); see docs/INTEGRATIONS.md.
pub struct Directory {
    pub people: Vec<Person>,
    pub identities: HashMap<PersonId, ScimIdentity>,
}

impl Directory {
    pub async fn load(store: &dyn Store, viewer: &Viewer) -> Result<Directory, AppError> {
        let mut people = vec![];
        let mut cursor = None;
        loop {
            let q = PeopleQuery { cursor, limit: rungs_core::page::MAX_PAGE, ..Default::default() };
            let page = crate::people::list(store, viewer, q).await?;
            people.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let identities = store.scim_identities(viewer.org_id).await?.into_iter().map(|i| (i.person_id, i)).collect();
        Ok(Directory { people, identities })
    }

    /// Whether SCIM shows this person: not when deleted through SCIM and still
    /// departed (RFC 7644 3.6; a rehire by other means shows them again).
    pub fn visible(&self, p: &Person) -> bool {
        p.status == PersonStatus::Active || self.identities.get(&p.id).is_none_or(|i| !i.deleted)
    }

    /// The SCIM `userName` of a person: the one the identity provider gave, or their email.
    pub fn user_name(&self, p: &Person) -> String {
        self.identities.get(&p.id).map_or_else(|| p.email.clone(), |i| i.user_name.clone())
    }

    pub fn person(&self, id: PersonId) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// Someone else already has this userName (ignoring case): SCIM `uniqueness`.
    pub fn check_unique(&self, user_name: &str, except: Option<PersonId>) -> Result<(), AppError> {
        let taken = self.people.iter().any(|p| Some(p.id) != except && self.user_name(p).eq_ignore_ascii_case(user_name));
        if taken {
            return Err(AppError::Conflict { field: "userName".into(), reason: format!("'{user_name}' is already used by another person") });
        }
        Ok(())
    }

    /// A SCIM reference to a person: their id, or (what some providers send for a
    /// manager) an `externalId` or `userName` Rungs knows.
    pub fn resolve(&self, reference: &str) -> Option<PersonId> {
        if let Ok(id) = reference.parse::<PersonId>()
            && self.person(id).is_some()
        {
            return Some(id);
        }
        let by_identity = self.identities.values().find(|i| i.external_id.as_deref() == Some(reference) || i.user_name.eq_ignore_ascii_case(reference));
        by_identity.map(|i| i.person_id).or_else(|| self.people.iter().find(|p| p.email.eq_ignore_ascii_case(reference)).map(|p| p.id))
    }
}

/// Record `inputs` (one request's changes) as the viewer, in batches the events use
/// case accepts.
async fn record(store: &dyn Store, viewer: &Viewer, inputs: Vec<EventInput>) -> Result<(), AppError> {
    let mut inputs = inputs;
    while !inputs.is_empty() {
        let rest = inputs.split_off(inputs.len().min(events::MAX_BULK));
        events::record(store, viewer, inputs, None).await?;
        inputs = rest;
    }
    Ok(())
}

fn event(subject: PersonId, kind: &str, payload: Value) -> EventInput {
    EventInput { subject: Value::String(subject.to_string()), kind: kind.into(), payload, ..Default::default() }
}

/// Compare an `If-Match` header with the current tag: `412` when it does not match.
pub fn check_if_match(if_match: Option<&str>, current: &Resource) -> Result<(), AppError> {
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(h) => {
            let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
            if h.split(',').any(|t| strip(t) == strip(&current.etag)) {
                Ok(())
            } else {
                Err(AppError::Conflict { field: "If-Match".into(), reason: format!("the resource changed: its version is now {}", current.etag) })
            }
        }
    }
}

fn parse_query_count(n: Option<usize>) -> usize {
    n.unwrap_or(100).min(MAX_COUNT)
}

impl ListQuery {
    pub fn new(filter: Option<String>, start_index: Option<usize>, count: Option<usize>, projection: Projection) -> ListQuery {
        ListQuery { filter: filter.filter(|f| !f.trim().is_empty()), start_index: start_index.unwrap_or(1).max(1), count: parse_query_count(count), projection }
    }
}
