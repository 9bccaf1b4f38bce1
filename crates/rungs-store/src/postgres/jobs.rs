//! `impl JobQueue for PgStore` (`migrations/postgres/0005_jobs.sql`). A claim is one
//! autocommitted `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)`: two
//! instances claiming at once skip each other's row instead of waiting, and the
//! lease (`locked_until`) — not a held transaction — protects the job while it runs.

use chrono::{DateTime, Utc};
use rungs_core::jobs::{ClaimedJob, JobQueue, NewJob, SweepReport};
use rungs_core::store::StoreResult;
use tracing::instrument;

use super::PgStore;
use super::rows::{self, Db};

#[async_trait::async_trait]
impl JobQueue for PgStore {
    #[instrument(skip_all, fields(kind = %job.kind))]
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let c = self.conn().await?;
        let payload = job.payload.to_string();
        let n = c
            .execute(
                "INSERT INTO jobs (id, kind, payload, run_at, every_secs, unique_key, created_at)
                 VALUES ($1, $2, $3::text::jsonb, $4, $5, $6, now()) ON CONFLICT (unique_key) DO NOTHING",
                &[&job.id, &job.kind, &payload, &job.run_at, &job.every_secs, &job.unique_key],
            )
            .await
            .db()?;
        Ok(n == 1)
    }

    #[instrument(skip_all, fields(worker))]
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Option<ClaimedJob>> {
        let c = self.conn().await?;
        let until = now + lease;
        let row = c
            .query_opt(
                "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1
                 WHERE id = (SELECT id FROM jobs WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
                             ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING id, kind, payload::text, attempts, locked_by, locked_until, every_secs",
                &[&until, &worker, &now],
            )
            .await
            .db()?;
        let Some(r) = row else { return Ok(None) };
        let payload: &str = rows::get(&r, 2)?;
        Ok(Some(ClaimedJob {
            id: rows::get(&r, 0)?,
            kind: rows::get(&r, 1)?,
            payload: serde_json::from_str(payload).unwrap_or(serde_json::Value::Null),
            attempts: rows::get(&r, 3)?,
            locked_by: rows::get(&r, 4)?,
            locked_until: rows::get(&r, 5)?,
            every_secs: rows::get(&r, 6)?,
        }))
    }

    #[instrument(skip_all, fields(kind = %job.kind))]
    async fn finish_job(&self, job: &ClaimedJob, now: DateTime<Utc>) -> StoreResult<bool> {
        let c = self.conn().await?;
        let n = match job.every_secs {
            Some(every) => {
                let next = now + chrono::Duration::seconds(every);
                c.execute(
                    "UPDATE jobs SET run_at = $4, locked_until = NULL, locked_by = NULL, attempts = 0, last_error = NULL
                     WHERE id = $1 AND locked_by = $2 AND attempts = $3",
                    &[&job.id, &job.locked_by, &job.attempts, &next],
                )
                .await
            }
            None => c.execute("DELETE FROM jobs WHERE id = $1 AND locked_by = $2 AND attempts = $3", &[&job.id, &job.locked_by, &job.attempts]).await,
        }
        .db()?;
        Ok(n == 1)
    }

    #[instrument(skip_all, fields(kind = %job.kind))]
    async fn fail_job(&self, job: &ClaimedJob, error: &str, retry_at: DateTime<Utc>) -> StoreResult<bool> {
        let c = self.conn().await?;
        let n = c
            .execute(
                "UPDATE jobs SET run_at = $4, locked_until = NULL, locked_by = NULL, last_error = $5
                 WHERE id = $1 AND locked_by = $2 AND attempts = $3",
                &[&job.id, &job.locked_by, &job.attempts, &retry_at, &error],
            )
            .await
            .db()?;
        Ok(n == 1)
    }

    #[instrument(skip_all)]
    async fn sweep(&self, now: DateTime<Utc>, idempotency_before: DateTime<Utc>) -> StoreResult<SweepReport> {
        let c = self.conn().await?;
        let sessions = c.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now]).await.db()?;
        let idempotency = c.execute("DELETE FROM idempotency WHERE created_at < $1", &[&idempotency_before]).await.db()?;
        Ok(SweepReport { sessions, idempotency })
    }
}
