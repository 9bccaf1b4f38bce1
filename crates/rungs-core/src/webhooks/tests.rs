use chrono::{Duration, TimeZone, Utc};

use super::*;

#[test]
fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
    // Computed independently with `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac Jefe`.
    let sig = sign("Jefe", 1_700_000_000, br#"{"a":1}"#);
    assert_eq!(sig, "fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a");
    assert_ne!(sig, sign("Jefe", 1_700_000_001, br#"{"a":1}"#));
    assert_ne!(sig, sign("jefe", 1_700_000_000, br#"{"a":1}"#));
    assert_eq!(signature_header("Jefe", 7, b"x"), format!("t=7,v1={}", sign("Jefe", 7, b"x")));
}

#[test]
fn verify_accepts_the_right_signature_and_refuses_the_rest() {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let t = now.timestamp();
    let h = signature_header("s3cret", t, b"body");
    let five = Duration::minutes(5);
    assert!(verify("s3cret", &h, b"body", now, five));
    assert!(!verify("s3cret", &h, b"bodY", now, five));
    assert!(!verify("other", &h, b"body", now, five));
    assert!(!verify("s3cret", &h, b"body", now + Duration::minutes(6), five), "too old: a replay");
    assert!(!verify("s3cret", "v1=abc", b"body", now, five));
    // Several v1 values (a rotated secret): one matching is enough.
    assert!(verify("s3cret", &format!("t={t},v1=00,v1={}", sign("s3cret", t, b"body")), b"body", now, five));
}

#[test]
fn backoff_doubles_with_jitter_up_to_the_cap_and_gives_up() {
    let b = Backoff::default();
    assert_eq!(b.delay(1, 0.0), Duration::seconds(5));
    assert_eq!(b.delay(1, 0.999_999), Duration::milliseconds(9_999));
    assert_eq!(b.delay(2, 0.0), Duration::seconds(10));
    assert_eq!(b.delay(3, 1.0), Duration::seconds(40));
    assert_eq!(b.delay(30, 1.0), Duration::minutes(10));
    assert_eq!(b.delay(1000, 0.0), Duration::minutes(5));
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(b.next(3, t0, t0 + Duration::hours(1), 0.0), Outcome::RetryAt(t0 + Duration::hours(1) + Duration::seconds(20)));
    assert_eq!(b.next(3, t0, t0 + Duration::days(3), 0.0), Outcome::GiveUp);
}

#[test]
fn input_names_every_bad_field() {
    let e =
        SubscriptionInput { url: "ftp://x".into(), description: Some("d".repeat(201)), kinds: vec!["promotion".into(), "nope".into()] }.parse().unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["url", "description", "kinds[1]"]);
    let ok = SubscriptionInput { url: " http://h/x ".into(), description: None, kinds: vec!["promotion".into(), "hired".into(), "promotion".into()] }
        .parse()
        .unwrap();
    assert_eq!(ok.kinds, [EventKind::Hired, EventKind::Promotion]);
    assert_eq!(ok.url, "http://h/x");
}

#[test]
fn a_subscription_wants_later_events_of_its_kinds() {
    let s = Subscription {
        id: Uuid::now_v7(),
        org_id: OrgId::new(),
        url: "http://h".into(),
        description: String::new(),
        kinds: vec![EventKind::Promotion],
        active: true,
        secret: "s".into(),
        after_seq: 10,
        created_at: Utc::now(),
    };
    assert!(s.wants(11, EventKind::Promotion));
    assert!(!s.wants(10, EventKind::Promotion));
    assert!(!s.wants(11, EventKind::Hired));
    assert!(Subscription { kinds: vec![], ..s }.wants(11, EventKind::Hired));
}
