//! `rungs import history --mapping MAPPING.yaml FILE.csv`: career history from an HR
//! system (`rungs_app::history_import`, docs/HISTORY_IMPORT.md), run by the operator.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::history_import::import;

use super::{open_store, the_org};

pub async fn run(db: &str, mapping: &Path, file: &Path) -> anyhow::Result<ExitCode> {
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mapping_text = std::fs::read_to_string(mapping).with_context(|| format!("cannot read {}", mapping.display()))?;
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let report = match import(store.as_ref(), org.id, None, &data, &mapping_text, Utc::now()).await {
        Ok(r) => r,
        Err(AppError::Invalid(e)) => {
            for f in &e.errors {
                let whose = if f.field == "mapping" { mapping } else { file };
                eprintln!("{}: {}", whose.display(), f.reason);
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    for e in &report.errors {
        eprintln!("{}: {e}", file.display());
    }
    if !report.errors.is_empty() {
        eprintln!("{} bad row(s) of {}; nothing was imported", report.errors.len(), report.rows);
        return Ok(ExitCode::FAILURE);
    }
    println!("imported {} people ({} events) from {} rows", report.people, report.events, report.rows);
    Ok(ExitCode::SUCCESS)
}
