//! Demo verifiable credentials: the three demo logins and the first few people with
//! a milestone or a badge opt in to automatic issuing, and their achievements are
//! issued, so the credentials pages, the public links and the verify page have
//! something to show (docs/CREDENTIALS.md).

use chrono::Utc;
use rungs_app::credentials::Issuer;
use rungs_app::credentials::issuing::{issue, source_of};
use rungs_core::OrgId;
use rungs_core::event::EventKind;
use rungs_core::person::Person;
use rungs_core::store::{EventQuery, Store};

/// People besides the logins who get credentials: enough to fill a page, few enough
/// to generate in a moment.
const OTHERS: u32 = 5;
/// Credentials per person at most (a long career has many badges).
const PER_PERSON: usize = 6;

/// Opts the people in and issues their achievements; how many were issued.
pub async fn seed(store: &dyn Store, org: OrgId, issuer: &Issuer, logins: [&Person; 3]) -> anyhow::Result<u64> {
    let now = Utc::now();
    // The generated past is history: automatic issuing and notifications start
    // after it.
    let head = rungs_app::credentials::auto::skip_history(store, org).await?;
    rungs_app::notifications::derive::skip_to(store, org, head).await?;
    let mut people: Vec<_> = logins.iter().map(|p| p.id).collect();
    let q = EventQuery { kinds: vec![EventKind::MilestoneCompleted, EventKind::BadgeAwarded], limit: OTHERS * 4, ..EventQuery::default() };
    for e in store.events(org, &q).await?.items {
        if !people.contains(&e.subject) && people.len() < 3 + OTHERS as usize {
            people.push(e.subject);
        }
    }
    let mut issued = 0;
    for person in people {
        store.set_credential_opt_in(org, person, true, now).await?;
        let reversed = store.reversed_ids(org, person).await?;
        let events = store.subject_events(org, person).await?;
        for e in events.iter().filter(|e| source_of(&e.body).is_some() && !reversed.contains(&e.id)).rev().take(PER_PERSON) {
            issue(store, issuer, org, e, now).await?;
            issued += 1;
        }
    }
    Ok(issued)
}
