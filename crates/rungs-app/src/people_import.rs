//! Importing people from an HR-system CSV on behalf of a viewer (the web import page):
//! the same reader as `rungs import people`, the people team only, every change
//! attributed to the viewer.

use std::collections::{HashMap, HashSet};

use rungs_core::store::{AppendBatch, Store};
use rungs_core::{OrgId, PersonId};

use crate::people_csv::{self, RowError};
use crate::{AppError, Viewer};

/// Events per append, so a large file does not become one huge transaction.
const BATCH: usize = 5_000;

/// What an import did, or would have done.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Every bad row with its line number and reasons.
    pub errors: Vec<RowError>,
    /// Good rows in the file.
    pub good_rows: usize,
    /// People added now.
    pub added: usize,
    /// Rows whose email was already in Rungs (left as they are).
    pub already_present: usize,
    /// True when something was written.
    pub imported: bool,
    /// Who was added, for the invites that let them sign in.
    pub added_ids: Vec<PersonId>,
}

/// Read `data` and add its people on behalf of `viewer` (the people team only).
/// Any bad row means nothing is imported, unless `skip_invalid`, in which case the
/// good rows are. A file that cannot be read as CSV at all is an `Invalid` error on
/// the field `file`.
pub async fn import(store: &dyn Store, viewer: &Viewer, data: &[u8], skip_invalid: bool) -> Result<ImportReport, AppError> {
    if !crate::access::Capabilities::of(viewer.role).add_people {
        return Err(AppError::Forbidden("only the people team can import people".into()));
    }
    import_into(store, viewer.org_id, viewer.person_id, data, skip_invalid, &mut |_| {}).await
}

/// The import itself, for the web page (through [`import`]) and for the operator's
/// `rungs import people` (no viewer: `actor` is `None`). `progress` is told how many
/// events each append wrote, out of the total it is first told with `0`.
pub async fn import_into(
    store: &dyn Store,
    org: OrgId,
    actor: Option<PersonId>,
    data: &[u8],
    skip_invalid: bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, AppError> {
    let framework = store.framework(org).await?;
    let existing = store.all_people(org).await?;
    let known: HashSet<String> = existing.iter().map(|p| p.email.clone()).collect();
    let parsed = people_csv::parse(data, &framework, &known).map_err(|e| AppError::invalid("file", e))?;
    let mut report = ImportReport { good_rows: parsed.rows.len(), errors: parsed.errors, ..Default::default() };
    if (!report.errors.is_empty() && !skip_invalid) || parsed.rows.is_empty() {
        return Ok(report);
    }
    let ids: HashMap<String, PersonId> = existing.iter().map(|p| (p.email.clone(), p.id)).collect();
    let (mut events, skipped) = people_csv::to_events(org, &parsed.rows, ids);
    for e in &mut events {
        e.actor = actor;
    }
    progress(Progress::Total(events.len()));
    for chunk in events.chunks(BATCH) {
        store.append(AppendBatch { org_id: org, events: chunk.to_vec(), claim: None }).await?;
        progress(Progress::Wrote(chunk.len()));
    }
    report.already_present = skipped;
    report.added = parsed.rows.len() - skipped;
    report.imported = !events.is_empty();
    report.added_ids = events.iter().filter(|e| matches!(e.body, rungs_core::event::EventBody::Hired(_))).map(|e| e.subject).collect();
    Ok(report)
}

/// What [`import_into`] reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Events to write in all.
    Total(usize),
    /// Events just written.
    Wrote(usize),
}
