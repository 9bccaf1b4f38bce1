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

fn member(hired: DateTime<Utc>, department: &str, manager_id: Option<PersonId>) -> Member {
    Member {
        id: PersonId::new(),
        name: "x".into(),
        title: "x".into(),
        track: "engineering".into(),
        level: "e2".into(),
        department: Some(department.into()),
        manager_id,
        hired,
        ended: None,
        level_since: hired,
        level_rank: Some(1),
        levels_in_track: 7,
        sensitive: Default::default(),
    }
}

fn thanks(seq: i64, giver: PersonId, receiver: PersonId, at: DateTime<Utc>) -> Event {
    let mut e = event(seq, receiver, at, EventBody::Recognition(crate::event::Recognition::new("thanks", 5)));
    e.actor = Some(giver);
    e
}

/// Recognition in the metrics: who gave and received how much, its Gini coefficient
/// (worked by hand), reciprocity, shares, and badges; a reversed recognition drops out.
#[test]
fn recognition_distribution_gini_reciprocity_and_credentials_per_group() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let hired = now - Duration::days(800);
    let (a, b, c, d) = (member(hired, "ops", None), member(hired, "ops", None), member(hired, "ops", None), member(hired, "sales", None));
    let at = now - Duration::days(20);
    let mut p = Progressions::default();
    // a→b, b→a (returned), a→c, c→b, d→b; one more d→c reversed in the same chunk and
    // one a→d before the period: neither counts.
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        seq
    };
    for (g, r) in [(a.id, b.id), (b.id, a.id), (a.id, c.id), (c.id, b.id), (d.id, b.id)] {
        p.add(&thanks(next(), g, r, at));
    }
    let gone = thanks(next(), d.id, c.id, at);
    p.add(&gone);
    p.add(&event(next(), c.id, at, EventBody::Reversal(Reversal { target: gone.id, reason: "x".into() })));
    p.add(&thanks(next(), a.id, d.id, now - Duration::days(500)));
    p.end_chunk();
    p.push_credential(b.id, day(at), Credential::Badge);
    let snap = Snapshot::new(vec![a, b, c, d], p, now);
    let r = metrics::metrics(&snap, &[0, 1, 2, 3], now - Duration::days(365), now);

    let o = &r.organization.recognition;
    // Received: a 1, b 3, c 1, d 0; sorted 0,1,1,3: Σ(2i − n − 1)x = (−3)0 + (−1)1 + (1)1 + (3)3 = 9; 9 / (4 · 5) = 0.45.
    assert_eq!((o.received, o.given), (5, 5));
    assert!((o.gini_received.unwrap() - 0.45).abs() < 1e-12, "{o:?}");
    // Given: a 2, b 1, c 1, d 1 → sorted 1,1,1,2: (−3 −1 +1)·1 + 3·2 = 3; 3 / 20 = 0.15.
    assert!((o.gini_given.unwrap() - 0.15).abs() < 1e-12, "{o:?}");
    // Pairs a→b, b→a, a→c, c→b, d→b: two of five returned.
    assert_eq!(o.pairs, 5);
    assert!((o.reciprocity.unwrap() - 0.4).abs() < 1e-12);
    assert!((o.people_receiving - 0.75).abs() < 1e-12 && (o.people_giving - 1.0).abs() < 1e-12);
    let sales = r.by_department.iter().find(|g| g.group == "sales").unwrap();
    assert_eq!((sales.recognition.received, sales.recognition.given), (0, 1));
    assert!((sales.recognition.share_of_given - 0.2).abs() < 1e-12 && sales.recognition.share_of_received == 0.0);
    assert_eq!(sales.recognition.gini_received, None, "nothing received: no coefficient");
    let ops = r.by_department.iter().find(|g| g.group == "ops").unwrap();
    assert!((ops.recognition.share_of_received - 1.0).abs() < 1e-12);
    assert_eq!((ops.badges_awarded, r.organization.badges_awarded, r.organization.milestones_completed), (1, 1, 0));
}

/// Recognitions are kept in day order whatever order the ledger brings them in, so a
/// period's are one slice; a backdated one lands in its day, and reversing it (in a
/// later chunk, looked up by the caller) takes out that one.
#[test]
fn recognitions_are_read_by_period_in_day_order_even_when_backdated() {
    let (a, b) = (PersonId::new(), PersonId::new());
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap();
    let mut p = Progressions::default();
    let mut backdated = None;
    for (seq, days) in [(1, 0), (2, 10), (3, 20), (4, 5), (5, 30), (6, 10)] {
        let e = thanks(seq, a, b, t0 + Duration::days(days));
        p.add(&e);
        if seq == 4 {
            backdated = Some(e);
        }
    }
    p.end_chunk();
    let d0 = day(t0);
    let days: Vec<u32> = p.thanks().iter().map(|t| t.day - d0).collect();
    assert_eq!(days, [0, 5, 10, 10, 20, 30]);
    assert_eq!(p.thanks_between(d0 + 5, d0 + 20).len(), 3, "days 5, 10, 10");
    assert_eq!(p.thanks_between(d0 + 31, d0 + 40).len(), 0);
    assert_eq!(p.thanks_between(d0, d0 + 1).len(), 1);
    p.remove(&backdated.unwrap());
    assert_eq!(p.thanks().iter().map(|t| t.day - d0).collect::<Vec<_>>(), [0, 10, 10, 20, 30]);
    p.push_credential(a, d0 + 3, Credential::Badge);
    p.push_credential(b, d0 + 1, Credential::Milestone);
    assert_eq!(p.credentials_between(d0, d0 + 2), [(b, d0 + 1, Credential::Milestone)]);
}
