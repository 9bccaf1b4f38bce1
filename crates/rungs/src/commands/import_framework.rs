//! `rungs import framework FILE` — a YAML framework, or a CSV competency matrix into
//! `--track`. Shows what it found; saves a new version only with `--commit`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use rungs_app::{AppError, Viewer};

use super::{open_store, the_org};

pub async fn run(db: &str, file: &Path, track: Option<&str>, commit: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    let csv = name.to_ascii_lowercase().ends_with(".csv");
    let result = if csv {
        let Some(track) = track else {
            eprintln!("{name}: a CSV competency matrix needs --track (the track whose levels its columns are)");
            return Ok(ExitCode::FAILURE);
        };
        rungs_app::framework::import_matrix(store.as_ref(), &viewer, track, &name, &text, commit).await.map(|(p, v)| {
            println!("{} competencies ({} new), {} expectations for levels {} of {}", p.competencies.len(), p.competencies.iter().filter(|c| c.new).count(), p.expectations, p.levels.join(", "), p.track);
            (p.tolerated, v)
        })
    } else {
        rungs_app::framework::import_yaml(store.as_ref(), &viewer, &name, &text, commit).await.map(|o| {
            let f = &o.framework;
            println!("{} tracks, {} competencies, {} expectations, {} milestone modules", f.tracks.len(), f.competencies.len(), f.expectations.len(), f.milestones.len());
            (o.tolerated, o.version)
        })
    };
    match result {
        Ok((tolerated, version)) => {
            for t in tolerated {
                println!("tolerated: {t}");
            }
            match version {
                Some(v) => println!("saved as framework version {v}"),
                None => println!("preview only: nothing was saved (pass --commit to save it as a new version)"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(AppError::Invalid(v)) => {
            for e in &v.errors {
                eprintln!("{}: {}", e.field, e.reason);
            }
            eprintln!("{} problem(s); nothing was imported", v.errors.len());
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
