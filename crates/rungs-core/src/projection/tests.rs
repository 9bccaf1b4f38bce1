use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::event::*;
use crate::person::Position;
use crate::{OrgId, PersonId};

fn pos(level: &str) -> Position {
    Position { track: "engineering".into(), level: level.into(), title: format!("Engineer {level}") }
}

struct Script {
    org: OrgId,
    subject: PersonId,
    events: Vec<Event>,
}

impl Script {
    fn new() -> Self {
        let mut s = Script { org: OrgId::new(), subject: PersonId::new(), events: vec![] };
        s.push(
            0,
            EventBody::Hired(Hired {
                name: "Ada".into(),
                email: "ada@example.com".into(),
                manager_id: None,
                department: Some("Platform".into()),
                location: None,
                position: pos("l2"),
                pay_band: None,
                sensitive: Default::default(),
            }),
        );
        s
    }

    fn push(&mut self, day: i64, body: EventBody) -> EventId {
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap() + Duration::days(day);
        let id = EventId::new();
        self.events.push(Event {
            id,
            seq: self.events.len() as i64 + 1,
            org_id: self.org,
            subject: self.subject,
            actor: None,
            occurred_at: at,
            recorded_at: at,
            body,
            competencies: vec![],
            evidence: vec![],
            idempotency_key: None,
        });
        id
    }

    /// Fold incrementally, the way the store does on append.
    fn incremental(&self) -> Person {
        let mut p = hire(&self.events[0]).unwrap();
        for (i, e) in self.events.iter().enumerate().skip(1) {
            if needs_refold(&p, e) {
                p = fold(&self.events[..=i]).unwrap();
            } else {
                apply(&mut p, e);
            }
        }
        p
    }
}

fn win() -> EventBody {
    EventBody::MicroProgression(MicroProgression { category: Category::Skill, magnitude: Magnitude::Micro, title: "x".into(), description: None })
}

#[test]
fn a_promotion_moves_the_level_and_resets_time_in_level() {
    let mut s = Script::new();
    s.push(10, win());
    s.push(200, EventBody::Promotion(Promotion { to: pos("l3"), pay_band: None, note: None }));
    let p = fold(&s.events).unwrap();
    assert_eq!(p.position.level, "l3");
    assert_eq!(p.level_since, s.events[2].occurred_at);
    assert_eq!(p.last_progression_at, Some(s.events[2].occurred_at));
    assert_eq!(p.micro_progressions, 1);
    assert_eq!(p, s.incremental());
}

#[test]
fn a_reversed_promotion_no_longer_counts_but_stays_in_the_ledger() {
    let mut s = Script::new();
    let promo = s.push(100, EventBody::Promotion(Promotion { to: pos("l3"), pay_band: None, note: None }));
    s.push(101, EventBody::Reversal(Reversal { target: promo, reason: "wrong person".into() }));
    let p = s.incremental();
    assert_eq!(p.position.level, "l2");
    assert_eq!(p.promotions, 0);
    assert_eq!(s.events.len(), 3);
    assert_eq!(p, fold(&s.events).unwrap());
}

#[test]
fn a_backdated_event_is_folded_in_date_order() {
    let mut s = Script::new();
    s.push(300, EventBody::Promotion(Promotion { to: pos("l4"), pay_band: None, note: None }));
    s.push(100, EventBody::Promotion(Promotion { to: pos("l3"), pay_band: None, note: None }));
    let p = s.incremental();
    assert_eq!(p.position.level, "l4", "the later promotion wins even though it was recorded first");
    assert_eq!(p, fold(&s.events).unwrap());
}

#[test]
fn a_departure_ends_employment() {
    let mut s = Script::new();
    s.push(50, EventBody::Departure(Departure { reason: DepartureReason::Voluntary, note: None }));
    let p = fold(&s.events).unwrap();
    assert_eq!(p.status, crate::person::PersonStatus::Departed);
    assert_eq!(p.end_reason.as_deref(), Some("voluntary"));
}

#[test]
fn reversing_a_reversal_or_a_hire_is_refused() {
    let mut s = Script::new();
    let w = s.push(5, win());
    let r = s.push(6, EventBody::Reversal(Reversal { target: w, reason: "dup".into() }));
    let person = fold(&s.events).unwrap();
    let mk = |target: &Event| NewEvent {
        id: EventId::new(),
        org_id: s.org,
        subject: s.subject,
        actor: None,
        occurred_at: target.occurred_at,
        recorded_at: target.occurred_at,
        body: EventBody::Reversal(Reversal { target: target.id, reason: "again".into() }),
        competencies: vec![],
        evidence: vec![],
        idempotency_key: None,
    };
    let rev = s.events.iter().find(|e| e.id == r).unwrap();
    let ctx = AppendContext { subject: Some(&person), target: Some(rev), target_reversed: false };
    assert_eq!(check_append(&mk(rev), &ctx).unwrap_err().errors[0].field, "payload.target");
    let hired = &s.events[0];
    let ctx = AppendContext { subject: Some(&person), target: Some(hired), target_reversed: false };
    assert!(check_append(&mk(hired), &ctx).is_err());
    let won = s.events.iter().find(|e| e.id == w).unwrap();
    let ctx = AppendContext { subject: Some(&person), target: Some(won), target_reversed: true };
    assert!(check_append(&mk(won), &ctx).is_err(), "an event is reversed at most once");
}

#[test]
fn backdated_wins_fold_without_a_refold_and_still_equal_a_rebuild() {
    let mut s = Script::new();
    s.push(100, EventBody::Promotion(Promotion { to: pos("l3"), pay_band: None, note: None }));
    s.push(50, win());
    let p = hire(&s.events[0]).unwrap();
    assert!(!needs_refold(&p, &s.events[2]), "a win is order-insensitive");
    assert!(needs_refold(&fold(&s.events[..2]).unwrap(), &s.events[1].clone_with_day(10)), "a backdated promotion is not");
    let live = s.incremental();
    assert_eq!(live, fold(&s.events).unwrap());
    assert_eq!(live.last_progression_at, Some(s.events[1].occurred_at), "the later promotion stays the last progression");
}

impl Event {
    fn clone_with_day(&self, day: i64) -> Event {
        let mut e = self.clone();
        e.occurred_at = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap() + Duration::days(day);
        e
    }
}
