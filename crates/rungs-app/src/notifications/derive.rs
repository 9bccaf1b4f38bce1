//! From the ledger to notifications, off the write path: a background job reads the
//! events past the organization's cursor, words one notification per recipient, and
//! records them with the cursor's move in one transaction. The store's UNIQUE key on
//! (source, recipient, kind) makes each notification once, whatever the number of
//! runs or instances.
//!
//! What is told to whom:
//! - a win (`micro_progression`) a person logged about themself: their manager, who
//!   may validate it (validation requested);
//! - a validation: the win's author, unless they validated it themself;
//! - an opportunity's completion (the win it puts on the ledger): its applicant;
//! - a milestone completed, a badge awarded, a promotion: the person;
//! - recognition: its receiver.
//!
//! Events recorded more than [`NEWS_DAYS`] ago are passed over: they are history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventBody};
use rungs_core::notifications::{EmailChoice, Notification, NotificationKind};
use rungs_core::person::Person;
use rungs_core::store::{Store, StoreError};
use rungs_core::{OrgId, PersonId};

use crate::AppError;

/// Events read per run at most.
pub const BATCH: u32 = 500;
/// An event recorded longer ago than this is history, not news: no notification
/// (a demo's generated past, a ledger restored from an export).
pub const NEWS_DAYS: i64 = 7;

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub events: u64,
    pub created: u64,
}

/// Batches one run reads at most ([`MAX_BATCHES`] × [`BATCH`] = 10,000 events): a
/// ledger imported or generated in bulk is history caught up with in a few runs,
/// not one batch every few seconds for minutes while today's news waits behind it.
pub const MAX_BATCHES: u32 = 20;

/// One run over `org`'s ledger past the cursor (at most [`MAX_BATCHES`] batches of
/// [`BATCH`] events).
pub async fn run(store: &dyn Store, org: OrgId, now: DateTime<Utc>) -> Result<Report, AppError> {
    let mut report = Report::default();
    for _ in 0..MAX_BATCHES {
        let r = batch(store, org, now).await?;
        report.events += r.events;
        report.created += r.created;
        if r.events < u64::from(BATCH) {
            break;
        }
    }
    Ok(report)
}

/// Moves the cursor to `head` (the ledger's last seq, as
/// `credentials::auto::skip_history` returns it) without telling anyone: the demo's
/// generated past, a restored export, is history, not news. The ledger is read once
/// for both cursors.
pub async fn skip_to(store: &dyn Store, org: OrgId, head: i64) -> Result<(), AppError> {
    let from = store.notify_cursor(org).await?;
    if head > from {
        store.record_notifications(org, from, head, &[]).await?;
    }
    Ok(())
}

async fn batch(store: &dyn Store, org: OrgId, now: DateTime<Utc>) -> Result<Report, AppError> {
    let from = store.notify_cursor(org).await?;
    let events = store.export_events(org, from, BATCH).await?;
    let Some(to) = events.last().map(|e| e.seq) else { return Ok(Report::default()) };
    let mut people = People { store, org, cache: HashMap::new() };
    let mut prefs: HashMap<PersonId, Vec<(NotificationKind, EmailChoice)>> = HashMap::new();
    let mut items = Vec::new();
    for e in events.iter().filter(|e| now - e.recorded_at <= chrono::Duration::days(NEWS_DAYS)) {
        for (recipient, kind, text, link) in tell(&mut people, e).await? {
            if let std::collections::hash_map::Entry::Vacant(slot) = prefs.entry(recipient) {
                slot.insert(store.notification_prefs(org, recipient).await?);
            }
            let choice = super::effective(&prefs[&recipient]).iter().find(|(k, _)| *k == kind).map_or(kind.default_email(), |(_, c)| *c);
            items.push(Notification::new(org, recipient, kind, format!("event:{}", e.id), text, Some(link), choice, now));
        }
    }
    let created = store.record_notifications(org, from, to, &items).await?.unwrap_or(0);
    Ok(Report { events: events.len() as u64, created })
}

/// Record notifications outside the ledger (an application decided): each once.
pub async fn record(store: &dyn Store, items: Vec<Notification>) -> Result<u64, AppError> {
    let Some(org) = items.first().map(|n| n.org_id) else { return Ok(0) };
    Ok(store.record_notifications(org, 0, 0, &items).await?.unwrap_or(0))
}

/// Email choice of `recipient` for `kind`.
pub async fn choice(store: &dyn Store, org: OrgId, recipient: PersonId, kind: NotificationKind) -> Result<EmailChoice, AppError> {
    let chosen = store.notification_prefs(org, recipient).await?;
    Ok(super::effective(&chosen).into_iter().find(|(k, _)| *k == kind).map_or(kind.default_email(), |(_, c)| c))
}

struct People<'a> {
    store: &'a dyn Store,
    org: OrgId,
    cache: HashMap<PersonId, Option<Person>>,
}

impl People<'_> {
    async fn get(&mut self, id: PersonId) -> Result<Option<&Person>, AppError> {
        if !self.cache.contains_key(&id) {
            let p = match self.store.person(self.org, id).await {
                Ok(p) => Some(p),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            self.cache.insert(id, p);
        }
        Ok(self.cache.get(&id).and_then(Option::as_ref))
    }

    async fn name(&mut self, id: Option<PersonId>) -> Result<String, AppError> {
        Ok(match id {
            Some(id) => self.get(id).await?.map_or_else(|| "Someone".to_string(), |p| p.name.clone()),
            None => "Rungs".to_string(),
        })
    }
}

fn timeline(p: PersonId) -> String {
    format!("/people/{p}/timeline")
}

/// Who is told what about `e`: (recipient, kind, text, link).
async fn tell(people: &mut People<'_>, e: &Event) -> Result<Vec<(PersonId, NotificationKind, String, String)>, AppError> {
    let mut out = Vec::new();
    let by_self = e.actor == Some(e.subject);
    match &e.body {
        EventBody::MicroProgression(w) => {
            let from_opportunity = e.idempotency_key.as_deref().is_some_and(|k| k.starts_with("opportunity:") && k.ends_with(":win"));
            if from_opportunity {
                out.push((
                    e.subject,
                    NotificationKind::OpportunityCompleted,
                    format!("Your opportunity work was completed: {}", w.title),
                    "/opportunities".to_string(),
                ));
            } else if by_self {
                let author = people.get(e.subject).await?.cloned();
                if let Some(manager) = author.as_ref().and_then(|a| a.manager_id) {
                    let name = author.as_ref().map_or("A report", |a| a.name.as_str());
                    out.push((manager, NotificationKind::ValidationRequested, format!("{name} logged a win to validate: {}", w.title), timeline(e.subject)));
                }
            }
        }
        EventBody::Validation(_) if !by_self && e.actor.is_some() => {
            let who = people.name(e.actor).await?;
            out.push((e.subject, NotificationKind::WinValidated, format!("{who} validated your win"), "/timeline".to_string()));
        }
        EventBody::MilestoneCompleted(m) => {
            out.push((e.subject, NotificationKind::MilestoneReached, format!("You reached a milestone: {}", m.title), "/progress".to_string()));
        }
        EventBody::BadgeAwarded(b) => {
            out.push((e.subject, NotificationKind::BadgeAwarded, format!("You were awarded the badge {}", b.name), "/badges".to_string()));
        }
        EventBody::Recognition(_) if !by_self => {
            let who = people.name(e.actor).await?;
            out.push((e.subject, NotificationKind::RecognitionReceived, format!("{who} recognized you"), "/recognition".to_string()));
        }
        EventBody::Promotion(p) => {
            out.push((e.subject, NotificationKind::PromotionDecided, format!("You were promoted to {}", p.to.title), "/timeline".to_string()));
        }
        _ => {}
    }
    Ok(out)
}
