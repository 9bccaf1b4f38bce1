//! Readiness, apart from liveness: `/healthz` says the process answers; `/readyz`
//! says the store can take writes, so a load balancer stops sending traffic to an
//! instance whose disk is full, whose database is read-only or unreachable.
//!
//! The design, and why: readiness answers from what it last learned, and learns in
//! two ways. (1) Any request that fails with "storage unavailable" flips it to
//! not-ready at once (the `track` middleware sees the marker such error responses
//! carry), so the very failure that hurt a client takes the instance out. (2) A
//! probe, a small committed write to a scratch table (`Store::probe_write`), runs
//! when `/readyz` is asked and the last answer is older than `probe_every` (5 s by
//! default): at most one probe write per interval per instance however often the
//! balancer polls, and the only way back to ready is a probe write that succeeds.
//! A probe that does not finish within `PROBE_TIMEOUT` counts as a failure (an
//! unreachable host can hold a connection attempt much longer than a balancer
//! waits).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rungs_core::store::{Store, StoreError};

/// How often a probe write may run, unless configured.
pub const DEFAULT_PROBE_EVERY: Duration = Duration::from_secs(5);
/// Longest a probe may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Carried in the extensions of a response that failed because the store is
/// unavailable, with the reason, for the middleware to note.
#[derive(Debug, Clone)]
pub struct StoreUnavailable(pub String);

/// One instance's readiness. Shared in `AppState`.
#[derive(Debug)]
pub struct Readiness {
    probe_every: Duration,
    last: Mutex<Option<Checked>>,
    /// One probe at a time; concurrent `/readyz` callers wait for its answer.
    probing: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone)]
struct Checked {
    at: Instant,
    /// `None`: ready. `Some(reason)`: the store cannot take writes.
    failure: Option<String>,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness::new(DEFAULT_PROBE_EVERY)
    }
}

impl Readiness {
    pub fn new(probe_every: Duration) -> Self {
        Readiness { probe_every, last: Mutex::new(None), probing: tokio::sync::Mutex::new(()) }
    }

    /// A request failed because the store is unavailable: not ready until a probe
    /// write succeeds (no sooner than `probe_every` from now).
    pub fn note_unavailable(&self, reason: &str) {
        tracing::warn!(reason, "the store cannot take writes; readiness reports 503 until a probe write succeeds");
        *self.lock() = Some(Checked { at: Instant::now(), failure: Some(reason.to_string()) });
    }

    /// `Ok(())` when the store can take writes, else why not. Probes the store when
    /// the last answer is older than `probe_every`.
    pub async fn check(&self, store: &dyn Store) -> Result<(), String> {
        if let Some(answer) = self.fresh() {
            return answer;
        }
        let _one = self.probing.lock().await;
        // Someone else may have probed while this caller waited.
        if let Some(answer) = self.fresh() {
            return answer;
        }
        let failure = match tokio::time::timeout(PROBE_TIMEOUT, store.probe_write()).await {
            Ok(Ok(())) => None,
            Ok(Err(StoreError::Unavailable { reason, .. })) => Some(reason),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the readiness probe failed");
                Some("the readiness probe write failed; see the server log".to_string())
            }
            Err(_) => Some(format!("the store did not answer a probe write within {} s", PROBE_TIMEOUT.as_secs())),
        };
        let was_failing = self.lock().as_ref().is_some_and(|c| c.failure.is_some());
        match (&failure, was_failing) {
            (None, true) => tracing::info!("a probe write succeeded; ready again"),
            (Some(reason), _) => tracing::warn!(reason = %reason, "the readiness probe write failed"),
            (None, false) => {}
        }
        *self.lock() = Some(Checked { at: Instant::now(), failure: failure.clone() });
        failure.map_or(Ok(()), Err)
    }

    fn fresh(&self) -> Option<Result<(), String>> {
        let last = self.lock().clone()?;
        (last.at.elapsed() < self.probe_every).then(|| last.failure.map_or(Ok(()), Err))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Checked>> {
        self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
