//! `rungs export`: the organization, its framework, then every event in ledger order.

use std::io::Write;

use anyhow::Context;
use rungs_app::ledger_file::Line;
use rungs_core::store::Store;

use super::the_org;

const CHUNK: u32 = 5_000;

/// Write the ledger file to `out`; returns the number of events written.
pub async fn export_to(store: &dyn Store, mut out: impl Write) -> anyhow::Result<u64> {
    let org = the_org(store).await?;
    let framework = store.framework(org.id).await?;
    serde_json::to_writer(&mut out, &Line::Organization(org.clone()))?;
    out.write_all(b"\n")?;
    serde_json::to_writer(&mut out, &Line::Framework(std::sync::Arc::unwrap_or_clone(framework)))?;
    out.write_all(b"\n")?;
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let chunk = store.export_events(org.id, after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        for e in chunk {
            serde_json::to_writer(&mut out, &Line::Event(Box::new(e)))?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush().context("cannot write the export")?;
    Ok(n)
}
