//! The traps the report guards against, on synthetic organizations with known truth.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::super::stats::{Obs, log_rank};
use super::super::{Member, Progressions, Snapshot, Step, months};
use super::*;
use crate::PersonId;

/// A small deterministic generator (xorshift64*): no dependency for a test.
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Exponential waiting time in months at `rate` per month.
    fn wait(&mut self, rate: f64) -> f64 {
        -(1.0 - self.unit()).ln() / rate
    }
}

fn at(base: DateTime<Utc>, m: f64) -> DateTime<Utc> {
    base + Duration::days((m * 30.44).round() as i64)
}

fn member(id: PersonId, hired: DateTime<Utc>, ended: Option<DateTime<Utc>>) -> Member {
    Member {
        sensitive: Default::default(),
        id,
        name: "x".into(),
        title: "x".into(),
        track: "engineering".into(),
        level: "e2".into(),
        department: None,
        manager_id: None,
        hired,
        ended,
        level_since: hired,
        level_rank: Some(1),
        levels_in_track: 7,
    }
}

/// An organization where leaving and promotion are independent constant-rate events:
/// nothing drives retention.
fn null_org(n: usize, now: DateTime<Utc>) -> Snapshot {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start = now - Duration::days(3653);
    let (mut members, mut prog) = (vec![], Progressions::default());
    for _ in 0..n {
        let id = PersonId::new();
        let hired = at(start, rng.unit() * 110.0);
        let stay = rng.wait(0.015);
        let ended = Some(at(hired, stay)).filter(|e| *e < now);
        let mut t = rng.wait(1.0 / 18.0);
        while at(hired, t) < ended.unwrap_or(now) {
            prog.record(id, at(hired, t), Step::Promotion);
            t += rng.wait(1.0 / 18.0);
        }
        members.push(member(id, hired, ended));
    }
    Snapshot::new(members, prog, now)
}

#[test]
fn the_naive_comparison_by_time_since_promotion_invents_an_effect_the_landmark_one_does_not() {
    let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let snap = null_org(3000, now);
    // Naive: time since the last promotion at the end of each person's observation,
    // tenure from hire as the outcome. Long since a promotion implies long tenure.
    let (mut short, mut long) = (vec![], vec![]);
    for m in &snap.members {
        let end = m.ended.unwrap_or(now);
        let since = months(snap.level_since(m, end), end);
        let o = Obs { time: months(m.hired, end), event: m.ended.is_some() };
        if since >= 24.0 { long.push(o) } else { short.push(o) }
    }
    let naive = log_rank(&[short, long]).unwrap();
    assert!(naive.p_value < 1e-6, "the trap springs: {naive:?}");
    // The report's landmark comparison finds no difference where there is none.
    let r = what_works(&snap, now, now - Months::new(18));
    let c = r.comparisons.iter().find(|c| c.id == "retention_by_time_since_promotion").unwrap();
    let t = c.log_rank.as_ref().unwrap();
    assert!(t.p_value > 0.05, "the landmark analysis invents no effect: {t:?}");
    assert!(c.finding.contains("do not clearly differ"), "{}", c.finding);
    // And it says what it rests on.
    assert_eq!(c.groups.iter().map(|g| g.people).sum::<usize>(), r.cohort);
    assert!(r.cohort > 500 && r.excluded_short_history > 0);
}

#[test]
fn people_still_employed_are_censored_at_the_end_of_the_data_and_leavers_at_leaving_for_promotion() {
    let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let landmark = now - Months::new(18);
    let hired = landmark - Months::new(30);
    let (stays, leaves) = (PersonId::new(), PersonId::new());
    let left = landmark + Months::new(6);
    let mut prog = Progressions::default();
    prog.record(stays, landmark + Months::new(3), Step::Promotion);
    let snap = Snapshot::new(vec![member(stays, hired, None), member(leaves, hired, Some(left))], prog, now);
    let r = what_works(&snap, now, landmark);
    let retention = &r.comparisons.iter().find(|c| c.id == "retention_by_time_since_promotion").unwrap().groups[2];
    assert_eq!((retention.people, retention.events, retention.censored), (2, 1, 1));
    let last = retention.points.last().unwrap();
    assert!((last.time - months(landmark, now)).abs() < 0.01 && last.censored == 1);
    let promo = &r.comparisons.iter().find(|c| c.id == "promotion_by_time_since_promotion").unwrap().groups[2];
    // One promoted at 3 months; the leaver censored at 6 months, not counted as never promoted.
    assert_eq!((promo.events, promo.censored), (1, 1));
    assert!(promo.points.iter().any(|p| p.censored == 1 && (p.time - months(landmark, left)).abs() < 0.01));
}
