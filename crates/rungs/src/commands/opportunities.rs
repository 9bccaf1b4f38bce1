//! `rungs opportunities`: the opportunity board from the command line, as the people
//! team sees it (every application), one line per opportunity, or JSON.

use rungs_app::Viewer;
use rungs_core::opportunity::{OpportunityQuery, OpportunityStatus};
use rungs_core::page::MAX_PAGE;

use super::{open_store, the_org};

/// Print the board: `status` is `open`, `closed` or `all`.
pub async fn list(db: &str, status: &str, json: bool) -> anyhow::Result<()> {
    let status = match status {
        "all" => None,
        s => Some(OpportunityStatus::parse(s).ok_or_else(|| anyhow::anyhow!("--status must be open, closed or all, not '{s}'"))?),
    };
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    let mut cursor = None;
    let mut all = Vec::new();
    loop {
        let q = OpportunityQuery { status, cursor, limit: MAX_PAGE, ..Default::default() };
        let page = rungs_app::opportunities::list(store.as_ref(), &viewer, &q).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    for v in &all {
        let o = &v.opportunity;
        println!(
            "{}\t{}\t{}\t{} of {} places taken, {} waiting\t{}\t{}",
            o.id,
            o.status.as_str(),
            v.owner_name,
            o.taken,
            o.capacity,
            o.pending,
            o.competencies.join(","),
            o.title
        );
    }
    eprintln!("{} opportunities", all.len());
    Ok(())
}
