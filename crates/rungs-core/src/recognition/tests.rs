use chrono::{DateTime, TimeZone, Utc};

use super::collusion::{FlagKind, detect};
use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn the_allowance_resets_at_local_midnight_of_the_reset_day() {
    let p = Policy { time_zone: "Europe/Berlin".into(), reset_day: 15, ..Policy::default() };
    // 14 March 23:30 UTC is 15 March 00:30 in Berlin (CET, +1): the new period.
    let at = p.period_at(t("2025-03-14T23:30:00Z"));
    assert_eq!(at.start, t("2025-03-14T23:00:00Z"));
    // 15 April is in summer time (+2).
    assert_eq!(at.end, t("2025-04-14T22:00:00Z"));
    // Half an hour earlier is still the February period.
    let before = p.period_at(t("2025-03-14T22:30:00Z"));
    assert_eq!(before.start, t("2025-02-14T23:00:00Z"));
    assert_eq!(before.end, at.start);
}

#[test]
fn a_january_instant_before_the_reset_belongs_to_december() {
    let p = Policy { reset_day: 3, ..Policy::default() };
    let at = p.period_at(Utc.with_ymd_and_hms(2025, 1, 2, 12, 0, 0).unwrap());
    assert_eq!(at.start, t("2024-12-03T00:00:00Z"));
    assert_eq!(at.end, t("2025-01-03T00:00:00Z"));
}

#[test]
fn a_bad_policy_names_each_field() {
    let p = Policy {
        time_zone: "Mars/Olympus".into(),
        reset_day: 31,
        pair_cap: 0,
        values: vec!["ok".into(), "Not A Key".into(), "ok".into()],
        ..Policy::default()
    };
    let e = p.validate().unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["time_zone", "reset_day", "pair_cap", "values[1]", "values[2]"]);
}

#[test]
fn a_gift_names_each_bad_field() {
    let a = PersonId::new();
    let g = GiftInput { to: vec![a, a], message: " ".into(), points: 5000, tags: vec!["greed".into()], competencies: vec!["Bad".into()], public: true };
    let e = g.parse(&Policy::default()).unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["to[1]", "message", "points", "tags[0]", "competencies[0]"]);
}

fn flow(g: PersonId, r: PersonId, points: u64, count: u64) -> Flow {
    Flow { giver: g, receiver: r, points, count }
}

/// A team-shaped organization: 30 teams of 5, each member giving each teammate a
/// little; plus whatever `extra` adds.
fn org(extra: impl Fn(&[PersonId]) -> Vec<Flow>) -> (Vec<PersonId>, Vec<Flow>) {
    let mut people: Vec<PersonId> = (0..150).map(|_| PersonId::new()).collect();
    people.sort();
    let mut flows = Vec::new();
    for team in people.chunks(5) {
        for (i, g) in team.iter().enumerate() {
            for (j, r) in team.iter().enumerate() {
                if i != j {
                    flows.push(flow(*g, *r, 10 + ((i * 7 + j * 3) % 11) as u64, 2));
                }
            }
        }
    }
    flows.extend(extra(&people));
    (people, flows)
}

#[test]
fn a_ring_trading_points_is_flagged_with_its_numbers() {
    let (p, flows) = org(|p| vec![flow(p[0], p[40], 150, 6), flow(p[40], p[80], 150, 6), flow(p[80], p[0], 150, 6)]);
    let r = detect(&flows, t("2025-01-01T00:00:00Z"), t("2025-04-01T00:00:00Z"));
    assert_eq!(r.flags.len(), 1, "{:#?}", r.flags);
    let f = &r.flags[0];
    assert_eq!(f.kind, FlagKind::Ring);
    assert_eq!(f.members, vec![p[0], p[40], p[80]]);
    assert!(f.edges.iter().all(|e| e.points == 150 && e.share > 0.7));
    assert!(r.baseline.edge_points_p99 < 150);
    assert_eq!(f.excess_points, 3 * (150 - r.baseline.edge_points_p99));
    let why = f.explain(&r.baseline, |id| p.iter().position(|x| *x == id).unwrap().to_string());
    assert!(why.contains("0 → 40: 150 points in 6 recognitions"), "{why}");
    assert!(why.contains("99% of cases"), "{why}");
}

#[test]
fn a_pair_is_flagged_but_one_heavy_direction_is_not() {
    let (p, flows) = org(|p| vec![flow(p[1], p[60], 200, 8), flow(p[60], p[1], 180, 7), flow(p[2], p[90], 300, 10)]);
    let r = detect(&flows, t("2025-01-01T00:00:00Z"), t("2025-04-01T00:00:00Z"));
    assert_eq!(r.flags.len(), 1, "{:#?}", r.flags);
    assert_eq!(r.flags[0].kind, FlagKind::Pair);
    let mut want = vec![p[1], p[60]];
    want.sort();
    assert_eq!(r.flags[0].members, want);
}

#[test]
fn an_ordinary_organization_has_no_flags() {
    let (_, flows) = org(|_| vec![]);
    assert!(detect(&flows, t("2025-01-01T00:00:00Z"), t("2025-04-01T00:00:00Z")).flags.is_empty());
}
