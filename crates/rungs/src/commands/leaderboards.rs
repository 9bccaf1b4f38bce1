//! `rungs leaderboards show|on|off|compute`: the leaderboard use cases from the
//! command line (the same as `/api/v1/leaderboards`), as the people team.

use anyhow::bail;
use chrono::Utc;
use rungs_app::Viewer;
use rungs_app::leaderboards::BoardQuery;

use super::{open_store, the_org};
use crate::cli::LeaderboardsAction;

pub async fn run(action: LeaderboardsAction) -> anyhow::Result<()> {
    match action {
        LeaderboardsAction::Show { db, board, period, team, limit, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let q = BoardQuery::parse(Some(&board), Some(&period), Some(&team), Some(limit))?;
            let Some(b) = rungs_app::leaderboards::read(store.as_ref(), &Viewer::system(org.id), &q, Utc::now()).await? else {
                bail!("leaderboards are off in this organization; turn them on with `rungs leaderboards on`");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&b)?);
                return Ok(());
            }
            println!(
                "{} — {}, this {} ({} to {})",
                b.title,
                b.team_label,
                b.period.as_str(),
                b.window.start.format("%Y-%m-%d"),
                b.window.end.format("%Y-%m-%d")
            );
            println!("  counts {}", b.counts);
            match b.computed_at {
                Some(t) => println!("  computed {}", t.to_rfc3339()),
                None => println!("  not computed yet: run `rungs leaderboards compute` or wait for the job"),
            }
            for e in &b.entries {
                println!("{:>3}. {}\t{}\t{}", e.rank, e.name, e.value, e.why);
            }
        }
        LeaderboardsAction::On { db } => switch(&db.db, true).await?,
        LeaderboardsAction::Off { db } => switch(&db.db, false).await?,
        LeaderboardsAction::Compute { db } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let r = rungs_app::leaderboards::Runner::new().run(store.as_ref(), org.id, Utc::now()).await?;
            println!("{} run: {} events read, {} scores, {} rows written, {} removed", r.mode, r.facts, r.scores, r.written, r.removed);
        }
    }
    Ok(())
}

async fn switch(db: &str, on: bool) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    rungs_app::leaderboards::set_enabled(store.as_ref(), &Viewer::system(org.id), on, Utc::now()).await?;
    println!("leaderboards are {}", if on { "on" } else { "off" });
    Ok(())
}
