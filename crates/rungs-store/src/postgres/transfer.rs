//! Bulk copy into a PostgreSQL store for `rungs migrate-store`: the ledger goes in
//! as it is (same seqs, ids, times, actors and keys), without re-running the append
//! checks that already passed at the source; projections are then rebuilt with the
//! same folds. Everything else goes through the ordinary `Store` methods.

use futures_util::future::try_join_all;
use rungs_core::OrgId;
use rungs_core::event::Event;
use rungs_core::store::{StoreError, StoreResult};

use super::PgStore;
use super::rows::Db;
use crate::sqlite::rows::payload_json;

const INSERT: &str = "INSERT INTO events (org_id, seq, id, subject, actor, kind, occurred_at, recorded_at, payload, \
     competencies, evidence, idempotency_key, target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12, $13)";

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
            return Err(StoreError::unexpected("imported events must be of one organization, in ascending seq after the ledger head"));
        }
        let stmt = tx.prepare_cached(INSERT).await.db()?;
        let payloads: Vec<String> = events.iter().map(|e| payload_json(&e.body)).collect();
        let writes = events.iter().zip(&payloads).map(|(e, payload)| {
            let (tx, stmt) = (&tx, &stmt);
            async move {
                tx.execute(
                    stmt,
                    &[
                        &e.org_id.0,
                        &e.seq,
                        &e.id.0,
                        &e.subject.0,
                        &e.actor.map(|a| a.0),
                        &e.kind().as_str(),
                        &e.occurred_at,
                        &e.recorded_at,
                        payload,
                        &e.competencies,
                        &e.evidence,
                        &e.idempotency_key,
                        &e.body.target().map(|t| t.0),
                    ],
                )
                .await
                .db()
            }
        });
        try_join_all(writes).await?;
        let last = events[events.len() - 1].seq;
        let n = events.len() as i64;
        tx.execute("UPDATE ledger_heads SET last_seq = $2, events = events + $3 WHERE org_id = $1", &[&org.0, &last, &n]).await.db()?;
        tx.commit().await.db()
    }
}
