//! Analytics use cases: the metrics dashboard, the stagnation-risk list, the
//! what-works report and the equity audit (docs/ANALYTICS.md), for whoever the access table lets count
//! whom. All three read one [`Snapshot`] per organization, kept in a [`Cache`]: the
//! first request reads the ledger once, later ones fold in only the events appended
//! since (at most every [`REFRESH_SECS`]), so no request re-reads the whole ledger.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Months, TimeZone, Utc};
use rungs_core::analytics::equity::{EquityReport, attributes, equity};
use rungs_core::analytics::metrics::{MetricsReport, metrics};
use rungs_core::analytics::stagnation::{StagnationReport, stagnation};
use rungs_core::analytics::whatworks::{WhatWorksReport, default_landmark, what_works};
use rungs_core::analytics::{Member, Progressions, Snapshot};
use rungs_core::store::{Store, StoreError, StoreResult};
use rungs_core::{OrgId, ValidationError};

use crate::access::table::{self, Action, Report, Subject};
use crate::access::{Relation, Scope};
use crate::{AppError, Viewer};

pub mod tables;

/// A snapshot younger than this is served as it is.
pub const REFRESH_SECS: i64 = 30;
/// Events per store read while catching up.
const CHUNK: u32 = 10_000;

struct Entry {
    progressions: Arc<Progressions>,
    snapshot: Arc<Snapshot>,
}

/// One snapshot per organization, caught up incrementally.
#[derive(Default)]
pub struct Cache {
    entries: tokio::sync::Mutex<HashMap<OrgId, Entry>>,
}

impl Cache {
    /// The organization's snapshot as of `now` (at most [`REFRESH_SECS`] old).
    pub async fn snapshot(&self, store: &dyn Store, org: OrgId, now: DateTime<Utc>) -> StoreResult<Arc<Snapshot>> {
        let mut entries = self.entries.lock().await;
        if let Some(e) = entries.get(&org)
            && now - e.snapshot.as_of < Duration::seconds(REFRESH_SECS)
            && e.snapshot.as_of <= now
        {
            return Ok(e.snapshot.clone());
        }
        let mut progressions = entries.remove(&org).map(|e| e.progressions).unwrap_or_default();
        // Another request may still hold the old snapshot: then this copies once.
        let p = Arc::make_mut(&mut progressions);
        loop {
            let chunk = store.export_events(org, p.last_seq, CHUNK).await?;
            if chunk.is_empty() {
                break;
            }
            let late: Vec<_> = chunk.iter().filter_map(|e| p.add(e)).collect();
            p.end_chunk();
            for target in late {
                match store.event(org, target).await {
                    Ok(t) => p.remove(&t),
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let fw = store.framework(org).await?;
        let members: Vec<Member> = store.all_people(org).await?.iter().map(|p| Member::new(p, &fw)).collect();
        let snapshot = Arc::new(Snapshot::new(members, progressions.clone(), now));
        entries.insert(org, Entry { progressions, snapshot: snapshot.clone() });
        Ok(snapshot)
    }
}

/// The members `viewer` may count in `report`, as snapshot indexes; 403 when the role
/// may not see the report at all.
async fn population(store: &dyn Store, snap: &Snapshot, viewer: &Viewer, report: Report) -> Result<Vec<usize>, AppError> {
    if !table::may_analyze(viewer.role, report) {
        return Err(AppError::Forbidden(format!("the {} report is not open to the {} role", report.as_str(), viewer.role.as_str())));
    }
    let scope = Scope::load(store, viewer.clone()).await?;
    Ok((0..snap.members.len())
        .filter(|&i| {
            let m = &snap.members[i];
            let rel: Relation = scope.relation(m.id);
            table::allowed(viewer.role, rel, Action::Analyze(report), Subject { left: m.ended.is_some(), own_target: false })
        })
        .collect())
}

/// Midnight UTC of `now`'s day: reports count whole days.
pub fn day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(now.timestamp().div_euclid(86_400) * 86_400, 0).single().unwrap_or(now)
}

/// Metrics over the `months` before today (1 to 60; default 12).
pub async fn metrics_report(store: &dyn Store, cache: &Cache, viewer: &Viewer, now: DateTime<Utc>, months: Option<u32>) -> Result<MetricsReport, AppError> {
    let months = months.unwrap_or(12);
    if !(1..=60).contains(&months) {
        return Err(ValidationError::single("months", "must be between 1 and 60").into());
    }
    let snap = cache.snapshot(store, viewer.org_id, now).await?;
    let who = population(store, &snap, viewer, Report::Metrics).await?;
    let end = snap.as_of;
    let snap2 = snap.clone();
    tokio::task::spawn_blocking(move || metrics(&snap2, &who, end - Months::new(months), end)).await.map_err(StoreError::unexpected).map_err(Into::into)
}

/// Stagnation risk with `N` = `days` (1 to 3650; default 90).
pub async fn stagnation_report(store: &dyn Store, cache: &Cache, viewer: &Viewer, now: DateTime<Utc>, days: Option<u32>) -> Result<StagnationReport, AppError> {
    let days = days.unwrap_or(rungs_core::analytics::stagnation::DEFAULT_DAYS);
    if !(1..=3650).contains(&days) {
        return Err(ValidationError::single("days", "must be between 1 and 3650").into());
    }
    let snap = cache.snapshot(store, viewer.org_id, now).await?;
    let who = population(store, &snap, viewer, Report::Stagnation).await?;
    let end = snap.as_of;
    tokio::task::spawn_blocking(move || stagnation(&snap, &who, end, days)).await.map_err(StoreError::unexpected).map_err(Into::into)
}

/// The what-works report with its landmark (default: see `default_landmark`), which
/// must leave at least 3 months of follow-up.
pub async fn what_works_report(
    store: &dyn Store,
    cache: &Cache,
    viewer: &Viewer,
    now: DateTime<Utc>,
    landmark: Option<DateTime<Utc>>,
) -> Result<WhatWorksReport, AppError> {
    let snap = cache.snapshot(store, viewer.org_id, now).await?;
    population(store, &snap, viewer, Report::WhatWorks).await?;
    let end = day_start(now);
    let landmark = match landmark {
        Some(l) if l > end - Months::new(3) => {
            return Err(ValidationError::single("landmark", "must be at least 3 months before today, to leave follow-up").into());
        }
        Some(l) => day_start(l),
        None => default_landmark(&snap, end),
    };
    tokio::task::spawn_blocking(move || what_works(&snap, end, landmark)).await.map_err(StoreError::unexpected).map_err(Into::into)
}

/// The equity audit over the `months` before today (1 to 60; default 12) by
/// `attribute` (one recorded for someone; default the first, alphabetically).
pub async fn equity_report(
    store: &dyn Store,
    cache: &Cache,
    viewer: &Viewer,
    now: DateTime<Utc>,
    attribute: Option<&str>,
    months: Option<u32>,
) -> Result<EquityReport, AppError> {
    let months = months.unwrap_or(12);
    let mut e = ValidationError::new();
    if !(1..=60).contains(&months) {
        e.push("months", "must be between 1 and 60");
    }
    let snap = cache.snapshot(store, viewer.org_id, now).await?;
    let who = population(store, &snap, viewer, Report::Equity).await?;
    if let Some(a) = attribute {
        let known = attributes(&snap, &who);
        if !known.iter().any(|k| k == a) {
            let list = if known.is_empty() { "none is recorded".to_string() } else { format!("recorded: {}", known.join(", ")) };
            e.push("attribute", format!("no one has the attribute {a:?} ({list})"));
        }
    }
    e.into_result()?;
    let (attribute, end) = (attribute.map(str::to_string), snap.as_of);
    tokio::task::spawn_blocking(move || equity(&snap, &who, attribute.as_deref(), end - Months::new(months), end))
        .await
        .map_err(StoreError::unexpected)
        .map_err(Into::into)
}
