//! `rungs cycles`: promotion cycles from the command line, as the people team sees
//! them: each cycle with its windows, each budget's approved promotions against what
//! it allows, and its cases per status; or create one from a JSON file.

use std::collections::BTreeMap;

use anyhow::Context;
use rungs_app::Viewer;
use rungs_core::promotion::{CaseQuery, CycleInput};

use super::{open_store, the_org};

pub async fn run(db: &str, create: Option<&std::path::Path>, json: bool) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    if let Some(path) = create {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let input: CycleInput = serde_json::from_str(&text).with_context(|| format!("{} is not a cycle (see docs/WORKFLOWS.md)", path.display()))?;
        let cycle = rungs_app::promotions::create_cycle(store.as_ref(), &viewer, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("{}", if json { serde_json::to_string_pretty(&cycle)? } else { format!("{}\t{}", cycle.id, cycle.name) });
        return Ok(());
    }
    let cycles = rungs_app::promotions::cycles(store.as_ref(), &viewer).await?;
    let mut out = Vec::new();
    for c in &cycles {
        let used = store.budget_use(org.id, c.id).await?;
        let cases = store.cases(org.id, &CaseQuery { cycle: Some(c.id), ..Default::default() }).await?;
        let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
        for k in &cases {
            *by_status.entry(k.status.as_str()).or_default() += 1;
        }
        if json {
            out.push(serde_json::json!({ "cycle": c, "budgets": used, "cases": by_status }));
            continue;
        }
        let budgets: Vec<String> = c
            .budgets
            .iter()
            .map(|b| format!("{} {}/{}", b.key(), used.iter().find(|u| u.budget == b.key()).map_or(0, |u| u.promotions), b.promotions))
            .collect();
        let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!(
            "{}\t{}\tnominations {}..{}\treview {}..{}\t{}\t{}",
            c.id,
            c.name,
            c.nominations_open,
            c.nominations_close,
            c.review_open,
            c.review_close,
            budgets.join(", "),
            statuses.join(", ")
        );
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}
