//! The signature a receiver checks, and when a failed delivery is tried again.
//!
//! Signature: HMAC-SHA256 with the subscription's secret over `"{t}.{body}"`, where
//! `t` is the attempt's Unix time in seconds and `body` the exact bytes POSTed; sent as
//! `Rungs-Signature: t=<t>,v1=<lower-case hex>`. The timestamp inside the signed text
//! lets a receiver refuse replays older than a few minutes.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Rungs-Signature";

/// The lower-case hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Rungs-Signature` value: `t=<timestamp>,v1=<signature>`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// What a receiver does (docs/WEBHOOKS.md shows it in Python and Node): parse the
/// header, refuse a timestamp further than `tolerance` from `now`, recompute and
/// compare in constant time. True when the delivery is authentic.
pub fn verify(secret: &str, header: &str, body: &[u8], now: DateTime<Utc>, tolerance: Duration) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now.timestamp() - t).abs() > tolerance.num_seconds() {
        return false;
    }
    let want = sign(secret, t, body);
    sigs.iter().any(|s| s.len() == want.len() && s.bytes().zip(want.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0)
}

/// A new signing secret: `whsec_` and 32 random bytes in hex, from `random` (the
/// caller's CSPRNG; core has no randomness of its own).
pub fn new_secret(random: [u8; 32]) -> String {
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("whsec_{hex}")
}

/// The retry schedule: exponential with "equal jitter" — attempt `n` (1-based) that
/// failed waits `d/2 + jitter·d/2` where `d = min(base·2^(n-1), cap)` — so receivers
/// that fail together do not come back in lockstep; and a delivery still failing
/// `give_up_after` its first attempt is given up (`failed`, replayable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub give_up_after: Duration,
}

impl Default for Backoff {
    /// 10 s, 20 s, 40 s … at most 10 minutes apart, for 3 days: a receiver back after
    /// an hour's outage has everything within about 10 minutes.
    fn default() -> Self {
        Backoff { base: Duration::seconds(10), cap: Duration::minutes(10), give_up_after: Duration::days(3) }
    }
}

impl Backoff {
    /// The wait after failed attempt `attempt` (1-based); `jitter` in `[0, 1)`.
    pub fn delay(&self, attempt: i32, jitter: f64) -> Duration {
        let exp = (attempt.max(1) - 1).min(30) as u32;
        let d = self.base.num_milliseconds().saturating_mul(1i64 << exp.min(40)).min(self.cap.num_milliseconds());
        let half = d / 2;
        Duration::milliseconds(half + (jitter.clamp(0.0, 1.0) * half as f64) as i64)
    }

    /// Retry at `now + delay`, or give up when the window since `first_attempt` is over.
    pub fn next(&self, attempt: i32, first_attempt: DateTime<Utc>, now: DateTime<Utc>, jitter: f64) -> super::Outcome {
        if now - first_attempt >= self.give_up_after {
            return super::Outcome::GiveUp;
        }
        super::Outcome::RetryAt(now + self.delay(attempt, jitter))
    }
}
