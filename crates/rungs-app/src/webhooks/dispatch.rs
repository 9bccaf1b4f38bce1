//! The dispatcher: moves the outbox into deliveries and sends them, signed, in ledger
//! order per subscription, retrying with exponential backoff and jitter.
//!
//! Durable and shared like jobs: everything it knows is in the store. A subscription
//! is claimed with a lease before anything is sent to it, so with several instances
//! one dispatcher at a time serves a subscription (its deliveries go out once and in
//! order), and when a dispatcher dies its lease expires and another takes over. A
//! delivery is marked delivered only after the receiver answered 2xx; one sent just
//! before a crash, whose answer was not recorded, is sent again (at least once:
//! receivers deduplicate on `Rungs-Event-Id`).
//!
//! Time comes from a [`Clock`], so tests can run an hour-long outage in milliseconds.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use rungs_core::event::Event;
use rungs_core::store::{Store, StoreResult};
use rungs_core::webhooks::{Attempt, Backoff, Delivery, Lease, Outcome, SIGNATURE_HEADER, signature_header};

/// Where the dispatcher reads the time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Settings; [`Config::from_env`] reads `RUNGS_WEBHOOK_*` (docs/WEBHOOKS.md).
#[derive(Debug, Clone)]
pub struct Config {
    /// Names this dispatcher in leases (unique per process).
    pub worker: String,
    /// How long a claimed subscription stays this dispatcher's.
    pub lease: chrono::Duration,
    /// How long a receiver has to answer.
    pub timeout: std::time::Duration,
    pub backoff: Backoff,
    /// Pause between ticks when nothing was due.
    pub poll: std::time::Duration,
}

fn env_num(name: &str, default: i64) -> i64 {
    rungs_core::settings::var(name).and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

impl Config {
    pub fn from_env() -> Config {
        let d = Backoff::default();
        Config {
            worker: format!("webhooks-pid{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()),
            lease: chrono::Duration::seconds(env_num("RUNGS_WEBHOOK_LEASE_SECS", 60)),
            timeout: std::time::Duration::from_secs(env_num("RUNGS_WEBHOOK_TIMEOUT_SECS", 10) as u64),
            backoff: Backoff {
                base: chrono::Duration::milliseconds(env_num("RUNGS_WEBHOOK_RETRY_BASE_MS", d.base.num_milliseconds())),
                cap: chrono::Duration::seconds(env_num("RUNGS_WEBHOOK_RETRY_CAP_SECS", d.cap.num_seconds())),
                give_up_after: chrono::Duration::hours(env_num("RUNGS_WEBHOOK_GIVE_UP_HOURS", d.give_up_after.num_hours())),
            },
            poll: std::time::Duration::from_millis(env_num("RUNGS_WEBHOOK_POLL_MS", 500) as u64),
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Outbox rows fanned out into deliveries.
    pub fanned_out: u64,
    pub delivered: u64,
    /// Attempts that failed and will be retried.
    pub retried: u64,
    pub given_up: u64,
}

/// Outbox rows taken per fan-out transaction.
const FAN_OUT_BATCH: u32 = 1000;
/// Deliveries read per round while serving a subscription.
const DELIVERY_BATCH: u32 = 100;
/// A body or error kept in the log is cut to this many characters.
const ERROR_CHARS: usize = 300;

pub struct Dispatcher {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    config: Config,
}

impl Dispatcher {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: Config) -> Dispatcher {
        let http = client(config.timeout, &[]).unwrap_or_default();
        Dispatcher { store, clock, http, config }
    }

    /// Also trust the certificate authorities in `pem` (one or more PEM certificates)
    /// for `https://` receivers, beside the public roots (webpki-roots): a receiver
    /// behind an internal CA or a self-signed certificate (`RUNGS_WEBHOOK_CA_FILE`).
    pub fn trust(&mut self, pem: &[u8]) -> Result<(), String> {
        let roots = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("not PEM certificates: {e}"))?;
        if roots.is_empty() {
            return Err("no PEM certificate in it".into());
        }
        self.http = client(self.config.timeout, &roots).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Start ticking every `poll` until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            tracing::info!(worker = %self.config.worker, "webhook dispatcher started");
            loop {
                match self.tick().await {
                    Ok(r) if r != TickReport::default() => {
                        tracing::debug!(fanned_out = r.fanned_out, delivered = r.delivered, retried = r.retried, given_up = r.given_up, "webhooks");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "webhook dispatch failed; trying again"),
                }
                tokio::time::sleep(self.config.poll).await;
            }
        })
    }

    /// Fan the outbox out, then serve every subscription that is due, one after the
    /// other, until none is.
    pub async fn tick(&self) -> StoreResult<TickReport> {
        let mut report = TickReport::default();
        loop {
            let n = self.store.fan_out(self.clock.now(), FAN_OUT_BATCH).await?;
            report.fanned_out += n;
            if n < u64::from(FAN_OUT_BATCH) {
                break;
            }
        }
        while let Some(lease) = self.store.claim_subscription(&self.config.worker, self.clock.now(), self.config.lease).await? {
            self.serve(&lease, &mut report).await?;
        }
        Ok(report)
    }

    /// Send the subscription's pending deliveries in order until one fails, the
    /// queue is empty, or the lease runs short; then give it back.
    async fn serve(&self, lease: &Lease, report: &mut TickReport) -> StoreResult<()> {
        // Stop while the lease still covers a whole attempt.
        let margin = chrono::Duration::from_std(self.config.timeout).unwrap_or_default() + chrono::Duration::seconds(5);
        loop {
            let batch = self.store.pending_deliveries(lease, DELIVERY_BATCH).await?;
            if batch.is_empty() {
                self.store.release_subscription(lease, None, self.clock.now()).await?;
                return Ok(());
            }
            for (d, e) in batch {
                let now = self.clock.now();
                if lease.locked_until - now < margin {
                    self.store.release_subscription(lease, None, now).await?;
                    return Ok(());
                }
                if d.next_attempt_at > now {
                    // The head waits for its retry; everything behind it waits too.
                    self.store.release_subscription(lease, Some(d.next_attempt_at), now).await?;
                    return Ok(());
                }
                let (attempt, ok) = self.send(lease, &d, &e, now).await;
                let outcome =
                    if ok { Outcome::Delivered } else { self.config.backoff.next(d.attempts + 1, d.first_attempt_at.unwrap_or(now), now, rand::random()) };
                if !self.store.record_attempt(lease, &attempt, outcome).await? {
                    tracing::warn!(subscription = %lease.subscription.id, "the webhook lease expired while sending; another dispatcher has it now");
                    return Ok(());
                }
                match outcome {
                    Outcome::Delivered => report.delivered += 1,
                    Outcome::GiveUp => {
                        report.given_up += 1;
                        tracing::warn!(delivery = %d.id, url = %lease.subscription.url, "webhook delivery given up after its retry window; replay it from the delivery log");
                    }
                    Outcome::RetryAt(at) => {
                        report.retried += 1;
                        self.store.release_subscription(lease, Some(at), self.clock.now()).await?;
                        return Ok(());
                    }
                }
            }
        }
    }

    /// POST one delivery; the attempt to log and whether the receiver took it.
    async fn send(&self, lease: &Lease, d: &Delivery, e: &Event, now: DateTime<Utc>) -> (Attempt, bool) {
        let body = body(e);
        let t = now.timestamp();
        let started = Instant::now();
        let sent = self
            .http
            .post(&lease.subscription.url)
            .header("Content-Type", "application/json")
            .header(SIGNATURE_HEADER, signature_header(&lease.subscription.secret, t, &body))
            .header("Rungs-Event-Id", e.id.to_string())
            .header("Rungs-Event-Type", e.kind().as_str())
            .header("Rungs-Event-Seq", e.seq.to_string())
            .header("Rungs-Delivery-Id", d.id.to_string())
            .body(body)
            .send()
            .await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let (status, error, ok) = match sent {
            Ok(r) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None, true),
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                (Some(i32::from(status.as_u16())), Some(cut(&format!("HTTP {status}: {text}"))), false)
            }
            Err(err) => (None, Some(cut(&describe(&err))), false),
        };
        (Attempt { delivery_id: d.id, at: now, status, error, duration_ms }, ok)
    }
}

/// The JSON body of a delivery: the event as the API shows it to the people team,
/// inside an envelope naming its type. The same bytes on every attempt.
pub fn body(e: &Event) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "type": e.kind().as_str(), "event": e })).unwrap_or_default()
}

/// The HTTP client of deliveries: HTTP/1.1 and HTTPS (rustls, the public roots of
/// webpki-roots plus `extra` roots), no redirects.
fn client(timeout: std::time::Duration, extra: &[reqwest::Certificate]) -> reqwest::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(timeout)
        // A redirect is a failure to look at, not something to follow with a signature.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Rungs-Webhooks/", env!("CARGO_PKG_VERSION")));
    for c in extra {
        b = b.add_root_certificate(c.clone());
    }
    b.build()
}

fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirected"
    } else {
        "request failed"
    };
    let mut s = format!("{what}: {e}");
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(&format!(": {inner}"));
        src = inner.source();
    }
    // The most common mistake with a private receiver, said in words first (the log
    // keeps 300 characters): `openssl req -x509` makes a CA certificate, which TLS
    // refuses as a server's own.
    if s.contains("CaUsedAsEndEntity") {
        s = format!(
            "the receiver presents a CA certificate as its own (a self-signed certificate made with CA:TRUE): sign its certificate with that CA, or remake it with basicConstraints=CA:FALSE (docs/WEBHOOKS.md). {s}"
        );
    }
    s
}

fn cut(s: &str) -> String {
    if s.chars().count() <= ERROR_CHARS { s.to_string() } else { format!("{}…", s.chars().take(ERROR_CHARS).collect::<String>()) }
}
