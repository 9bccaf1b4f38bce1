//! Parsing and payload round-trip tests for ledger events.

use super::*;
use serde_json::json;

fn input(v: Value) -> EventInput {
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_valid_win_parses_and_normalises() {
    let p = input(json!({
        "subject": "0190c7a0-0000-7000-8000-000000000001",
        "kind": "micro_progression",
        "payload": {"category": "certification", "magnitude": "micro", "title": "  AWS SAA  "},
        "competencies": ["cloud", "cloud"],
        "evidence": ["https://example.com/cert"]
    }))
    .parse()
    .unwrap();
    assert_eq!(p.competencies, vec!["cloud"]);
    let EventBody::MicroProgression(m) = p.body else { panic!() };
    assert_eq!(m.title, "AWS SAA");
}

#[test]
fn every_bad_field_is_named() {
    let e = input(json!({
        "subject": 12,
        "kind": "micro_progression",
        "occurred_at": "yesterday",
        "payload": {"category": "napping", "magnitude": "micro", "title": "x"},
        "evidence": ["ftp://x"]
    }))
    .parse()
    .unwrap_err();
    let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"subject"), "{fields:?}");
    assert!(fields.contains(&"occurred_at"), "{fields:?}");
    assert!(fields.contains(&"evidence[0]"), "{fields:?}");
    assert!(fields.iter().any(|f| f.starts_with("payload")), "{fields:?}");
}

#[test]
fn unknown_kinds_and_payload_fields_are_refused() {
    let e = input(json!({"subject": "0190c7a0-0000-7000-8000-000000000001", "kind": "raise"})).parse().unwrap_err();
    assert_eq!(e.errors[0].field, "kind");
    let e =
        input(json!({"subject": "0190c7a0-0000-7000-8000-000000000001", "kind": "recognition", "payload": {"message": "hi", "bogus": 1}})).parse().unwrap_err();
    assert!(e.errors[0].field.starts_with("payload"), "{e:?}");
}

#[test]
fn body_round_trips_through_kind_and_payload() {
    let b = EventBody::Recognition(Recognition::new("thanks", 5));
    assert_eq!(EventBody::from_parts(b.kind(), b.payload_json()).unwrap(), b);
}
