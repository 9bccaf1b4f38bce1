//! Who sent a delivery: each source's secret, and the three ways a sender proves it
//! knows it (docs/INTEGRATIONS.md, "Evidence from work systems").
//!
//! Secrets are stored as their SHA-256 only. That is enough to check an HMAC: a
//! secret is made longer than SHA-256's 64-byte block, and HMAC (RFC 2104 §2) first
//! replaces such a key by its hash, so `HMAC(secret, m) = HMAC(SHA-256(secret), m)`.
//! The secret itself is shown once and cannot be read back from the store.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// GitHub's signature header: `sha256=<hex HMAC-SHA256 of the raw body>`.
pub const GITHUB_SIGNATURE: &str = "X-Hub-Signature-256";
/// GitHub's id of a delivery (the same on a redelivery).
pub const GITHUB_DELIVERY: &str = "X-GitHub-Delivery";
pub const GITHUB_EVENT: &str = "X-GitHub-Event";
/// GitLab sends the secret token itself in this header.
pub const GITLAB_TOKEN: &str = "X-Gitlab-Token";
/// GitLab's id of a delivery; retries carry the same `Idempotency-Key` (GitLab 17.4+).
pub const GITLAB_EVENT_UUID: &str = "X-Gitlab-Event-UUID";
pub const GITLAB_IDEMPOTENCY: &str = "Idempotency-Key";
pub const GITLAB_EVENT: &str = "X-Gitlab-Event";
/// The generic form's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">`.
pub const GENERIC_SIGNATURE: &str = "Rungs-Evidence-Signature";
/// How far a generic delivery's timestamp may be from now.
pub const REPLAY_WINDOW: Duration = Duration::minutes(5);

/// Secrets are longer than HMAC-SHA256's block (64 bytes), so HMAC hashes them first.
const BLOCK: usize = 64;

/// A new secret from 32 random bytes: `rungs_evidence_` and 64 hex digits (79
/// characters, over the 64-byte block on purpose: see the module doc).
pub fn new_secret(random: [u8; 32]) -> String {
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("rungs_evidence_{hex}")
}

/// What the store keeps of a secret.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// HMAC-SHA256 keyed by a stored secret hash (equal to keying by the secret itself
/// for every secret [`new_secret`] makes).
fn mac(hash: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(hash).expect("HMAC takes a key of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a delivery was refused (the `/metrics` label, and the problem's detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signature or token header at all.
    Unsigned,
    /// A signature or token that does not match the source's secret.
    BadSignature,
    /// A generic delivery's timestamp outside the replay window.
    Stale,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Unsigned => "unsigned",
            Refusal::BadSignature => "bad_signature",
            Refusal::Stale => "stale",
        }
    }
}

/// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body.
pub fn verify_github(hash: &[u8; 32], header: Option<&str>, body: &[u8]) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Unsigned)?;
    let got = header.trim().strip_prefix("sha256=").ok_or(Refusal::BadSignature)?;
    let want = hex(&mac(hash, &[body]));
    if constant_time_eq(got.to_ascii_lowercase().as_bytes(), want.as_bytes()) { Ok(()) } else { Err(Refusal::BadSignature) }
}

/// GitLab: the secret token itself in `X-Gitlab-Token`, compared by its hash.
pub fn verify_gitlab(hash: &[u8; 32], header: Option<&str>) -> Result<(), Refusal> {
    let token = header.ok_or(Refusal::Unsigned)?;
    if constant_time_eq(&secret_hash(token), hash) { Ok(()) } else { Err(Refusal::BadSignature) }
}

/// The generic form: `Rungs-Evidence-Signature: t=<unix>,v1=<hex>` where the HMAC is
/// over `"{t}.{body}"`; `t` must be within [`REPLAY_WINDOW`] of `now`.
pub fn verify_generic(hash: &[u8; 32], header: Option<&str>, body: &[u8], now: DateTime<Utc>) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Unsigned)?;
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.trim().parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.trim().to_ascii_lowercase()),
            _ => {}
        }
    }
    let t = t.ok_or(Refusal::BadSignature)?;
    let want = hex(&mac(hash, &[t.to_string().as_bytes(), b".", body]));
    if !sigs.iter().any(|s| constant_time_eq(s.as_bytes(), want.as_bytes())) {
        return Err(Refusal::BadSignature);
    }
    if (now.timestamp() - t).abs() > REPLAY_WINDOW.num_seconds() {
        return Err(Refusal::Stale);
    }
    Ok(())
}

/// Sign like GitHub (tests, the demo, docs): `sha256=<hex>`.
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&mac_with_secret(secret, &[body])))
}

/// Sign the generic form: `t=<t>,v1=<hex>`.
pub fn generic_signature(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", hex(&mac_with_secret(secret, &[t.to_string().as_bytes(), b".", body])))
}

/// HMAC keyed by the secret as a sender holds it (what GitHub computes).
fn mac_with_secret(secret: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Whether `secret` is long enough for its hash to verify its HMACs.
pub fn hashable(secret: &str) -> bool {
    secret.len() > BLOCK
}
