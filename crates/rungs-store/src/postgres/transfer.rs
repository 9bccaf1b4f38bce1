//! Bulk copy into a PostgreSQL store for `rungs migrate-store`: the ledger goes in
//! as it is (same seqs, ids, times, actors and keys), without re-running the append
//! checks that already passed at the source; projections are then rebuilt with the
//! same folds. Everything else goes through the ordinary `Store` methods.

use futures_util::future::try_join_all;
use rungs_core::OrgId;
use rungs_core::event::Event;
use rungs_core::store::{StoreError, StoreResult};

use super::PgStore;
use super::rows::{Db, EventArrays, INSERT_EVENTS};

impl PgStore {
    /// Whether the database holds no organization, event, person or token yet.
    pub async fn is_empty(&self) -> StoreResult<bool> {
        let c = self.conn().await?;
        let row = c
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM organizations) AND NOT EXISTS (SELECT 1 FROM events) \
                 AND NOT EXISTS (SELECT 1 FROM people) AND NOT EXISTS (SELECT 1 FROM tokens)",
                &[],
            )
            .await
            .db()?;
        super::rows::get(&row, 0)
    }

    /// Insert events exactly as given (ascending seq, all of `org`, after every seq
    /// already there) in one transaction, and move the ledger head past them.
    pub async fn import_events(&self, org: OrgId, events: &[Event]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        let head = super::append::lock_head(&tx, org).await?.ok_or(StoreError::NotFound)?;
        if events[0].seq <= head || events.windows(2).any(|w| w[1].seq <= w[0].seq) || events.iter().any(|e| e.org_id != org) {
            return Err(StoreError::internal("imported events must be of one organization, in ascending seq after the ledger head"));
        }
        // One multi-row statement per 10,000 events, pipelined.
        let stmt = tx.prepare_cached(INSERT_EVENTS).await.db()?;
        let chunks: Vec<EventArrays> = events.chunks(10_000).map(|c| EventArrays::new(c.iter())).collect();
        try_join_all(chunks.iter().map(|a| {
            let (tx, stmt) = (&tx, &stmt);
            async move { tx.execute(stmt, &a.params(&org.0)).await.db() }
        }))
        .await?;
        let last = events[events.len() - 1].seq;
        let n = events.len() as i64;
        tx.execute("UPDATE ledger_heads SET last_seq = $2, events = events + $3 WHERE org_id = $1", &[&org.0, &last, &n]).await.db()?;
        tx.commit().await.db()
    }
}
