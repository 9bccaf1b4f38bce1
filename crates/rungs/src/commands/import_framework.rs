//! `rungs import framework FILE` — a YAML framework, a CSV competency matrix or a
//! spreadsheet's sheet (`.xlsx`, `.ods`; `--sheet NAME`) into `--track` (created when
//! new), or a Markdown ladder (`.md`). Shows what it found as
//! a grid; saves a new version only with `--commit`, only once every pair of names
//! that may be one competency is answered with `--same "A=B"` or `--different "A=B"`,
//! and not at all when nothing changes. `--map "Header=role"` says what a column is;
//! `--save-mapping` keeps those answers for the next version of the file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use rungs_app::{AppError, Viewer};
use rungs_core::framework::drift::{Confirmations, Decision};
use rungs_core::framework::format::Format;
use rungs_core::framework::ladder::{Mapping, MatrixPreview};

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
    for r in &p.grid {
        println!("  {} [{}] ({})", r.name, if r.category.is_empty() { "no category" } else { &r.category }, r.at.join(", "));
        for (level, cell) in p.levels.iter().zip(&r.cells) {
            if !cell.is_empty() {
                println!("    {level}: {}", cell.replace('\n', " / "));
            }
        }
    }
    for c in &p.changes {
        println!("change: {} {} {}{}", c.op, c.what, c.key, c.detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default());
    }
    for d in &p.drift {
        let answer = match d.decision {
            Some(Decision::Same) => "confirmed the same",
            Some(Decision::Different) => "confirmed different",
            None => "needs confirmation",
        };
        println!("{answer}: '{}' ({}) and '{}' ({}): {}", d.a.name, d.a.at.join(", "), d.b.name, d.b.at.join(", "), d.why);
    }
}

/// Column roles: given with `--map`, read from `--mapping`, saved to `--save-mapping`;
/// and for a spreadsheet, the `--sheet` whose columns they are.
pub struct Columns {
    pub map: Vec<String>,
    pub from: Option<std::path::PathBuf>,
    pub save: Option<std::path::PathBuf>,
    pub sheet: Option<String>,
}

impl Columns {
    fn mapping(&self) -> anyhow::Result<Result<Mapping, rungs_core::ValidationError>> {
        let saved = match &self.from {
            Some(p) => std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
            None => String::new(),
        };
        let saved_lines = saved.lines().filter(|l| !l.trim_start().starts_with('#'));
        Ok(Mapping::parse("--map", saved_lines.chain(self.map.iter().map(String::as_str))))
    }
}

pub async fn run(
    db: &str,
    file: &Path,
    track: Option<&str>,
    (same, different): (Vec<String>, Vec<String>),
    columns: &Columns,
    commit: bool,
) -> anyhow::Result<ExitCode> {
    let mapping = match columns.mapping()? {
        Ok(m) => m,
        Err(v) => {
            v.errors.iter().for_each(|e| eprintln!("{}: {}", e.field, e.reason));
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Some(path) = &columns.save {
        let lines: String = mapping
            .columns
            .iter()
            .map(|(h, r)| format!("{h}={}\n", serde_json::to_value(r).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()))
            .collect();
        std::fs::write(path, format!("# rungs import framework --mapping: what each column holds\n{lines}"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let format = Format::detect_bytes(&name, &bytes);
    let text = if format == Format::Spreadsheet {
        String::new()
    } else {
        String::from_utf8(bytes.clone()).with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?
    };
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    let mut confirm = Confirmations::default();
    same.into_iter().for_each(|p| confirm.add(Decision::Same, p));
    different.into_iter().for_each(|p| confirm.add(Decision::Different, p));
    let result = match format {
        Format::Spreadsheet => {
            let sheet = columns.sheet.as_deref();
            rungs_app::framework::import_sheet(store.as_ref(), &viewer, track, &name, &bytes, sheet, &mapping, &confirm, commit).await.map(|(p, v)| {
                print_ladder(&p);
                (p.tolerated, v, p.changes.is_empty())
            })
        }
        Format::Matrix => rungs_app::framework::import_matrix(store.as_ref(), &viewer, track, &name, &text, &mapping, &confirm, commit).await.map(|(p, v)| {
            print_ladder(&p);
            (p.tolerated, v, p.changes.is_empty())
        }),
        Format::Markdown => rungs_app::framework::import_markdown(store.as_ref(), &viewer, track, &name, &text, &confirm, commit).await.map(|(p, v)| {
            print_ladder(&p);
            (p.tolerated, v, p.changes.is_empty())
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
            for c in &o.changes {
                println!("change: {} {} {}{}", c.op, c.what, c.key, c.detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default());
            }
            (o.tolerated, o.version, o.changes.is_empty())
        }),
    };
    match result {
        Ok((tolerated, version, unchanged)) => {
            for t in tolerated {
                println!("tolerated: {t}");
            }
            match version {
                Some(v) if unchanged => println!("nothing changed: no new version saved (framework version {v} stays in force)"),
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
