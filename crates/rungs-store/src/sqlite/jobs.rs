//! `impl JobQueue for SqliteStore` (`migrations/sqlite/0005_jobs.sql`). Every write
//! goes through the single writer thread, so a claim — one `UPDATE ... RETURNING` —
//! cannot interleave with another: two claimers never get the same job.

use chrono::{DateTime, Utc};
use rungs_core::jobs::{ClaimedJob, JobQueue, NewJob, SweepReport};
use rungs_core::store::StoreResult;
use rusqlite::{OptionalExtension, Row, params};
use tracing::instrument;
use uuid::Uuid;

use super::SqliteStore;
use super::rows::{Db, micros};

fn claimed(row: &Row<'_>) -> rusqlite::Result<ClaimedJob> {
    let payload: String = row.get(2)?;
    let until: i64 = row.get(5)?;
    Ok(ClaimedJob {
        id: Uuid::from_bytes(row.get(0)?),
        kind: row.get(1)?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        attempts: row.get(3)?,
        locked_by: row.get(4)?,
        locked_until: DateTime::from_timestamp_micros(until).unwrap_or_default(),
        every_secs: row.get(6)?,
    })
}

#[async_trait::async_trait]
impl JobQueue for SqliteStore {
    #[instrument(skip_all, fields(kind = %job.kind))]
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let j = job.clone();
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "INSERT INTO jobs (id, kind, payload, run_at, every_secs, unique_key, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (unique_key) DO NOTHING",
                        params![j.id.as_bytes(), j.kind, j.payload.to_string(), micros(j.run_at), j.every_secs, j.unique_key, micros(Utc::now())],
                    )
                    .db()?;
                Ok(n == 1)
            })
            .await
    }

    #[instrument(skip_all, fields(worker))]
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Option<ClaimedJob>> {
        let worker = worker.to_string();
        let until = micros(now + lease);
        self.writer
            .exec(move |tx| {
                tx.query_row(
                    "UPDATE jobs SET locked_until = ?1, locked_by = ?2, attempts = attempts + 1
                     WHERE id = (SELECT id FROM jobs WHERE run_at <= ?3 AND (locked_until IS NULL OR locked_until <= ?3)
                                 ORDER BY run_at LIMIT 1)
                     RETURNING id, kind, payload, attempts, locked_by, locked_until, every_secs",
                    params![until, worker, micros(now)],
                    claimed,
                )
                .optional()
                .db()
            })
            .await
    }

    #[instrument(skip_all, fields(kind = %job.kind))]
    async fn finish_job(&self, job: &ClaimedJob, now: DateTime<Utc>) -> StoreResult<bool> {
        let j = job.clone();
        self.writer
            .exec(move |tx| {
                let fence = params![j.id.as_bytes(), j.locked_by, j.attempts];
                let n = match j.every_secs {
                    Some(every) => tx.execute(
                        "UPDATE jobs SET run_at = ?4, locked_until = NULL, locked_by = NULL, attempts = 0, last_error = NULL
                         WHERE id = ?1 AND locked_by = ?2 AND attempts = ?3",
                        params![j.id.as_bytes(), j.locked_by, j.attempts, micros(now + chrono::Duration::seconds(every))],
                    ),
                    None => tx.execute("DELETE FROM jobs WHERE id = ?1 AND locked_by = ?2 AND attempts = ?3", fence),
                }
                .db()?;
                Ok(n == 1)
            })
            .await
    }

    #[instrument(skip_all, fields(kind = %job.kind))]
    async fn fail_job(&self, job: &ClaimedJob, error: &str, retry_at: DateTime<Utc>) -> StoreResult<bool> {
        let (j, error) = (job.clone(), error.to_string());
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "UPDATE jobs SET run_at = ?4, locked_until = NULL, locked_by = NULL, last_error = ?5
                         WHERE id = ?1 AND locked_by = ?2 AND attempts = ?3",
                        params![j.id.as_bytes(), j.locked_by, j.attempts, micros(retry_at), error],
                    )
                    .db()?;
                Ok(n == 1)
            })
            .await
    }

    #[instrument(skip_all)]
    async fn sweep(&self, now: DateTime<Utc>, idempotency_before: DateTime<Utc>) -> StoreResult<SweepReport> {
        self.writer
            .exec(move |tx| {
                let sessions = tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [micros(now)]).db()?;
                let idempotency = tx.execute("DELETE FROM idempotency WHERE created_at < ?1", [micros(idempotency_before)]).db()?;
                Ok(SweepReport { sessions: sessions as u64, idempotency: idempotency as u64 })
            })
            .await
    }
}
