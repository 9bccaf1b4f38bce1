//! Readiness in brief for many people at once: the people team's whole organization,
//! a manager's reports. Same score and top gap as the per-person answer
//! (`readiness::get`), computed by `rungs_core::readiness::org` from one streaming read
//! of the ledger instead of one read per person (docs/READINESS.md, "Many people").

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rungs_core::framework::Framework;
use rungs_core::person::{Person, PersonStatus, Role};
use rungs_core::readiness::org::{Fact, OrgReadiness, Summary};
use rungs_core::store::{Store, StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Scope;
use crate::{AppError, Viewer};

/// Up to this many people, each one's ledger is read on its own (a manager's team);
/// above it, the organization's relevant events are read once, in ledger order. At
/// about 0.6 ms per person read and ~1 µs per event scanned (docs/BENCHMARKS.md), one
/// scan of a 50-events-per-person ledger pays off from a few hundred people.
pub const BULK_FROM: usize = 300;
/// Facts per store read while scanning.
const CHUNK: u32 = 50_000;

/// One person's readiness in brief.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PersonReadiness {
    pub person_id: PersonId,
    pub name: String,
    pub title: String,
    pub track: String,
    pub level: String,
    pub manager_id: Option<PersonId>,
    pub readiness: Summary,
}

/// Readiness of everyone the viewer may see, closest to their next level first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgReadinessReport {
    /// The framework version the scores were computed under (the current one).
    pub framework_version: Option<u32>,
    pub computed_at: DateTime<Utc>,
    /// Active people the viewer may see: everyone for the people team, a manager's
    /// direct and indirect reports, an employee themself.
    pub people: Vec<PersonReadiness>,
}

/// Readiness now of every active person `viewer` may see: those with a next level
/// first, by score (highest first), then name, then id; people at the top of their
/// track (nothing ahead to be ready for) last.
pub async fn list(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<OrgReadinessReport, AppError> {
    let people: Vec<Person> = match (viewer.role, viewer.person_id) {
        (role, _) if crate::access::Capabilities::of(role).read_everyone => store.all_people(viewer.org_id).await?,
        (Role::Manager, Some(_)) => {
            let scope = Scope::load(store, viewer.clone()).await?;
            let reports = scope.reports();
            if reports.len() < BULK_FROM {
                let mut out = Vec::with_capacity(reports.len());
                for id in reports {
                    out.push(store.person(viewer.org_id, *id).await?);
                }
                out
            } else {
                // A director's thousands of reports: one read of everyone beats one each.
                store.all_people(viewer.org_id).await?.into_iter().filter(|p| reports.contains(&p.id)).collect()
            }
        }
        (_, Some(me)) => vec![store.person(viewer.org_id, me).await?],
        (_, None) => vec![],
    };
    let people: Vec<Person> = people.into_iter().filter(|p| p.status == PersonStatus::Active).collect();
    let fw = store.framework(viewer.org_id).await?;
    let framework_version = store.latest_framework_version(viewer.org_id).await?.map(|(v, _)| v);
    let summaries = summaries(store, viewer.org_id, fw, &people, now).await?;
    let mut out: Vec<PersonReadiness> = people
        .into_iter()
        .zip(summaries)
        .map(|(p, readiness)| PersonReadiness {
            person_id: p.id,
            name: p.name,
            title: p.position.title,
            track: p.position.track,
            level: p.position.level,
            manager_id: p.manager_id,
            readiness,
        })
        .collect();
    // Those with a level ahead first, closest to it first; the top of each track last.
    out.sort_by(|a, b| {
        (a.readiness.next_level.is_none(), std::cmp::Reverse(a.readiness.score), &a.name, a.person_id.0).cmp(&(
            b.readiness.next_level.is_none(),
            std::cmp::Reverse(b.readiness.score),
            &b.name,
            b.person_id.0,
        ))
    });
    Ok(OrgReadinessReport { framework_version, computed_at: now, people: out })
}

/// Readiness in brief of each of `people` (in their order) at `now` under `fw`. No
/// access check: callers decide who may be seen.
pub async fn summaries(store: &dyn Store, org: OrgId, fw: std::sync::Arc<Framework>, people: &[Person], now: DateTime<Utc>) -> StoreResult<Vec<Summary>> {
    if people.len() < BULK_FROM {
        let mut acc = OrgReadiness::new(&fw);
        for p in people {
            for e in store.subject_events(org, p.id).await? {
                acc.add_event(&e);
            }
        }
        return Ok(people.iter().map(|p| acc.summary(p.id, &p.position, now)).collect());
    }
    // Read and fold at the same time: the store reads the next chunk on its thread
    // while this one is folded in on a blocking thread, which then computes everyone.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Fact>>(2);
    let who: Arc<Vec<(PersonId, rungs_core::person::Position)>> = Arc::new(people.iter().map(|p| (p.id, p.position.clone())).collect());
    let worker = tokio::task::spawn_blocking(move || {
        let mut acc = OrgReadiness::new(&fw);
        while let Some(chunk) = rx.blocking_recv() {
            for f in chunk {
                acc.add(f);
            }
        }
        compute_parallel(&acc, &who, now)
    });
    // The ledger is read as two (or more, one per core) seq ranges at once: reading is
    // most of the work. The last range is open-ended, so a low estimate of the last
    // seq only makes it longer, never misses events.
    let readers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 4) as i64;
    let last_seq = store.stats().await?.events as i64;
    let step = (last_seq / readers).max(1);
    let ranges: Vec<(i64, Option<i64>)> = (0..readers).map(|i| (i * step, (i + 1 < readers).then_some((i + 1) * step))).collect();
    // Concurrent on this task; each read runs on the store's own threads.
    let reads = futures_util::future::try_join_all(ranges.into_iter().map(|(from, to)| read_range(store, org, from, to, tx.clone())));
    let read = reads.await;
    drop(tx);
    let summaries = worker.await.map_err(StoreError::unexpected)?;
    read?;
    Ok(summaries)
}

/// Stream the facts with `from < seq <= to` (no upper end if `to` is `None`) to `tx`.
async fn read_range(store: &dyn Store, org: OrgId, from: i64, to: Option<i64>, tx: tokio::sync::mpsc::Sender<Vec<Fact>>) -> StoreResult<()> {
    let mut after = from;
    loop {
        let mut chunk = store.readiness_facts(org, after, CHUNK).await?;
        let Some(last) = chunk.last() else { return Ok(()) };
        after = last.seq;
        let short = chunk.len() < CHUNK as usize;
        let past_end = to.is_some_and(|to| after >= to);
        if let Some(to) = to {
            chunk.retain(|f| f.seq <= to);
        }
        // The folding side is gone only if it failed; its error is reported instead.
        if tx.send(chunk).await.is_err() || short || past_end {
            return Ok(());
        }
    }
}

/// Everyone's summary, split over the available cores.
fn compute_parallel(acc: &OrgReadiness<'_>, who: &[(PersonId, rungs_core::person::Position)], now: DateTime<Utc>) -> Vec<Summary> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
    let per = who.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> =
            who.chunks(per).map(|part| s.spawn(move || part.iter().map(|(id, pos)| acc.summary(*id, pos, now)).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

#[cfg(test)]
mod tests;
