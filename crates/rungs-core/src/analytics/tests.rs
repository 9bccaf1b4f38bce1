//! The progression projection: folds, reversals, queries by day.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::event::{MicroProgression, Reversal};

fn event(seq: i64, subject: PersonId, at: DateTime<Utc>, body: EventBody) -> Event {
    Event {
        id: EventId::new(),
        seq,
        org_id: crate::OrgId::new(),
        subject,
        actor: None,
        occurred_at: at,
        recorded_at: at,
        body,
        competencies: vec![],
        evidence: vec![],
        idempotency_key: None,
    }
}

#[test]
fn a_reversed_win_no_longer_counts_whether_reversed_in_the_same_chunk_or_later() {
    let who = PersonId::new();
    let t0 = Utc.with_ymd_and_hms(2024, 3, 10, 12, 0, 0).unwrap();
    let win = || {
        EventBody::MicroProgression(MicroProgression {
            category: crate::event::Category::Skill,
            magnitude: crate::event::Magnitude::Nano,
            title: "x".into(),
            description: None,
        })
    };
    let mut p = Progressions::default();
    let a = event(1, who, t0, win());
    let b = event(2, who, t0 + Duration::days(5), win());
    p.add(&a);
    p.add(&b);
    assert_eq!(p.add(&event(3, who, t0, EventBody::Reversal(Reversal { target: a.id, reason: "x".into() }))), None);
    p.end_chunk();
    // Reversed in a later chunk: the caller looks the target up and removes it.
    let late = p.add(&event(4, who, t0, EventBody::Reversal(Reversal { target: b.id, reason: "x".into() })));
    assert_eq!(late, Some(b.id));
    assert_eq!(Steps(p.of(who)).count(Step::Win, t0 - Duration::days(1), t0 + Duration::days(30)), 1);
    p.remove(&b);
    assert_eq!(Steps(p.of(who)).count(Step::Win, t0 - Duration::days(1), t0 + Duration::days(30)), 0);
    assert_eq!(p.last_seq, 4);
}

#[test]
fn last_before_excludes_the_day_itself_and_quantiles_interpolate() {
    let who = PersonId::new();
    let d = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut p = Progressions::default();
    p.record(who, d, Step::Promotion);
    p.record(who, d + Duration::days(3), Step::Win);
    let s = Steps(p.of(who));
    assert_eq!(s.last_before(None, d + Duration::days(3)), Some(d));
    assert_eq!(s.last_before(None, d + Duration::days(4)), Some(d + Duration::days(3)));
    assert_eq!(s.last_before(Some(Step::Promotion), d + Duration::days(9)), Some(d));
    assert_eq!(s.last_before(None, d), None);
    assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
    assert_eq!(quantile(&[], 0.5), None);
}
