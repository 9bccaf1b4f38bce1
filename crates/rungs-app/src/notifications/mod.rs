//! Notifications on behalf of a viewer (docs/NOTIFICATIONS.md): a person reads and
//! marks their own notifications and chooses which kinds reach them by email. Who
//! may is the access table's (`read notifications`: yourself only). [`derive`]
//! turns the ledger into notifications in the background, [`mail`] sends them, and
//! [`invites`] are one-time sign-in links.

pub mod derive;
pub mod invites;
pub mod mail;

use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use rungs_core::notifications::{EmailChoice, Notification, NotificationKind};
use rungs_core::store::Store;
use uuid::Uuid;

use crate::access::{Action, Relation, Subject, table};
use crate::{AppError, Viewer};

/// Most notifications one page holds, and the default.
pub const MAX_PAGE: u32 = 100;
pub const PAGE: u32 = 30;

/// The signed-in person whose notifications these are.
fn me(viewer: &Viewer) -> Result<PersonId, AppError> {
    let person = viewer.person_id.ok_or_else(|| AppError::Forbidden("notifications belong to a person; the system has none".into()))?;
    if table::allowed(viewer.role, Relation::Myself, Action::ReadNotifications, Subject::ACTIVE) {
        Ok(person)
    } else {
        Err(AppError::Forbidden("you may not read notifications".into()))
    }
}

/// Newest first, before `before`, at most `limit` (default 30, at most 100).
pub async fn list(store: &dyn Store, viewer: &Viewer, unread_only: bool, before: Option<Uuid>, limit: Option<u32>) -> Result<Vec<Notification>, AppError> {
    let person = me(viewer)?;
    let limit = limit.unwrap_or(PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    Ok(store.notifications(viewer.org_id, person, unread_only, before, limit).await?)
}

/// The bell's number.
pub async fn unread(store: &dyn Store, viewer: &Viewer) -> Result<u64, AppError> {
    let person = me(viewer)?;
    Ok(store.unread_notifications(viewer.org_id, person).await?)
}

/// Mark one of your notifications read (someone else's is not found).
pub async fn mark_read(store: &dyn Store, viewer: &Viewer, id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let person = me(viewer)?;
    Ok(store.mark_notification_read(viewer.org_id, person, id, now).await?)
}

/// Mark all of yours read; how many were unread.
pub async fn mark_all_read(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<u64, AppError> {
    let person = me(viewer)?;
    Ok(store.mark_all_notifications_read(viewer.org_id, person, now).await?)
}

/// Every kind with the email choice in force (chosen, or the kind's default).
pub async fn preferences(store: &dyn Store, viewer: &Viewer) -> Result<Vec<(NotificationKind, EmailChoice)>, AppError> {
    let person = me(viewer)?;
    let chosen = store.notification_prefs(viewer.org_id, person).await?;
    Ok(effective(&chosen))
}

/// The choice in force for each kind, in [`NotificationKind::ALL`] order.
pub fn effective(chosen: &[(NotificationKind, EmailChoice)]) -> Vec<(NotificationKind, EmailChoice)> {
    NotificationKind::ALL.iter().map(|k| (*k, chosen.iter().find(|(c, _)| c == k).map_or_else(|| k.default_email(), |(_, e)| *e))).collect()
}

/// Set your email choices; kinds and choices by name, each checked before any is saved.
pub async fn set_preferences(store: &dyn Store, viewer: &Viewer, choices: &[(String, String)]) -> Result<Vec<(NotificationKind, EmailChoice)>, AppError> {
    let person = me(viewer)?;
    let mut parsed = Vec::with_capacity(choices.len());
    for (k, e) in choices {
        let kind = NotificationKind::parse(k).ok_or_else(|| AppError::invalid(format!("email.{k}"), "is not a notification kind"))?;
        let choice = EmailChoice::parse(e).ok_or_else(|| AppError::invalid(format!("email.{k}"), "must be off, immediate or digest"))?;
        parsed.push((kind, choice));
    }
    for (kind, choice) in parsed {
        store.set_notification_pref(viewer.org_id, person, kind, choice).await?;
    }
    preferences(store, viewer).await
}

#[cfg(test)]
mod tests;
