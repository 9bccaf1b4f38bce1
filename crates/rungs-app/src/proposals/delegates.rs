//! The delegation person picker: find a colleague by name (or email) to stand in for
//! the viewer while away. Bounded: one indexed people query of at most
//! [`MAX_MATCHES`] + 1 rows, whatever the size of the organization; only active
//! people, never the viewer; a name and a title, nothing more (the access table's
//! `FindDelegate` row).

use rungs_core::PersonId;
use rungs_core::person::PersonStatus;
use rungs_core::store::{PeopleQuery, Store};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Scope;
use crate::access::table::{Action, Subject, allowed};
use crate::{AppError, Viewer};

/// At most this many matches are shown; more means "type more of the name".
pub const MAX_MATCHES: u32 = 10;

/// A colleague found: enough to recognize them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Colleague {
    pub id: PersonId,
    pub name: String,
    pub title: String,
}

/// Matches for `text` (at least 2 characters), and whether there were more.
pub async fn find_delegates(store: &dyn Store, viewer: &Viewer, text: &str) -> Result<(Vec<Colleague>, bool), AppError> {
    let text = text.trim();
    if text.chars().count() < 2 {
        return Ok((vec![], false));
    }
    // One page of the search, a few more than shown to tell "more" apart; the
    // departed and the viewer are dropped from that page.
    let q = PeopleQuery { search: Some(text.chars().take(100).collect()), only: None, cursor: None, limit: MAX_MATCHES + 3 };
    let page = store.people(viewer.org_id, &q).await?;
    let ids: Vec<PersonId> = page.items.iter().map(|p| p.id).collect();
    let scope = Scope::for_subjects(store, viewer.clone(), &ids).await?;
    let mut found: Vec<Colleague> = page
        .items
        .into_iter()
        .filter(|p| p.status == PersonStatus::Active && Some(p.id) != viewer.person_id)
        .filter(|p| allowed(viewer.role, scope.relation(p.id), Action::FindDelegate, Subject::ACTIVE))
        .map(|p| Colleague { id: p.id, name: p.name, title: p.position.title })
        .collect();
    let more = found.len() > MAX_MATCHES as usize || page.next_cursor.is_some();
    found.truncate(MAX_MATCHES as usize);
    Ok((found, more))
}
