//! `rungs import people FILE.csv`.

use std::collections::{HashMap, HashSet};

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use rungs_core::PersonId;
use rungs_core::store::AppendBatch;

use super::import_events::{BATCH, progress};
use super::{open_store, the_org};
use rungs_app::people_csv::{self, to_events};

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
