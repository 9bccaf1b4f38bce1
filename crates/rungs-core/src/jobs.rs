//! Background jobs shared by every server instance through the database: a capability
//! of every [`Store`](crate::store::Store) backend. A job is claimed with a lease and
//! run outside the claiming transaction; while the lease holds nobody else claims it,
//! and when its holder dies the lease expires and another instance runs it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::store::StoreResult;

/// A job to add to the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: Uuid,
    /// What to run (`sweep`, later `evaluate_badges`, `deliver_webhook`...).
    pub kind: String,
    pub payload: Value,
    /// Not before this instant.
    pub run_at: DateTime<Utc>,
    /// Periodic: rescheduled this many seconds after each run instead of deleted.
    pub every_secs: Option<i64>,
    /// At most one job with this key exists; enqueueing another is a no-op.
    pub unique_key: Option<String>,
}

/// A claimed job. `(locked_by, attempts)` is the fencing token the holder presents
/// to finish it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    /// Claims so far, this one included (1 on the first run).
    pub attempts: i32,
    pub locked_by: String,
    pub locked_until: DateTime<Utc>,
    pub every_secs: Option<i64>,
}

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub sessions: u64,
    pub idempotency: u64,
}

#[async_trait::async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Add a job. Returns false (and changes nothing) when its `unique_key` exists.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool>;
    /// Claim the due job with the earliest `run_at` whose lease (if any) has expired:
    /// set `locked_until = now + lease`, `locked_by = worker`, bump `attempts`.
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Option<ClaimedJob>>;
    /// Done: a periodic job is rescheduled `every_secs` after `now` and unlocked, a
    /// one-off job deleted. Returns false when the lease was lost (another worker
    /// claimed it since), in which case nothing changes.
    async fn finish_job(&self, job: &ClaimedJob, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Failed: unlock, record the error, retry at `retry_at`. False when the lease was lost.
    async fn fail_job(&self, job: &ClaimedJob, error: &str, retry_at: DateTime<Utc>) -> StoreResult<bool>;
    /// Delete sessions expired at `now` and idempotency claims created before
    /// `idempotency_before`.
    async fn sweep(&self, now: DateTime<Utc>, idempotency_before: DateTime<Utc>) -> StoreResult<SweepReport>;
}
