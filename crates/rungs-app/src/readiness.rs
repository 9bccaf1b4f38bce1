//! Readiness and next steps for a person, on behalf of a viewer: the same access as
//! the timeline (oneself, one's managers, the people team). History is judged as it
//! stood: readiness at a past instant uses the person's position then, the events that
//! had happened by then, and the framework version in force then
//! (docs/READINESS.md, "Which framework version").

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventKind};
use rungs_core::framework::{Framework, version_in_force};
use rungs_core::person::Person;
use rungs_core::readiness::{Readiness, Recommendation, readiness, recommend};
use rungs_core::store::{Store, StoreResult};
use rungs_core::{OrgId, PersonId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{AppError, Viewer};

/// A person's readiness for their next level, explained, with the ranked next steps.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessReport {
    pub person_id: PersonId,
    pub name: String,
    /// The person's title at `computed_at`.
    pub title: String,
    /// The framework version the score was computed under: the one in force at
    /// `computed_at` (`None` if the framework was never versioned, e.g. set before
    /// versions existed).
    pub framework_version: Option<u32>,
    /// The instant it was computed for: recency and windows are measured from here.
    pub computed_at: DateTime<Utc>,
    pub readiness: Readiness,
    /// Gaps ranked by how much closing each raises readiness.
    pub recommendations: Vec<Recommendation>,
}

/// Readiness of `id` now, under the framework version in force now (the current one).
pub async fn get(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<ReadinessReport, AppError> {
    let mut report = get_at(store, viewer, id, Utc::now()).await?;
    // Open opportunities are today's: they are suggested now, not in a view of the past.
    crate::opportunities::attach_matches(store, viewer.org_id, id, &report.readiness, &mut report.recommendations).await?;
    Ok(report)
}

/// Readiness of `id` as it stood at `at`.
pub async fn get_at(store: &dyn Store, viewer: &Viewer, id: PersonId, at: DateTime<Utc>) -> Result<ReadinessReport, AppError> {
    // Access as for the timeline: `people::get` answers 404 to those who may not see.
    let person = crate::people::get(store, viewer, id).await?;
    let events = as_of(store.subject_events(viewer.org_id, id).await?, at);
    let then = person_at(&person, &events, at)?;
    let (fw, framework_version) = framework_at(store, viewer.org_id, at).await?;
    let r = readiness(&fw, &then.position, &events, at);
    let recommendations = recommend(&r);
    Ok(ReadinessReport { person_id: id, name: person.name, title: then.position.title, framework_version, computed_at: at, readiness: r, recommendations })
}

/// The ledger as it stood at `at`, as known now: the events that happened at or
/// before `at`, and every reversal whenever recorded (a win reversed as a mistake
/// never counted, also in hindsight).
pub fn as_of(mut events: Vec<Event>, at: DateTime<Utc>) -> Vec<Event> {
    events.retain(|e| e.occurred_at <= at || e.kind() == EventKind::Reversal);
    events
}

/// `person` as they were at `at` (position, level since...), folded from `events`
/// (already cut at `at`); an error naming `at` if they were not hired yet.
pub fn person_at(person: &Person, events: &[Event], at: DateTime<Utc>) -> Result<Person, AppError> {
    rungs_core::projection::fold(events)
        .ok_or_else(|| AppError::invalid("at", format!("{} was not hired yet at {}", person.name, at.format("%Y-%m-%dT%H:%M:%SZ"))))
}

/// The framework to judge the instant `at` by, and its version number: the version
/// in force at `at`. From the newest version's start on (and when no version was ever
/// saved) that is the current framework.
pub async fn framework_at(store: &dyn Store, org: OrgId, at: DateTime<Utc>) -> StoreResult<(std::sync::Arc<Framework>, Option<u32>)> {
    // The common case, "now", needs only the newest version's number and start; the
    // bodies of older versions are read only for an instant before that start.
    match store.latest_framework_version(org).await? {
        Some((_, since)) if at < since => {
            let versions = store.framework_versions(org).await?;
            let v = version_in_force(&versions, at).or(versions.last()).ok_or(rungs_core::store::StoreError::NotFound)?;
            Ok((std::sync::Arc::new(v.framework.clone()), Some(v.version)))
        }
        latest => Ok((store.framework(org).await?, latest.map(|(v, _)| v))),
    }
}

/// Readiness at one past instant, for the readiness-over-time picture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryPoint {
    pub at: DateTime<Utc>,
    /// 0–100; `None` at the top of a track (nothing to be ready for).
    pub score: Option<u32>,
    /// The title held at `at`.
    pub title: String,
    /// The level to be ready for at `at`.
    pub next_title: Option<String>,
    /// The level changed since the previous point (a promotion or a move): readiness
    /// starts again toward the new next level.
    pub moved: bool,
}

/// Readiness of `id` at the end of each of the last `months` calendar months and at
/// `now`, each judged as it stood then (position, events, framework version in force),
/// from one read of the person's ledger. Points before the hire are left out.
pub async fn history(store: &dyn Store, viewer: &Viewer, id: PersonId, now: DateTime<Utc>, months: u32) -> Result<Vec<HistoryPoint>, AppError> {
    use chrono::{Datelike, TimeZone};
    let person = crate::people::get(store, viewer, id).await?;
    let all = store.subject_events(viewer.org_id, id).await?;
    let mut instants: Vec<DateTime<Utc>> = (1..=months)
        .rev()
        .filter_map(|back| {
            let first = now.with_day(1)?.date_naive();
            let month_start = first.checked_sub_months(chrono::Months::new(back - 1))?;
            Utc.from_local_datetime(&month_start.and_hms_opt(0, 0, 0)?).single().map(|t| t - chrono::Duration::seconds(1))
        })
        .filter(|t| *t >= person.hired_at)
        .collect();
    instants.push(now);
    let mut out: Vec<HistoryPoint> = Vec::with_capacity(instants.len());
    for at in instants {
        let events = as_of(all.clone(), at);
        let Ok(then) = person_at(&person, &events, at) else { continue };
        let (fw, _) = framework_at(store, viewer.org_id, at).await?;
        let r = readiness(&fw, &then.position, &events, at);
        let moved = out.last().is_some_and(|p| p.title != then.position.title);
        let score = r.next_title.as_ref().map(|_| u32::from(r.score));
        out.push(HistoryPoint { at, score, title: then.position.title.clone(), next_title: r.next_title.clone(), moved });
    }
    Ok(out)
}
