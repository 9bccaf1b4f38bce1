//! `rungs import people FILE.csv`: the people team's import (`rungs_app::people_import`)
//! run by the operator, with a progress bar.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use rungs_app::AppError;
use rungs_app::people_import::{Progress, import_into};

use super::import_events::progress;
use super::{open_store, the_org};

pub async fn run(db: &str, file: &Path, skip_invalid: bool) -> anyhow::Result<ExitCode> {
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let mut bar = None;
    let mut on_progress = |p: Progress| match p {
        Progress::Total(n) => bar = Some(progress(n as u64)),
        Progress::Wrote(n) => {
            if let Some(b) = &bar {
                b.inc(n as u64);
            }
        }
    };
    let report = match import_into(store.as_ref(), org.id, None, &data, skip_invalid, &mut on_progress).await {
        Ok(r) => r,
        Err(AppError::Invalid(e)) => {
            for f in &e.errors {
                eprintln!("{}: {}", file.display(), f.reason);
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for e in &report.errors {
        eprintln!("{}: {e}", file.display());
    }
    if !report.errors.is_empty() && !skip_invalid {
        eprintln!("{} bad row(s); nothing was imported (fix them, or pass --skip-invalid to import the {} good rows)", report.errors.len(), report.good_rows);
        return Ok(ExitCode::FAILURE);
    }
    println!("imported {} people; {} already present (skipped); {} bad row(s) skipped", report.added, report.already_present, report.errors.len());
    Ok(ExitCode::SUCCESS)
}
