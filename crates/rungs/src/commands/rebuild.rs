//! `rungs rebuild`: recompute projections from the ledger and prove they equal the
//! live state (exit code 2 and a list of differences if not).

use std::process::ExitCode;

use super::{open_store, the_org};

pub async fn run(db: &str) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let before = store.all_people(org.id).await?;
    let report = store.rebuild(org.id).await?;
    let after = store.all_people(org.id).await?;
    println!("rebuilt {} people from {} ledger events", report.people, report.events);
    if before == after {
        println!("the rebuilt state equals the live state");
        Ok(ExitCode::SUCCESS)
    } else {
        let differing = before.iter().zip(after.iter()).filter(|(a, b)| a != b).count() + before.len().abs_diff(after.len());
        eprintln!("the rebuilt state differs from the live state for {differing} people; the rebuilt state is now in force");
        Ok(ExitCode::from(2))
    }
}
