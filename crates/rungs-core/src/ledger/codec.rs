//! How ledger values are written down, the same for every backend: event payloads as
//! JSON text, string lists as JSON, times truncated to the microsecond both databases
//! keep, and the opaque listing cursors (`e<seq>` for events, `p<hex id><hex name>`
//! for people; hex keeps them URL-safe without a dependency).

use chrono::{DateTime, Utc};

use crate::PersonId;
use crate::event::EventBody;
use crate::person::Person;

/// Microseconds since the epoch: the precision both backends store.
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// `t` as the store will give it back: everything entering the store is truncated
/// first, so what an append returns equals what a later read returns.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros(t)).unwrap_or(t)
}

/// The payload column: the body's inner struct serialised directly, which is what
/// `EventBody::payload_json` produces but without the detour through a `Value`.
pub fn payload_json(body: &EventBody) -> String {
    let r = match body {
        EventBody::Hired(p) => serde_json::to_string(p),
        EventBody::ProfileUpdated(p) => serde_json::to_string(p),
        EventBody::MicroProgression(p) => serde_json::to_string(p),
        EventBody::Validation(p) => serde_json::to_string(p),
        EventBody::MicroPromotion(p) => serde_json::to_string(p),
        EventBody::Promotion(p) => serde_json::to_string(p),
        EventBody::LateralMove(p) => serde_json::to_string(p),
        EventBody::Recognition(p) => serde_json::to_string(p),
        EventBody::Departure(p) => serde_json::to_string(p),
        EventBody::Reversal(p) => serde_json::to_string(p),
        EventBody::MilestoneCompleted(p) => serde_json::to_string(p),
        EventBody::BadgeAwarded(p) => serde_json::to_string(p),
        EventBody::Demotion(p) => serde_json::to_string(p),
        EventBody::CredentialRevoked(p) => serde_json::to_string(p),
    };
    // These are plain derived structs with string keys: serialising cannot fail.
    r.unwrap_or_else(|_| "{}".to_string())
}

/// A stored payload (as [`payload_json`] wrote it) back into a body of `kind`,
/// parsed once straight into the adjacently tagged enum.
pub fn parse_payload(kind: &str, payload: &str) -> serde_json::Result<EventBody> {
    serde_json::from_str(&format!(r#"{{"kind":"{kind}","payload":{payload}}}"#))
}

/// A list of strings as JSON; the common empty case skips the serializer.
pub fn list_json(v: &[String]) -> String {
    if v.is_empty() { "[]".to_string() } else { serde_json::to_string(v).unwrap_or_else(|_| "[]".to_string()) }
}

/// A person's sensitive fields as JSON text.
pub fn sensitive_json(p: &Person) -> String {
    if p.sensitive.is_empty() { "{}".to_string() } else { serde_json::to_string(&p.sensitive).unwrap_or_default() }
}

/// Lowercase hex, for opaque cursors and the idempotency table's id list.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// The bytes of a [`hex`] string; `None` if it is not one.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// The cursor of an events listing that ends at `seq`.
pub fn event_cursor(seq: i64) -> String {
    format!("e{seq}")
}

/// The seq an [`event_cursor`] names; `None` if `c` is not one.
pub fn parse_event_cursor(c: &str) -> Option<i64> {
    c.strip_prefix('e').and_then(|s| s.parse::<i64>().ok()).filter(|s| *s >= 0)
}

/// The cursor of a people listing (ordered by name, id) that ends at `p`.
pub fn people_cursor(p: &Person) -> String {
    format!("p{}{}", hex(p.id.as_bytes()), hex(p.name.as_bytes()))
}

/// The (id, name) a [`people_cursor`] names; `None` if `c` is not one.
pub fn parse_people_cursor(c: &str) -> Option<(PersonId, String)> {
    let rest = c.strip_prefix('p')?;
    let (id, name) = (rest.get(..32)?, rest.get(32..)?);
    let id: [u8; 16] = unhex(id)?.try_into().ok()?;
    // The name only positions the page: bytes that are not UTF-8 (or a NUL, which
    // PostgreSQL text cannot hold) are read lossily rather than refused, so any cursor
    // of the documented shape is accepted.
    Some((PersonId::from_bytes(id), String::from_utf8_lossy(&unhex(name)?).replace('\0', "\u{fffd}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_make() {
        assert_eq!(parse_event_cursor(&event_cursor(42)), Some(42));
        assert_eq!(parse_event_cursor("e-1"), None);
        assert_eq!(parse_event_cursor("p12"), None);
        let id = PersonId::new();
        let c = format!("p{}{}", hex(id.as_bytes()), hex("Zoë O'Neil".as_bytes()));
        assert_eq!(parse_people_cursor(&c), Some((id, "Zoë O'Neil".to_string())));
        assert_eq!(parse_people_cursor("pzz"), None);
        assert_eq!(parse_people_cursor(&format!("p{}f", hex(id.as_bytes()))), None);
        let lossy = parse_people_cursor(&format!("p{}ff00", hex(id.as_bytes())));
        assert_eq!(lossy, Some((id, "\u{fffd}\u{fffd}".to_string())));
    }

    #[test]
    fn truncate_keeps_microseconds() {
        let t = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(truncate(t).timestamp_subsec_nanos(), 123_456_000);
    }
}
