//! `rungs import framework FILE` — a YAML framework, a CSV competency matrix into
//! `--track`, or a Markdown ladder (`.md`). Shows what it found; saves a new version
//! only with `--commit`, and only once every pair of names that may be one competency
//! is answered with `--same "A=B"` or `--different "A=B"`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use rungs_app::{AppError, Viewer};
use rungs_core::framework::drift::{Confirmations, Decision};
use rungs_core::framework::format::Format;
use rungs_core::framework::ladder::MatrixPreview;

use super::{open_store, the_org};

fn print_ladder(p: &MatrixPreview) {
    let new_track = if p.new_track { " (a new track)" } else { "" };
    println!(
        "{} competencies ({} new), {} expectations for levels {} of {}{new_track}",
        p.competencies.len(),
        p.competencies.iter().filter(|c| c.new).count(),
        p.expectations,
        p.levels.join(", "),
        p.track
    );
    for d in &p.drift {
        let answer = match d.decision {
            Some(Decision::Same) => "confirmed the same",
            Some(Decision::Different) => "confirmed different",
            None => "needs confirmation",
        };
        println!("{answer}: '{}' ({}) and '{}' ({}): {}", d.a.name, d.a.at.join(", "), d.b.name, d.b.at.join(", "), d.why);
    }
}

pub async fn run(db: &str, file: &Path, track: Option<&str>, (same, different): (Vec<String>, Vec<String>), commit: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    let mut confirm = Confirmations::default();
    same.into_iter().for_each(|p| confirm.add(Decision::Same, p));
    different.into_iter().for_each(|p| confirm.add(Decision::Different, p));
    let result = match Format::detect(&name, &text) {
        Format::Matrix => {
            let Some(track) = track else {
                eprintln!("{name}: a CSV competency matrix needs --track (the track whose levels its columns are)");
                return Ok(ExitCode::FAILURE);
            };
            rungs_app::framework::import_matrix(store.as_ref(), &viewer, track, &name, &text, &confirm, commit).await.map(|(p, v)| {
                print_ladder(&p);
                (p.tolerated, v)
            })
        }
        Format::Markdown => rungs_app::framework::import_markdown(store.as_ref(), &viewer, track, &name, &text, &confirm, commit).await.map(|(p, v)| {
            print_ladder(&p);
            (p.tolerated, v)
        }),
        Format::Yaml => rungs_app::framework::import_yaml(store.as_ref(), &viewer, &name, &text, commit).await.map(|o| {
            let f = &o.framework;
            println!(
                "{} tracks, {} competencies, {} expectations, {} milestone modules",
                f.tracks.len(),
                f.competencies.len(),
                f.expectations.len(),
                f.milestones.len()
            );
            (o.tolerated, o.version)
        }),
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
                let field = if e.field == "same" || e.field == "different" { format!("--{}", e.field) } else { e.field.clone() };
                eprintln!("{field}: {}", e.reason);
            }
            if v.errors.iter().any(|e| e.field == "confirm") {
                eprintln!("answer each pair with --same \"A=B\" (one competency) or --different \"A=B\" (two)");
            }
            eprintln!("{} problem(s); nothing was imported", v.errors.len());
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
