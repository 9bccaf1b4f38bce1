//! Credentials on behalf of a viewer: the holder lists theirs, has an achievement
//! issued, chooses automatic issuing; the people team lists everyone's and revokes
//! with a reason. Who may is the access table's (`IssueCredential`: yourself only;
//! `RevokeCredential`: the people team).

use chrono::{DateTime, Utc};
use rungs_core::credentials::{IssuedCredential, Revoked};
use rungs_core::event::Event;
use rungs_core::store::Store;
use rungs_core::{EventId, PersonId};
use uuid::Uuid;

use super::Issuer;
use super::issuing::{issue, source_of};
use crate::access::{Action, Relation, Subject, table};
use crate::{AppError, Viewer};

/// Longest revocation reason kept.
pub const MAX_REASON: usize = 500;
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

/// Revoke credential `id` with `reason` (the people team). Once: a second
/// revocation is a conflict naming when it was revoked.
pub async fn revoke(store: &dyn Store, viewer: &Viewer, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<IssuedCredential, AppError> {
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
    match store.revoke_credential(viewer.org_id, id, viewer.person_id, reason, now).await? {
        Revoked::Done(c) => Ok(*c),
        Revoked::Already(c) => {
            Err(AppError::Conflict { field: "id".into(), reason: format!("already revoked on {}", c.revoked_at.map(|t| t.to_rfc3339()).unwrap_or_default()) })
        }
    }
}
