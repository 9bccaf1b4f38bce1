//! Request idempotency (`Idempotency-Key`) for every state-changing API request: the
//! key as a parsed type, the stored first response, and the one decision of what a
//! stored row means for a new request. Both backends load the row, call [`decide`],
//! and write what it says; the HTTP layer that uses it is `rungs-web/src/replay.rs`
//! (docs/API.md, "Idempotency").
//!
//! This sits in front of the ledger's own idempotency (a claim written inside the
//! append's transaction, [`crate::store::IdempotencyClaim`]), which stays: a
//! response row remembers what was answered, the claim guarantees the events are
//! appended once even when the process dies between the append and the answer.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::OrgId;
use crate::store::StoreResult;

/// Longest `Idempotency-Key` accepted.
pub const MAX_KEY_LEN: usize = 255;

/// How long a key and its response are remembered. A row older than this is treated
/// as absent when read ([`decide`]) and deleted by the sweep job, whichever comes first.
pub const RESPONSE_TTL: Duration = Duration::hours(24);

/// A client's `Idempotency-Key`: 1–255 visible ASCII characters (`!` to `~`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

/// Why a header value is not an [`IdempotencyKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 1-255 visible ASCII characters")]
pub struct BadKey;

impl IdempotencyKey {
    /// Parse a header value.
    pub fn parse(raw: &[u8]) -> Result<Self, BadKey> {
        if raw.is_empty() || raw.len() > MAX_KEY_LEN || !raw.iter().all(u8::is_ascii_graphic) {
            return Err(BadKey);
        }
        // Visible ASCII is valid UTF-8.
        String::from_utf8(raw.to_vec()).map(IdempotencyKey).map_err(|_| BadKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = BadKey;
    fn try_from(s: String) -> Result<Self, BadKey> {
        Self::parse(s.as_bytes())
    }
}

impl From<IdempotencyKey> for String {
    fn from(k: IdempotencyKey) -> String {
        k.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whose key it is: one row per (organization, principal, key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub org_id: OrgId,
    /// Who sent the request: the caller's person id, or `system`.
    pub principal: String,
    pub key: IdempotencyKey,
}

/// The first completed answer to a keyed request, as it is replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Replayed byte for byte.
    Response(StoredResponse),
    /// The response carried a secret shown once (a new token's, say), which is never
    /// stored: only that the request succeeded with `status`. A repeat is refused.
    Withheld { status: u16 },
}

impl Recorded {
    /// The row's answer from its columns: no status means still in flight.
    pub fn from_columns(
        status: Option<i64>,
        withheld: bool,
        content_type: Option<String>,
        location: Option<String>,
        body: Option<Vec<u8>>,
    ) -> Option<Recorded> {
        let status = u16::try_from(status?).ok()?;
        Some(if withheld {
            Recorded::Withheld { status }
        } else {
            Recorded::Response(StoredResponse { status, content_type, location, body: body.unwrap_or_default() })
        })
    }

    /// The columns to write: (status, withheld, content type, location, body).
    pub fn columns(&self) -> (i16, bool, Option<&str>, Option<&str>, &[u8]) {
        let status = |s: u16| i16::try_from(s).unwrap_or(i16::MAX);
        match self {
            Recorded::Withheld { status: s } => (status(*s), true, None, None, &[]),
            Recorded::Response(r) => (status(r.status), false, r.content_type.as_deref(), r.location.as_deref(), &r.body),
        }
    }
}

/// What is kept of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// A row as a backend loaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub fingerprint: String,
    /// The attempt that holds the row (in flight) or completed it.
    pub holder: uuid::Uuid,
    /// `None` while the request is in flight.
    pub recorded: Option<Recorded>,
    /// Until when an in-flight holder is trusted to still be running.
    pub locked_until: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// What a new request with a key gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// Nobody used this key (or its row expired, or its holder died): the request runs,
    /// and [`ReplayStore::finish_request`] or [`ReplayStore::abandon_request`] with the
    /// same attempt ends it.
    Started,
    /// The same request completed before: answer with this.
    Replay(Recorded),
    /// The key was used for a different request (method, path, query or body).
    Mismatch,
    /// The same request is still running.
    InFlight,
}

/// What a backend does with the row it loaded (under its write lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No row: insert one, in flight, held by this attempt.
    Insert,
    /// Replace the row (expired, or its holder's lease ran out): in flight, held by
    /// this attempt, created now.
    TakeOver,
    /// Leave the row; answer with this.
    Answer(Begun),
}

/// Decide what a stored row (if any) means for a request with `fingerprint` at `now`.
/// Expiry is checked here, on read, so a key is forgotten after [`RESPONSE_TTL`]
/// whether or not the sweep job has run yet.
pub fn decide(row: Option<&KeyRow>, fingerprint: &str, now: DateTime<Utc>) -> Decision {
    let Some(row) = row else { return Decision::Insert };
    if row.created_at <= now - RESPONSE_TTL {
        return Decision::TakeOver;
    }
    if row.fingerprint != fingerprint {
        return Decision::Answer(Begun::Mismatch);
    }
    match &row.recorded {
        Some(r) => Decision::Answer(Begun::Replay(r.clone())),
        None if row.locked_until > now => Decision::Answer(Begun::InFlight),
        // The holder died (or hung past every time limit): the request runs again.
        None => Decision::TakeOver,
    }
}

/// The first request with a key: everything a backend needs to claim it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub owner: KeyOwner,
    pub fingerprint: String,
    /// Fences the row: only this attempt may finish or abandon it.
    pub id: uuid::Uuid,
    pub now: DateTime<Utc>,
    /// How long this attempt may run before another may take the key over.
    pub lease: Duration,
}

/// Storage of keyed requests' responses (`idempotent_responses`, migration 0021).
#[async_trait::async_trait]
pub trait ReplayStore: Send + Sync + 'static {
    /// Load the row of `attempt.owner` under the write lock, [`decide`], write what it
    /// says, answer. One row per owner whatever the concurrency: of two attempts at
    /// once, one starts and the other sees it in flight.
    async fn begin_request(&self, attempt: &Attempt) -> StoreResult<Begun>;
    /// Keep the answer of a started attempt. Does nothing when the attempt no longer
    /// holds the row (its lease ran out and another took over).
    async fn finish_request(&self, owner: &KeyOwner, attempt: uuid::Uuid, recorded: &Recorded) -> StoreResult<()>;
    /// Forget a started attempt that has no answer to keep (a 5xx, a cancelled
    /// request), so a retry runs again. Only while `attempt` holds it and is in flight.
    async fn abandon_request(&self, owner: &KeyOwner, attempt: uuid::Uuid) -> StoreResult<()>;
    /// Delete rows created before `before` (the sweep job); returns how many.
    async fn forget_requests(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fingerprint: &str, recorded: Option<Recorded>, locked_for: i64, age_hours: i64, now: DateTime<Utc>) -> KeyRow {
        KeyRow {
            fingerprint: fingerprint.into(),
            holder: uuid::Uuid::nil(),
            recorded,
            locked_until: now + Duration::seconds(locked_for),
            created_at: now - Duration::hours(age_hours),
        }
    }

    fn ok() -> Recorded {
        Recorded::Response(StoredResponse { status: 201, content_type: Some("application/json".into()), location: None, body: b"{}".to_vec() })
    }

    #[test]
    fn a_stored_row_decides_the_next_request() {
        let now = Utc::now();
        let cases = [
            (None, "fp", Decision::Insert),
            (Some(row("fp", Some(ok()), -1, 1, now)), "fp", Decision::Answer(Begun::Replay(ok()))),
            (Some(row("fp", Some(ok()), -1, 1, now)), "other", Decision::Answer(Begun::Mismatch)),
            (Some(row("fp", None, 30, 0, now)), "fp", Decision::Answer(Begun::InFlight)),
            (Some(row("fp", None, 30, 0, now)), "other", Decision::Answer(Begun::Mismatch)),
            (Some(row("fp", None, -1, 0, now)), "fp", Decision::TakeOver),
            (Some(row("fp", Some(ok()), -1, 24, now)), "other", Decision::TakeOver),
            (Some(row("fp", Some(Recorded::Withheld { status: 201 }), -1, 23, now)), "fp", Decision::Answer(Begun::Replay(Recorded::Withheld { status: 201 }))),
        ];
        for (i, (r, fp, want)) in cases.into_iter().enumerate() {
            assert_eq!(decide(r.as_ref(), fp, now), want, "case {i}");
        }
    }

    #[test]
    fn a_key_is_one_to_255_visible_ascii_characters() {
        for good in ["a", "k-1", "~!", &"x".repeat(255)] {
            assert_eq!(IdempotencyKey::parse(good.as_bytes()).map(|k| k.to_string()), Ok(good.to_string()));
        }
        for bad in ["", "has space", "tab\t", "é", &"x".repeat(256), "nul\0"] {
            assert_eq!(IdempotencyKey::parse(bad.as_bytes()), Err(BadKey), "{bad:?}");
        }
    }
}
