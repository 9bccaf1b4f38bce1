//! `rungs badges`: list, define, preview, award by hand and evaluate, as the people
//! team (docs/BADGES.md). Definitions are read as YAML (JSON is YAML too).

use std::path::Path;

use anyhow::{Context, bail};
use chrono::Utc;
use rungs_app::Viewer;
use rungs_app::badges;
use rungs_core::badges::Tier;
use serde_json::Value;

use super::{open_store, the_org};
use crate::cli::BadgesAction;

fn read_definition(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    rungs_core::badges::yaml_value(&text).map_err(|e| anyhow::anyhow!("{} is not YAML or JSON: {e}", path.display()))
}

/// A refused definition: every error with its position, then a failure.
fn explain(e: rungs_app::AppError) -> anyhow::Error {
    if let rungs_app::AppError::Invalid(v) = &e {
        for f in &v.errors {
            eprintln!("{}: {}", f.field, f.reason);
        }
        return anyhow::anyhow!("the badge was not saved ({} errors)", v.errors.len());
    }
    e.into()
}

pub async fn run(action: BadgesAction) -> anyhow::Result<()> {
    let db = match &action {
        BadgesAction::List { db, .. }
        | BadgesAction::Define { db, .. }
        | BadgesAction::Preview { db, .. }
        | BadgesAction::Award { db, .. }
        | BadgesAction::Evaluate { db } => db.db.clone(),
    };
    let store = open_store(&db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    let now = Utc::now();
    match action {
        BadgesAction::List { json, .. } => {
            let all = badges::list(store.as_ref(), &viewer).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all.iter().map(|b| &b.def).collect::<Vec<_>>())?);
                return Ok(());
            }
            for b in &all {
                println!("{}\t{}\t{}", b.def.key, b.def.tiers.keys().map(Tier::as_str).collect::<Vec<_>>().join(","), b.def.name);
                for (t, r) in &b.def.tiers {
                    println!("\t{}: {}", t.as_str(), r.describe());
                }
            }
            eprintln!("{} badges", all.len());
        }
        BadgesAction::Define { file: Some(file), .. } => {
            let def = read_definition(&file)?;
            let saved = badges::define(store.as_ref(), &viewer, &def, now).await.map_err(explain)?;
            println!("saved {} (revision {}); the next evaluation re-judges everyone", saved.def.key, saved.revision);
        }
        BadgesAction::Define { .. } => {
            let keys = badges::define_starter(store.as_ref(), &viewer, now).await?;
            println!("defined {} starter badges: {}", keys.len(), keys.join(", "));
        }
        BadgesAction::Preview { file, key, json, .. } => {
            let def = match (file, key) {
                (Some(f), _) => read_definition(&f)?,
                (None, Some(k)) => serde_json::to_value(badges::get(store.as_ref(), &viewer, &k).await.with_context(|| format!("no badge '{k}'"))?.def)?,
                (None, None) => bail!("give --file or --key"),
            };
            let p = badges::preview(store.as_ref(), &viewer, &def, now).await.map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
                return Ok(());
            }
            for (t, r) in &p.rules {
                println!("{}: {r}", t.as_str());
            }
            for e in &p.entries {
                let person = store.person(org.id, e.person).await.map_or_else(|_| e.person.to_string(), |p| p.email);
                let ids: Vec<String> = e.earned_by.iter().map(ToString::to_string).collect();
                println!("{}\t{}\t{}\t{}", person, e.tier.as_str(), if e.held { "held" } else { "would be awarded" }, ids.join(","));
            }
            eprintln!("{} people meet a tier; {} awards would be made ({} events read)", p.entries.len(), p.would_award, p.facts);
        }
        BadgesAction::Award { email, badge, tier, reason, .. } => {
            let tier = Tier::parse(&tier).with_context(|| format!("--tier must be bronze, silver or gold, not '{tier}'"))?;
            let person = store.person_by_email(org.id, &email).await.with_context(|| format!("no one with the email {email}"))?;
            let e = badges::award_by_hand(store.as_ref(), &viewer, person.id, &badge, tier, &reason, now).await.map_err(explain)?;
            println!("awarded {badge} {} to {} (event {})", tier.as_str(), person.name, e.id);
        }
        BadgesAction::Evaluate { .. } => {
            let started = std::time::Instant::now();
            let r = badges::Evaluator::new().run(store.as_ref(), org.id, now).await?;
            println!(
                "{} events read, {} people judged, {} awarded, {} already held, in {:.2} s",
                r.facts,
                r.people_evaluated,
                r.awarded,
                r.already_held,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
