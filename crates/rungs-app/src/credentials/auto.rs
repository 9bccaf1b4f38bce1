//! Automatic issuing for the people who opted in: a background job reads the ledger
//! past the organization's cursor and issues a credential for each milestone
//! completion, badge award and micro-promotion of an opted-in person. The store's
//! UNIQUE key per (person, event) makes each credential once, whatever the number of
//! runs or instances; the cursor moves only after the batch is issued, so a failed
//! run is retried from the same place.

use chrono::{DateTime, Utc};
use rungs_core::OrgId;
use rungs_core::store::Store;

use super::Issuer;
use super::issuing::{issue, source_of};
use crate::AppError;

/// Events read per run at most.
pub const BATCH: u32 = 500;

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub events: u64,
    pub issued: u64,
}

/// Kind of the periodic job `rungs serve` registers.
pub const JOB: &str = "credentials";

/// Batches one run reads at most (10,000 events): a ledger imported in bulk is caught
/// up with in minutes, and one run never holds its lease long.
pub const MAX_BATCHES: u32 = 20;

/// One run over `org`'s ledger past the cursor (at most [`MAX_BATCHES`] × [`BATCH`]
/// events).
pub async fn run(store: &dyn Store, issuer: &Issuer, org: OrgId, now: DateTime<Utc>) -> Result<Report, AppError> {
    let mut report = Report::default();
    for _ in 0..MAX_BATCHES {
        let (events, issued) = batch(store, issuer, org, now).await?;
        report.events += events;
        report.issued += issued;
        if events < u64::from(BATCH) {
            break;
        }
    }
    Ok(report)
}

async fn batch(store: &dyn Store, issuer: &Issuer, org: OrgId, now: DateTime<Utc>) -> Result<(u64, u64), AppError> {
    let from = store.credential_cursor(org).await?;
    let events = store.export_events(org, from, BATCH).await?;
    let Some(to) = events.last().map(|e| e.seq) else { return Ok((0, 0)) };
    let mut subjects: Vec<_> = events.iter().filter(|e| source_of(&e.body).is_some()).map(|e| e.subject).collect();
    subjects.sort();
    subjects.dedup();
    let opted = if subjects.is_empty() { vec![] } else { store.opted_in(org, &subjects).await? };
    // Revocations first: a credential whose achievement this batch reverses is not
    // issued below (`issue` refuses reversed events), one issued before is revoked.
    super::holder::apply_revocations(store, org, &events).await?;
    let mut issued = 0;
    for e in events.iter().filter(|e| source_of(&e.body).is_some() && opted.contains(&e.subject)) {
        match issue(store, issuer, org, e, now).await {
            Ok(_) => issued += 1,
            // Reversed since (or in this same batch): nothing to certify.
            Err(AppError::Invalid(v)) => tracing::info!(event = %e.id, reason = %v, "no credential issued"),
            Err(other) => return Err(other),
        }
    }
    if !store.move_credential_cursor(org, from, to).await? {
        // Another instance did this stretch meanwhile: stop; the keys kept it once.
        return Ok((0, issued));
    }
    Ok((events.len() as u64, issued))
}

/// Moves the cursor past the whole ledger (history is not news: the demo's
/// generated past, an import), reading it once in big pages.
pub async fn skip_history(store: &dyn Store, org: OrgId) -> Result<i64, AppError> {
    let from = store.credential_cursor(org).await?;
    let mut at = from;
    loop {
        let page = store.export_events(org, at, 10_000).await?;
        match page.last() {
            Some(e) => at = e.seq,
            None => break,
        }
    }
    store.move_credential_cursor(org, from, at).await?;
    Ok(at)
}
