//! The job runner `rungs serve` starts: background work shared by every instance
//! through the database's `jobs` table (see `rungs_core::jobs`). Each instance polls,
//! claims one due job with a lease, runs it outside the claiming transaction, and
//! finishes it with its fencing token. If an instance dies mid-job its lease expires
//! and another instance runs the job, so jobs must be idempotent (the sweep is).
//!
//! Today's work: `sweep` (periodic) deletes expired sessions, the ledger's
//! idempotency claims past their retention and the answers kept for `Idempotency-Key`
//! past their 24 hours (`rungs_core::idempotency::RESPONSE_TTL`); `badges`
//! (periodic) evaluates badge rules over the events appended since its last run and
//! appends the awards due (docs/BADGES.md), off the POST path. One instance at a time holds its lease; each instance keeps its own
//! evaluator state (a cache of the ledger), and awards are keyed events, so a run on
//! another instance or a retried run never awards twice.
//!
//! `promotion_effective` (one-off, one per approved case whose effective date was in
//! the future) puts the promotion on the ledger on its date; a server that was down
//! that day runs it when it is back, and the event's key makes a second run harmless.
//!
//! `proposal_effective` (one-off, per approved proposal dated in the future) puts a
//! micro-promotion, lateral move or demotion on the ledger on its date (a pay change
//! becomes effective), keyed like the promotion; `proposal_reminders` (hourly)
//! reminds approvers of steps that waited longer than their route allows.
//! `notify` (periodic) derives notifications from the events appended since its last
//! run and, when SMTP is configured, sends the emails due (retried with backoff);
//! `digest` (periodic, daily at the `--digest-hour` in UTC) sends each person the
//! notifications waiting for their digest (docs/NOTIFICATIONS.md).
//!
//! `leaderboards` (periodic) folds the events appended since its last run and writes
//! the leaderboard scores that changed (docs/LEADERBOARDS.md); it does nothing while
//! the organization has leaderboards off.
//!
//! Settings (environment): `RUNGS_JOB_POLL_MS` (1000), `RUNGS_JOB_LEASE_SECS` (300),
//! `RUNGS_SWEEP_EVERY_SECS` (600), `RUNGS_IDEMPOTENCY_RETENTION_HOURS` (168),
//! `RUNGS_BADGES_EVERY_SECS` (2), `RUNGS_NOTIFY_EVERY_SECS` (2),
//! `RUNGS_CREDENTIALS_EVERY_SECS` (5: `credentials` issues for the people who opted
//! in; a few seconds keeps a new badge's credential close behind the badge).
//! `RUNGS_LEADERBOARDS_EVERY_SECS` (60).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rungs_core::jobs::{ClaimedJob, NewJob};
use rungs_core::store::Store;
use tokio::task::JoinHandle;

/// Kind of the periodic sweep job.
pub const SWEEP: &str = "sweep";
/// Remind approvers of stale proposals (hourly; once per approver and step).
async fn remind(store: &dyn Store) -> Result<String, String> {
    let Some(org) = store.default_org().await.map_err(|e| rungs_core::error::report(&e))? else { return Ok("no organization".into()) };
    let n = rungs_app::proposals::run_reminders(store, org.id, Utc::now()).await.map_err(|e| rungs_core::error::report(&e))?;
    Ok(format!("{n} approvers reminded"))
}

/// Kind of the periodic badge evaluation job.
pub const BADGES: &str = "badges";
/// Kind of the periodic notification job (derive, then send what is due).
pub const NOTIFY: &str = "notify";
/// Kind of the daily digest job.
pub const DIGEST: &str = "digest";
/// Kind of the periodic credential job: issue for those who opted in
/// (docs/CREDENTIALS.md).
pub const CREDENTIALS: &str = rungs_app::credentials::auto::JOB;
/// Kind of the periodic leaderboard job.
pub const LEADERBOARDS: &str = "leaderboards";

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub worker: String,
    pub poll: Duration,
    pub lease: chrono::Duration,
    pub sweep_every_secs: i64,
    pub badges_every_secs: i64,
    pub notify_every_secs: i64,
    pub idempotency_retention: chrono::Duration,
    /// Email: `None` keeps notifications in the app only.
    pub mailer: Option<rungs_app::notifications::mail::Mailer>,
    /// The hour (UTC) of the daily digest.
    pub digest_hour: u32,
    /// Who signs credentials: `None` leaves automatic issuing to an instance that has
    /// the key.
    pub issuer: Option<std::sync::Arc<rungs_app::credentials::Issuer>>,
    pub credentials_every_secs: i64,
    pub leaderboards_every_secs: i64,
}

fn env_num(name: &str, default: i64) -> i64 {
    rungs_core::settings::var(name).and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

impl RunnerConfig {
    pub fn from_env() -> RunnerConfig {
        RunnerConfig {
            // Unique per process: the fencing token names its holder.
            worker: format!("pid{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()),
            poll: Duration::from_millis(env_num("RUNGS_JOB_POLL_MS", 1000) as u64),
            lease: chrono::Duration::seconds(env_num("RUNGS_JOB_LEASE_SECS", 300)),
            sweep_every_secs: env_num("RUNGS_SWEEP_EVERY_SECS", 600),
            badges_every_secs: env_num("RUNGS_BADGES_EVERY_SECS", 2),
            notify_every_secs: env_num("RUNGS_NOTIFY_EVERY_SECS", 2),
            idempotency_retention: chrono::Duration::hours(env_num("RUNGS_IDEMPOTENCY_RETENTION_HOURS", 168)),
            mailer: None,
            digest_hour: 7,
            issuer: None,
            credentials_every_secs: env_num("RUNGS_CREDENTIALS_EVERY_SECS", 5),
            leaderboards_every_secs: env_num("RUNGS_LEADERBOARDS_EVERY_SECS", 60),
        }
    }
}

/// Register the periodic jobs (once per database, whatever the number of instances)
/// and start polling. The task runs until the process ends.
pub async fn start(store: Arc<dyn Store>, config: RunnerConfig) -> anyhow::Result<JoinHandle<()>> {
    let sweep = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: SWEEP.into(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        every_secs: Some(config.sweep_every_secs),
        unique_key: Some(format!("periodic:{SWEEP}")),
    };
    store.enqueue_job(&sweep).await?;
    let badges = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: BADGES.into(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        every_secs: Some(config.badges_every_secs),
        unique_key: Some(format!("periodic:{BADGES}")),
    };
    store.enqueue_job(&badges).await?;
    let reminders = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: rungs_app::proposals::REMINDER_JOB.into(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        every_secs: Some(3600),
        unique_key: Some(format!("periodic:{}", rungs_app::proposals::REMINDER_JOB)),
    };
    store.enqueue_job(&reminders).await?;
    let notify = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: NOTIFY.into(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        every_secs: Some(config.notify_every_secs),
        unique_key: Some(format!("periodic:{NOTIFY}")),
    };
    store.enqueue_job(&notify).await?;
    // Daily, first at the next digest hour; the key keeps one per database (a changed
    // hour takes effect after the next digest).
    let digest = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: DIGEST.into(),
        payload: serde_json::json!({}),
        run_at: next_digest(Utc::now(), config.digest_hour),
        every_secs: Some(86_400),
        unique_key: Some(format!("periodic:{DIGEST}")),
    };
    store.enqueue_job(&digest).await?;
    let credentials = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: CREDENTIALS.into(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        every_secs: Some(config.credentials_every_secs),
        unique_key: Some(format!("periodic:{CREDENTIALS}")),
    };
    store.enqueue_job(&credentials).await?;
    let leaderboards = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: LEADERBOARDS.into(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        every_secs: Some(config.leaderboards_every_secs),
        unique_key: Some(format!("periodic:{LEADERBOARDS}")),
    };
    store.enqueue_job(&leaderboards).await?;
    tracing::info!(worker = %config.worker, "job runner started");
    Ok(tokio::spawn(run(store, config, rungs_app::badges::Evaluator::new(), rungs_app::leaderboards::Runner::new())))
}

async fn run(store: Arc<dyn Store>, config: RunnerConfig, badges: rungs_app::badges::Evaluator, boards: rungs_app::leaderboards::Runner) {
    loop {
        match store.claim_job(&config.worker, Utc::now(), config.lease).await {
            // Something was due: look again at once, there may be more.
            Ok(Some(job)) => run_one(store.as_ref(), &config, &badges, &boards, job).await,
            Ok(None) => tokio::time::sleep(config.poll).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim a job");
                tokio::time::sleep(config.poll).await;
            }
        }
    }
}

async fn run_one(store: &dyn Store, config: &RunnerConfig, badges: &rungs_app::badges::Evaluator, boards: &rungs_app::leaderboards::Runner, job: ClaimedJob) {
    let outcome = match job.kind.as_str() {
        SWEEP => {
            let now = Utc::now();
            match store.sweep(now, now - config.idempotency_retention).await {
                // Kept answers to keyed requests expire after a day (already ignored
                // when read; this reclaims their space).
                Ok(r) => store
                    .forget_requests(now - rungs_core::idempotency::RESPONSE_TTL)
                    .await
                    .map(|n| format!("{} sessions, {} idempotency claims, {n} kept answers removed", r.sessions, r.idempotency))
                    .map_err(|e| rungs_core::error::report(&e)),
                Err(e) => Err(e.to_string()),
            }
        }
        BADGES => evaluate_badges(store, badges).await,
        NOTIFY => notify(store, config.mailer.as_ref()).await,
        DIGEST => match &config.mailer {
            Some(m) => rungs_app::notifications::mail::send_digests(store, m)
                .await
                .map(|r| format!("{} digests sent, {} left for the next", r.sent, r.retrying))
                .map_err(|e| rungs_core::error::report(&e)),
            None => Ok("no SMTP server configured: digests wait in the app".into()),
        },
        rungs_app::promotions::EFFECTIVE_JOB => rungs_app::promotions::run_effective_job(store, &job.payload, Utc::now()).await,
        rungs_app::proposals::EFFECTIVE_JOB => rungs_app::proposals::run_effective_job(store, &job.payload, Utc::now()).await,
        rungs_app::proposals::REMINDER_JOB => remind(store).await,
        CREDENTIALS => issue_credentials(store, config.issuer.as_deref()).await,
        LEADERBOARDS => compute_leaderboards(store, boards).await,
        // Left for an instance that knows the kind (a newer version during a rolling upgrade).
        other => Err(format!("unknown job kind '{other}'")),
    };
    let now = Utc::now();
    let kept = match &outcome {
        Ok(done) => {
            let kept = store.finish_job(&job, now).await;
            // A badge run that read nothing is the quiet case, every few seconds.
            let quiet = (job.kind == BADGES && done.contains(" 0 events read"))
                || (job.kind == NOTIFY && done.starts_with("0 events, 0 notified, 0 sent"))
                || (job.kind == CREDENTIALS && done.starts_with("0 events,"))
                || (job.kind == LEADERBOARDS && (done.starts_with("off") || done.ends_with(" 0 rows written, 0 removed")));
            if matches!(kept, Ok(true)) && !quiet {
                tracing::info!(job = %job.id, kind = %job.kind, attempts = job.attempts, worker = %config.worker, %done, "job finished");
            }
            kept
        }
        Err(e) => {
            // Back off with the number of attempts, at most an hour.
            let wait = chrono::Duration::seconds((30 * i64::from(job.attempts.max(1))).min(3600));
            tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed");
            store.fail_job(&job, e, now + wait).await
        }
    };
    match kept {
        Ok(true) => {}
        Ok(false) => tracing::warn!(job = %job.id, kind = %job.kind, "the job's lease expired while it ran; another instance owns it now"),
        Err(e) => tracing::warn!(job = %job.id, error = %e, "cannot record a job's outcome; it will run again after its lease"),
    }
}

/// The badge job: every organization's rules over what was appended since.
async fn evaluate_badges(store: &dyn Store, badges: &rungs_app::badges::Evaluator) -> Result<String, String> {
    let Some(org) = store.default_org().await.map_err(|e| rungs_core::error::report(&e))? else { return Ok("no organization".into()) };
    let r = badges.run(store, org.id, Utc::now()).await.map_err(|e| rungs_core::error::report(&e))?;
    Ok(format!("{} run: {} events read, {} people judged, {} awarded", r.mode, r.facts, r.people_evaluated, r.awarded))
}

/// The credential job: issue for the people who opted in, from the ledger past the
/// cursor (docs/CREDENTIALS.md).
async fn issue_credentials(store: &dyn Store, issuer: Option<&rungs_app::credentials::Issuer>) -> Result<String, String> {
    let Some(issuer) = issuer else { return Ok("0 events, no issuer key on this instance".into()) };
    let Some(org) = store.default_org().await.map_err(|e| rungs_core::error::report(&e))? else { return Ok("0 events, no organization".into()) };
    let r = rungs_app::credentials::auto::run(store, issuer, org.id, Utc::now()).await.map_err(|e| rungs_core::error::report(&e))?;
    Ok(format!("{} events, {} credentials issued", r.events, r.issued))
}

/// The next `hour`:00 UTC after `now`.
pub fn next_digest(now: chrono::DateTime<Utc>, hour: u32) -> chrono::DateTime<Utc> {
    let today = now.date_naive().and_hms_opt(hour.min(23), 0, 0).map_or(now, |t| t.and_utc());
    if today > now { today } else { today + chrono::Duration::days(1) }
}

/// The notification job: derive from the ledger for every organization, then send
/// what is due by email.
async fn notify(store: &dyn Store, mailer: Option<&rungs_app::notifications::mail::Mailer>) -> Result<String, String> {
    let Some(org) = store.default_org().await.map_err(|e| rungs_core::error::report(&e))? else { return Ok("no organization".into()) };
    let now = Utc::now();
    let d = rungs_app::notifications::derive::run(store, org.id, now).await.map_err(|e| rungs_core::error::report(&e))?;
    let sent = match mailer {
        Some(m) => rungs_app::notifications::mail::send_due(store, m, now).await.map_err(|e| rungs_core::error::report(&e))?,
        None => rungs_app::notifications::mail::Sent::default(),
    };
    Ok(format!("{} events, {} notified, {} sent, {} to retry, {} failed", d.events, d.created, sent.sent, sent.retrying, sent.failed))
}

/// The leaderboard job: fold what was appended, write the scores that changed.
async fn compute_leaderboards(store: &dyn Store, boards: &rungs_app::leaderboards::Runner) -> Result<String, String> {
    let Some(org) = store.default_org().await.map_err(|e| rungs_core::error::report(&e))? else { return Ok("no organization".into()) };
    let r = boards.run(store, org.id, Utc::now()).await.map_err(|e| rungs_core::error::report(&e))?;
    Ok(format!("{} run: {} events read, {} scores, {} rows written, {} removed", r.mode, r.facts, r.scores, r.written, r.removed))
}
