//! Credentials on behalf of a viewer: the holder lists theirs, has an achievement
//! issued, chooses automatic issuing; the people team lists everyone's and revokes
//! with a reason. Who may is the access table's (`IssueCredential`: yourself only;
//! `RevokeCredential`: the people team).

use chrono::{DateTime, Utc};
use rungs_core::credentials::{IssuedCredential, Revoked};
use rungs_core::event::{Event, EventBody, EventInput};
use rungs_core::store::{Appended, Store, StoreError};
use rungs_core::{EventId, OrgId, PersonId};
use uuid::Uuid;

use super::Issuer;
use super::issuing::{issue, source_of};
use crate::access::{Action, Relation, Subject, table};
use crate::{AppError, Viewer};

/// Longest revocation reason kept.
pub const MAX_REASON: usize = rungs_core::credentials::MAX_REVOKE_REASON;
/// Most credentials one page of the people team's list holds.
pub const MAX_PAGE: u32 = 100;

fn me(viewer: &Viewer) -> Result<PersonId, AppError> {
    let person = viewer.person_id.ok_or_else(|| AppError::Forbidden("credentials belong to a person; the system has none".into()))?;
    if table::allowed(viewer.role, Relation::Myself, Action::IssueCredential, Subject::ACTIVE) {
        Ok(person)
    } else {
        Err(AppError::Forbidden("you may not have credentials issued".into()))
    }
}

/// Your credentials, newest first.
pub async fn mine(store: &dyn Store, viewer: &Viewer) -> Result<Vec<IssuedCredential>, AppError> {
    let person = me(viewer)?;
    Ok(store.credentials_of(viewer.org_id, person).await?)
}

/// Your achievements that can be issued (milestones, badges, micro-promotions not
/// reversed), oldest first, each with its credential when issued.
pub async fn achievements(store: &dyn Store, viewer: &Viewer) -> Result<Vec<(Event, Option<IssuedCredential>)>, AppError> {
    let person = me(viewer)?;
    let reversed = store.reversed_ids(viewer.org_id, person).await?;
    let issued = store.credentials_of(viewer.org_id, person).await?;
    Ok(store
        .subject_events(viewer.org_id, person)
        .await?
        .into_iter()
        .filter(|e| source_of(&e.body).is_some() && !reversed.contains(&e.id))
        .map(|e| {
            let c = issued.iter().find(|c| c.event_id == e.id).cloned();
            (e, c)
        })
        .collect())
}

/// Issue the credential for your achievement `event` (once: asking again returns it).
pub async fn request(store: &dyn Store, issuer: &Issuer, viewer: &Viewer, event: EventId, now: DateTime<Utc>) -> Result<IssuedCredential, AppError> {
    let person = me(viewer)?;
    let e = match store.event(viewer.org_id, event).await {
        Ok(e) if e.subject == person => e,
        // Someone else's event is not yours to certify: as if it did not exist.
        Ok(_) | Err(rungs_core::store::StoreError::NotFound) => return Err(AppError::invalid("event_id", "is not one of your achievements")),
        Err(e) => return Err(e.into()),
    };
    issue(store, issuer, viewer.org_id, &e, now).await
}

/// Whether you chose automatic issuing.
pub async fn opted_in(store: &dyn Store, viewer: &Viewer) -> Result<bool, AppError> {
    let person = me(viewer)?;
    Ok(store.credential_opt_in(viewer.org_id, person).await?)
}

/// Choose automatic issuing (from now on: achievements recorded after the choice).
pub async fn set_opt_in(store: &dyn Store, viewer: &Viewer, on: bool, now: DateTime<Utc>) -> Result<(), AppError> {
    let person = me(viewer)?;
    Ok(store.set_credential_opt_in(viewer.org_id, person, on, now).await?)
}

/// The organization's credentials, newest first (the people team).
pub async fn all(store: &dyn Store, viewer: &Viewer, before: Option<Uuid>, limit: u32) -> Result<Vec<IssuedCredential>, AppError> {
    if !table::may(viewer.role, Action::RevokeCredential) {
        return Err(AppError::Forbidden("only the people team lists everyone's credentials".into()));
    }
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    Ok(store.credentials_page(viewer.org_id, before, limit).await?)
}

/// Revoke credential `id` with `reason` (the people team). The revocation is a
/// `credential_revoked` event on the holder's ledger (its key makes it once); the
/// credential's `revoked_*` columns and its status-list bit are that event's
/// projection, written right after and caught up by the credentials job (see
/// [`apply_revocations`]) should this process stop in between. A second
/// revocation is a conflict naming when the first was recorded.
pub async fn revoke(store: &dyn Store, viewer: &Viewer, id: Uuid, reason: &str) -> Result<IssuedCredential, AppError> {
    if !table::may(viewer.role, Action::RevokeCredential) {
        return Err(AppError::Forbidden("only the people team revokes credentials".into()));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "is required: say why the credential is revoked"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid("reason", format!("must be at most {MAX_REASON} characters")));
    }
    let held = match store.credential(id).await {
        Ok(c) if c.org_id == viewer.org_id => c,
        Ok(_) | Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if let Some(at) = held.revoked_at {
        return Err(already(at));
    }
    let appended = record_revocation(store, viewer, &held, reason).await?;
    let Some(event) = appended.events.first() else { return Err(AppError::Unexpected(rungs_core::Cause::msg("a revocation appended no event"))) };
    if appended.replayed {
        return Err(already(event.recorded_at));
    }
    match apply(store, event).await? {
        Revoked::Done(c) => Ok(*c),
        Revoked::Already(c) => Err(already(c.revoked_at.unwrap_or(event.recorded_at))),
    }
}

fn already(at: DateTime<Utc>) -> AppError {
    AppError::Conflict { field: "id".into(), reason: format!("already revoked on {}", at.to_rfc3339()) }
}

/// Appends the `credential_revoked` event for `held` as `viewer`.
async fn record_revocation(store: &dyn Store, viewer: &Viewer, held: &IssuedCredential, reason: &str) -> Result<Appended, AppError> {
    let input = EventInput {
        subject: serde_json::json!(held.person),
        kind: serde_json::json!("credential_revoked"),
        payload: serde_json::json!({ "credential": held.id, "certified": held.event_id, "reason": reason }),
        ..EventInput::default()
    };
    crate::events::record(store, viewer, vec![input], None).await
}

/// Projects one `credential_revoked` event onto its credential (once: the store
/// updates only a credential not yet revoked).
async fn apply(store: &dyn Store, event: &Event) -> Result<Revoked, AppError> {
    let EventBody::CredentialRevoked(c) = &event.body else { return Err(AppError::Unexpected(rungs_core::Cause::msg("not a revocation"))) };
    Ok(store.revoke_credential(event.org_id, c.credential, event.actor, &c.reason, event.recorded_at).await?)
}

/// The credentials job's share of revocation, for `events` read from the ledger in
/// order: each `credential_revoked` is projected onto its credential (a no-op when
/// the revoking request already did), and each reversal of an achievement that was
/// issued as a credential revokes that credential, by the system, saying why.
/// Returns how many credentials were revoked by a reversal.
pub async fn apply_revocations(store: &dyn Store, org: OrgId, events: &[Event]) -> Result<u64, AppError> {
    let mut by_reversal = 0;
    for e in events {
        match &e.body {
            EventBody::CredentialRevoked(_) => {
                apply(store, e).await?;
            }
            EventBody::Reversal(r) => {
                let Some(held) = store.credential_for_event(org, e.subject, r.target).await? else { continue };
                if held.revoked_at.is_some() {
                    continue;
                }
                let why = format!("The achievement it certified was reversed: {}", r.reason);
                let why: String = why.chars().take(MAX_REASON).collect();
                let appended = record_revocation(store, &Viewer::system(org), &held, &why).await?;
                if let Some(event) = appended.events.first() {
                    apply(store, event).await?;
                    by_reversal += u64::from(!appended.replayed);
                }
            }
            _ => {}
        }
    }
    Ok(by_reversal)
}
