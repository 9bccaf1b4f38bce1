//! `rungs import events FILE.jsonl`: every line is parsed first and every bad line is
//! reported with its number; only a clean file is appended, in atomic batches.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::Utc;
use rungs_app::ledger_file::{Parsed, parse_line};
use rungs_core::event::{EventKind, NewEvent};
use rungs_core::ledger::bulk::Chunks;
use rungs_core::store::{AppendBatch, Store, StoreError};

/// Events per append (one transaction each).
pub const BATCH: usize = 10_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub appended: u64,
    pub replayed: u64,
    /// `milestone_completed` events the imported wins and validations were due.
    pub milestones: u64,
}

pub async fn import_events_from(store: &dyn Store, path: &Path) -> anyhow::Result<ImportReport> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut org = store.default_org().await?;
    let now = Utc::now();
    let mut events: Vec<(usize, NewEvent)> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line_no = i + 1;
        let line = line.with_context(|| format!("{}:{line_no}: cannot read", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line, org.as_ref().map(|o| o.id), now) {
            Ok(Parsed::Organization(o)) => match &org {
                Some(existing) if existing.id != o.id => {
                    errors.push(format!("line {line_no}: organization {} is not this database's organization {}", o.id, existing.id));
                }
                Some(_) => {}
                None => {
                    store.create_org(&o).await?;
                    org = Some(o);
                }
            },
            Ok(Parsed::Framework(f)) => match &org {
                Some(o) => store.save_framework(o.id, &f).await?,
                None => errors.push(format!("line {line_no}: the framework came before the organization line")),
            },
            Ok(Parsed::Event(e)) => events.push((line_no, *e)),
            Err(v) => {
                for fe in v.errors {
                    errors.push(format!("line {line_no}: {}: {}", fe.field, fe.reason));
                }
            }
        }
    }
    if !errors.is_empty() {
        for e in errors.iter().take(200) {
            eprintln!("{}: {e}", path.display());
        }
        bail!("{} bad line(s) in {}; nothing was imported", errors.len(), path.display());
    }
    let Some(org) = org else { bail!("no organization: run `rungs init` or import a file that starts with an organization line") };
    let mut report = ImportReport::default();
    // Whose wins or validations were appended, each once, in ledger order.
    let mut affected = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let bar = progress(events.len() as u64);
    if store.stats().await?.events == 0 {
        // A new database: the bulk path (`Store::bulk_load`), all or nothing.
        let chunks = events.chunks(BATCH).map(|c| c.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>());
        let bar2 = bar.clone();
        let mut source = Chunks(chunks.inspect(move |c| bar2.inc(c.len() as u64)));
        match store.bulk_load(org.id, &mut source).await {
            Ok(loaded) => {
                report.appended = loaded.events;
                let wins = events.iter().filter(|(_, e)| matches!(e.body.kind(), EventKind::MicroProgression | EventKind::Validation));
                affected.extend(wins.map(|(_, e)| e.subject).filter(|s| seen.insert(*s)));
            }
            Err(e) => {
                bar.abandon();
                let line = locate_in_load(&events, &e.to_string());
                bail!("{}:{line}: {e}; nothing was imported", path.display());
            }
        }
        bar.finish_and_clear();
        report.milestones = rungs_app::milestones::award_each(store, org.id, &affected, now).await?.len() as u64;
        return Ok(report);
    }
    for chunk in events.chunks(BATCH) {
        let batch = AppendBatch { org_id: org.id, events: chunk.iter().map(|(_, e)| e.clone()).collect(), claim: None };
        match store.append(batch).await {
            Ok(a) => {
                report.appended += a.events.len() as u64;
                let wins = a.events.iter().filter(|e| matches!(e.kind(), EventKind::MicroProgression | EventKind::Validation));
                affected.extend(wins.map(|e| e.subject).filter(|s| seen.insert(*s)));
                bar.inc(chunk.len() as u64);
            }
            Err(e) => {
                bar.abandon();
                let (line, msg) = locate(chunk, e);
                bail!("{}:{line}: {msg}; the {} events before this batch were imported", path.display(), report.appended);
            }
        }
    }
    bar.finish_and_clear();
    // The import appended past the per-win milestone check (`rungs_app::events::record`):
    // evaluate each affected person once now. Completions already in the file (an
    // export carries them) are seen by their event keys and not added again.
    report.milestones = rungs_app::milestones::award_each(store, org.id, &affected, now).await?.len() as u64;
    Ok(report)
}

/// Find the line of the event a store error names (`events[i].…`).
fn locate(chunk: &[(usize, NewEvent)], e: StoreError) -> (usize, String) {
    let msg = e.to_string();
    let idx = msg.split("events[").nth(1).and_then(|s| s.split(']').next()).and_then(|s| s.parse::<usize>().ok());
    match idx.and_then(|i| chunk.get(i)) {
        Some((line, _)) => (*line, msg),
        None => (chunk.first().map_or(0, |c| c.0), msg),
    }
}

/// The line of the event a bulk load's error names (`chunk[c].events[i]…`).
fn locate_in_load(events: &[(usize, NewEvent)], msg: &str) -> usize {
    let num = |after: &str| msg.split(after).nth(1).and_then(|s| s.split(']').next()).and_then(|s| s.parse::<usize>().ok());
    let i = num("chunk[").map(|c| c * BATCH + num("events[").unwrap_or(0));
    i.and_then(|i| events.get(i)).map_or(0, |(line, _)| *line)
}

/// A progress bar on a terminal, nothing otherwise.
pub fn progress(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}") {
        bar.set_style(style);
    }
    bar
}
