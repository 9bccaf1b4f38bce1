//! Can the PostgreSQL store take writes? The readiness probe: one small committed
//! upsert to a scratch table, through the pool like any request.

use rungs_core::store::{StoreError, StoreResult};

use super::PgStore;
use super::rows::Db;

impl PgStore {
    /// The scratch table is created on first use rather than by a migration: it holds
    /// one row, is no part of the ledger, and exports and copies ignore it. Two
    /// instances creating it at once may collide in the catalog (a unique violation);
    /// the loser tries again and finds it.
    pub(crate) async fn probe(&self) -> StoreResult<()> {
        let mut last = None;
        for _ in 0..2 {
            match self.probe_once().await {
                Err(StoreError::Conflict { field, reason }) => last = Some(StoreError::Conflict { field, reason }),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| StoreError::internal("readiness probe")))
    }

    async fn probe_once(&self) -> StoreResult<()> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS readiness_probe (id integer PRIMARY KEY, probed_at timestamptz NOT NULL)").await.db()?;
        tx.execute("INSERT INTO readiness_probe (id, probed_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at", &[])
            .await
            .db()?;
        tx.commit().await.db()
    }
}
