//! Milestone completion on the ledger: when a win or a validation completes a module
//! of its subject's next transition, a `milestone_completed` event is appended by the
//! system, exactly once per person and module. "Exactly once" is the store's: the
//! event carries the key `milestone:<subject>:<track>:<module>`, and a second append
//! with a seen event key replays the first instead of adding another, also when two
//! requests race.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventBody, MilestoneCompleted, NewEvent};
use rungs_core::framework::Framework;
use rungs_core::person::{Person, PersonStatus};
use rungs_core::readiness::readiness;
use rungs_core::store::{AppendBatch, Store};
use rungs_core::{EventId, OrgId, PersonId};

use crate::AppError;

/// The event key that makes a completion unique.
pub fn event_key(subject: PersonId, track: &str, milestone: &str) -> String {
    format!("milestone:{subject}:{track}:{milestone}")
}

/// Append `milestone_completed` for every module of `subject`'s next transition that
/// is complete and not on the ledger yet. Returns the events appended (or replayed).
pub async fn award(store: &dyn Store, org: OrgId, subject: PersonId, now: DateTime<Utc>) -> Result<Vec<Event>, AppError> {
    award_each(store, org, &[subject], now).await
}

/// [`award`] for each of `subjects` in turn, with the framework read once: after a
/// bulk import, which appends past the per-win check, each affected person is
/// evaluated once. Judged by the framework version in force at `now`, which each
/// completion records.
pub async fn award_each(store: &dyn Store, org: OrgId, subjects: &[PersonId], now: DateTime<Utc>) -> Result<Vec<Event>, AppError> {
    let (fw, version) = crate::readiness::framework_at(store, org, now).await?;
    let mut out = Vec::new();
    if fw.milestones.is_empty() {
        return Ok(out);
    }
    for &subject in subjects {
        let person = store.person(org, subject).await?;
        let events = store.subject_events(org, subject).await?;
        // One append per completion: a lone event whose key was seen replays, where a
        // batch with a seen key would be refused as a conflict.
        for event in due(&fw, version, &person, &events, now) {
            out.extend(store.append(AppendBatch { org_id: org, events: vec![event], claim: None }).await?.events);
        }
    }
    Ok(out)
}

/// The `milestone_completed` events `person` is due: modules of their next transition
/// that are complete under `fw` and not on the ledger yet. Pure; `version` is the
/// framework version recorded in each.
pub fn due(fw: &Framework, version: Option<u32>, person: &Person, events: &[Event], now: DateTime<Utc>) -> Vec<NewEvent> {
    if person.status != PersonStatus::Active {
        return vec![];
    }
    let r = readiness(fw, &person.position, events, now);
    let Some(next) = r.next_level.clone() else { return vec![] };
    r.milestones
        .iter()
        .filter(|m| m.complete && !m.recorded)
        .map(|m| {
            // Dated when its last counted win happened, so the date does not depend on
            // when the check ran.
            let occurred_at = m.progress.counted.iter().map(|c| c.occurred_at).max().unwrap_or(now).min(now);
            // Sorted and unique, the ledger's canonical form (as `EventInput::parse` makes it).
            let mut competencies = m.competencies.clone();
            competencies.sort();
            competencies.dedup();
            NewEvent {
                id: EventId::new(),
                org_id: person.org_id,
                subject: person.id,
                actor: None,
                occurred_at,
                recorded_at: now,
                body: EventBody::MilestoneCompleted(MilestoneCompleted {
                    milestone: m.key.clone(),
                    track: person.position.track.clone(),
                    to_level: next.clone(),
                    title: m.title.clone(),
                    framework_version: version,
                    counted: m.progress.counted.iter().map(|c| c.id).collect(),
                }),
                competencies,
                evidence: vec![],
                idempotency_key: Some(event_key(person.id, &person.position.track, &m.key)),
            }
        })
        .collect()
}

/// After an append: award milestones to the subjects whose new wins or validations
/// may have completed a module. Cheap when nothing can: only a subject with a module
/// into their next level that shares a competency with the win is checked in full.
/// Failures are logged, not returned: the appended events are already acknowledged,
/// and the next win of that person checks again.
pub async fn after_append(store: &dyn Store, fw: &Framework, org: OrgId, appended: &[Event], now: DateTime<Utc>) {
    if fw.milestones.is_empty() {
        return;
    }
    let mut checked = HashSet::new();
    for e in appended {
        let comps = match &e.body {
            EventBody::MicroProgression(_) if e.competencies.is_empty() => continue,
            EventBody::MicroProgression(_) => e.competencies.clone(),
            EventBody::Validation(v) => match store.event(org, v.target).await {
                Ok(t) => t.competencies,
                Err(_) => continue,
            },
            _ => continue,
        };
        // No module anywhere builds these competencies: nothing to read for them (a
        // win without competencies, the common case, costs no read at all).
        if checked.contains(&e.subject) || !fw.milestones.iter().any(|m| m.competencies.iter().any(|c| comps.contains(c))) {
            continue;
        }
        let Ok(person) = store.person(org, e.subject).await else { continue };
        let Some(next) = fw.next_level(&person.position.track, &person.position.level) else { continue };
        let mut modules = fw.milestones_into(&person.position.track, &next.key);
        if !modules.any(|m| m.competencies.iter().any(|c| comps.contains(c))) {
            continue;
        }
        checked.insert(e.subject);
        if let Err(err) = award(store, org, e.subject, now).await {
            tracing::warn!(subject = %e.subject, error = %err, "cannot record milestone completion; the next win checks again");
        }
    }
}
