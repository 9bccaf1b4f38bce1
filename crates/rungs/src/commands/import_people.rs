//! `rungs import people FILE.csv`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use rungs_core::event::{Departure, DepartureReason, EventBody, Hired, NewEvent};
use rungs_core::person::Position;
use rungs_core::store::AppendBatch;
use rungs_core::{EventId, OrgId, PersonId};

use super::import_events::{BATCH, progress};
use super::{open_store, the_org};
use crate::people_csv::{self, PersonRow};

pub async fn run(db: &str, file: &Path, skip_invalid: bool) -> anyhow::Result<ExitCode> {
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let framework = store.framework(org.id).await?;
    let existing = store.all_people(org.id).await?;
    let known: HashSet<String> = existing.iter().map(|p| p.email.clone()).collect();
    let parsed = match people_csv::parse(&data, &framework, &known) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    for e in &parsed.errors {
        eprintln!("{}: {e}", file.display());
    }
    if !parsed.errors.is_empty() && !skip_invalid {
        eprintln!("{} bad row(s); nothing was imported (fix them, or pass --skip-invalid to import the {} good rows)", parsed.errors.len(), parsed.rows.len());
        return Ok(ExitCode::FAILURE);
    }
    let ids: HashMap<String, PersonId> = existing.iter().map(|p| (p.email.clone(), p.id)).collect();
    let (events, skipped) = to_events(org.id, &parsed.rows, ids);
    let bar = progress(events.len() as u64);
    for chunk in events.chunks(BATCH) {
        store.append(AppendBatch { org_id: org.id, events: chunk.to_vec(), claim: None }).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let added = parsed.rows.len() - skipped;
    println!("imported {added} people; {skipped} already present (skipped); {} bad row(s) skipped", parsed.errors.len());
    Ok(ExitCode::SUCCESS)
}

/// `hired` (and `departure`) events for rows not yet in Rungs, managers first.
/// Returns the events and how many rows were already present.
pub fn to_events(org: OrgId, rows: &[PersonRow], mut ids: HashMap<String, PersonId>) -> (Vec<NewEvent>, usize) {
    let now = Utc::now();
    let mut events = Vec::with_capacity(rows.len());
    let mut skipped = 0;
    for r in rows {
        if ids.contains_key(&r.email) {
            skipped += 1;
            continue;
        }
        let id = PersonId::new();
        ids.insert(r.email.clone(), id);
        let manager_id = r.manager_email.as_ref().and_then(|m| ids.get(m).copied());
        let ev = |at, body| NewEvent {
            id: EventId::new(),
            org_id: org,
            subject: id,
            actor: None,
            occurred_at: at,
            recorded_at: now,
            body,
            competencies: vec![],
            evidence: vec![],
            idempotency_key: None,
        };
        events.push(ev(
            r.hired_at,
            EventBody::Hired(Hired {
                name: r.name.clone(),
                email: r.email.clone(),
                manager_id,
                department: r.department.clone(),
                location: r.location.clone(),
                position: Position { track: r.track.clone(), level: r.level.clone(), title: r.title.clone() },
                pay_band: r.pay_band.clone(),
                sensitive: r.sensitive.clone(),
            }),
        ));
        if let Some(end) = r.ended_at {
            let reason = match r.end_reason.as_deref() {
                Some("voluntary") => DepartureReason::Voluntary,
                Some("involuntary") => DepartureReason::Involuntary,
                Some("retirement") => DepartureReason::Retirement,
                _ => DepartureReason::Other,
            };
            events.push(ev(end, EventBody::Departure(Departure { reason, note: None })));
        }
    }
    (events, skipped)
}
