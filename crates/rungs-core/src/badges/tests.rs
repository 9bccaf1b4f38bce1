use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::event::{Category, Magnitude};
use crate::{EventId, PersonId};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap()
}

fn fact(seq: i64, subject: PersonId, days: i64, body: FactBody) -> BadgeFact {
    let at = t0() + Duration::days(days);
    BadgeFact { seq, id: EventId::new(), subject, actor: None, occurred_at: at, recorded_at: at, body }
}

fn win(seq: i64, subject: PersonId, days: i64, category: Category) -> BadgeFact {
    fact(seq, subject, days, FactBody::Win { category, magnitude: Magnitude::Micro, competencies: vec![] })
}

fn skill_burst() -> BadgeDef {
    parse_badge(&json!({
        "key": "skill-burst", "name": "Skill-Burst",
        "tiers": {
            "bronze": {"count": {"category": "skill", "validated": true, "within_days": 90, "at_least": 5}},
            "silver": {"count": {"category": "skill", "validated": true, "within_days": 90, "at_least": 6}},
        }
    }))
    .unwrap()
}

fn fields(e: crate::ValidationError) -> Vec<String> {
    e.errors.into_iter().map(|f| f.field).collect()
}

#[test]
fn every_starter_badge_parses_and_round_trips_through_json() {
    let set = starter::starter();
    assert_eq!(
        set.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        ["Skill-Burst", "Nano-Progressions", "Agile Laddering", "Stepwise Amplification", "On-the-Spot"]
    );
    for b in set {
        let back = parse_badge(&serde_json::to_value(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        // The YAML the administration page puts in its editor reads back the same.
        assert_eq!(parse_badge_yaml(&badge_yaml(&b)).unwrap(), b, "{}", badge_yaml(&b));
    }
}

#[test]
fn rule_errors_name_their_position_in_the_rule() {
    let e = parse_badge(&json!({
        "key": "Bad Key", "name": "x",
        "tiers": {
            "gold": {"all": [{"count": {"at_least": 2}}, {"count": {"category": "juggling", "at_least": 0}}]},
            "platinum": {"first": {}},
            "silver": {"n_of": {"n": 3, "of": [{"milestone": {}}]}},
            "bronze": {"count": {"kind": "recognition", "validated": true, "at_least": 1, "colour": "red"}},
        }
    }))
    .unwrap_err();
    let f = fields(e);
    for want in [
        "key",
        "tiers.gold.all[1].count.category",
        "tiers.gold.all[1].count.at_least",
        "tiers.platinum",
        "tiers.silver.n_of.n",
        "tiers.bronze.count.validated",
        "tiers.bronze.count.colour",
    ] {
        assert!(f.iter().any(|x| x == want), "no error at {want}: {f:?}");
    }
}

#[test]
fn a_rule_must_be_one_known_rule() {
    let e = parse_badge(&json!({"key": "a", "name": "A", "rule": {"count": {"at_least": 1}, "first": {}}})).unwrap_err();
    assert_eq!(fields(e), ["rule"]);
    let e = parse_badge(&json!({"key": "a", "name": "A", "rule": {"any": [{"sometimes": {}}]}})).unwrap_err();
    assert_eq!(fields(e), ["rule.any[0].sometimes"]);
    let e = parse_badge_yaml("key: a\nname: A\nrule: {streak: {weeks: many}}\n").unwrap_err();
    assert_eq!(fields(e), ["rule.streak.weeks"]);
}

#[test]
fn five_validated_skill_wins_within_ninety_days_earn_bronze_with_those_wins() {
    let me = PersonId::new();
    let mut engine = Engine::new(vec![skill_burst()]);
    let mut facts = vec![];
    let mut wins = vec![];
    for i in 0..6 {
        let w = win(2 * i + 1, me, i * 10, if i == 0 { Category::Learning } else { Category::Skill });
        facts.push(w.clone());
        wins.push(w.id);
        facts.push(fact(2 * i + 2, me, i * 10, FactBody::Validation { target: w.id }));
    }
    let touched = engine.apply(&facts[..9], true);
    assert!(engine.due_touched(&touched).is_empty(), "four skill wins validated so far");
    let touched = engine.apply(&facts[9..], true);
    let due = engine.due_touched(&touched);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].tier, Tier::Bronze);
    assert_eq!(due[0].earned_by, wins[1..].to_vec());
    // The same state judged cold agrees.
    let mut cold = Engine::new(vec![skill_burst()]);
    cold.apply(&facts, false);
    assert_eq!(cold.due_all(t0() + Duration::days(50)), due);
}

#[test]
fn a_reversed_or_unvalidated_or_expired_win_does_not_count() {
    let me = PersonId::new();
    let mut facts = vec![];
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        seq
    };
    for i in 0..5 {
        let w = win(next(), me, i, Category::Skill);
        facts.push(fact(next(), me, i, FactBody::Validation { target: w.id }));
        facts.insert(facts.len() - 1, w);
    }
    let mut e = Engine::new(vec![skill_burst()]);
    e.apply(&facts, false);
    assert_eq!(e.due_all(t0() + Duration::days(10)).len(), 1);
    // Ninety days after the first win it has left the window.
    assert!(e.due_all(t0() + Duration::days(90)).is_empty());
    // A reversed validation unvalidates.
    let validation = facts[1].id;
    e.apply(&[fact(next(), me, 5, FactBody::Reversal { target: validation })], false);
    assert!(e.due_all(t0() + Duration::days(10)).is_empty());
}

#[test]
fn a_held_tier_is_never_due_again_and_other_badges_are_not_touched() {
    let me = PersonId::new();
    let other = parse_badge(&json!({"key": "givers", "name": "Givers", "rule": {"distinct_givers": {"at_least": 1}}})).unwrap();
    let mut e = Engine::new(vec![skill_burst(), other]);
    let mut facts = vec![];
    for i in 0..5 {
        let w = win(2 * i + 1, me, i, Category::Skill);
        facts.push(fact(2 * i + 2, me, i, FactBody::Validation { target: w.id }));
        facts.insert(facts.len() - 1, w);
    }
    let touched = e.apply(&facts, true);
    assert_eq!(touched[&me].0.iter().copied().collect::<Vec<_>>(), [0], "a win touches the win badge only");
    e.apply(&[fact(100, me, 6, FactBody::Award { badge: "skill-burst".into(), tier: Tier::Bronze })], false);
    assert!(e.due_all(t0() + Duration::days(10)).is_empty());
}

#[test]
fn streaks_points_givers_firsts_and_combinations() {
    let me = PersonId::new();
    let defs = json!([
        {"key": "streak", "name": "S", "rule": {"streak": {"weeks": 3}}},
        {"key": "points", "name": "P", "rule": {"points_received": {"at_least": 30}}},
        {"key": "givers", "name": "G", "rule": {"distinct_givers": {"at_least": 2}}},
        {"key": "first-cert", "name": "F", "rule": {"first": {"category": "certification"}}},
        {"key": "combo", "name": "C", "rule": {"n_of": {"n": 2, "of": [{"milestone": {}}, {"streak": {"weeks": 3}}, {"first": {"category": "certification"}}]}}},
    ]);
    let defs: Vec<BadgeDef> = defs.as_array().unwrap().iter().map(|d| parse_badge(d).unwrap()).collect();
    let mut e = Engine::new(defs);
    let (a, b) = (PersonId::new(), PersonId::new());
    let rec = |seq, days, actor, points| BadgeFact { actor: Some(actor), ..fact(seq, me, days, FactBody::Recognition { points, competencies: vec![] }) };
    e.apply(
        &[
            // Weeks of 2025-03-03, 03-10 and 03-24: a gap, no streak yet.
            win(1, me, 0, Category::Skill),
            win(2, me, 8, Category::Skill),
            win(3, me, 21, Category::Skill),
            rec(4, 1, a, 20),
            rec(5, 2, a, 5),
        ],
        false,
    );
    let keys = |e: &Engine| e.due_all(t0() + Duration::days(40)).into_iter().map(|d| d.badge).collect::<Vec<_>>();
    assert!(keys(&e).is_empty(), "{:?}", keys(&e));
    e.apply(&[win(6, me, 15, Category::Certification), rec(7, 3, b, 5)], false);
    assert_eq!(keys(&e), ["streak", "points", "givers", "first-cert", "combo"]);
}

#[test]
fn the_svg_escapes_the_name() {
    let svg = badge_svg("x", "<script>", Tier::Gold);
    assert!(svg.starts_with("<svg") && !svg.contains("<script>"));
}

#[test]
fn streak_weeks_are_the_organizations_calendar_weeks() {
    // Monday 3 March 2025 10:00 UTC, and Sunday 9 March 23:30 UTC — which is already
    // Monday 10 March 00:30 in Berlin. In UTC both fall in one week; in Berlin, two.
    let def = parse_badge(&json!({"key": "two-weeks", "name": "Two Weeks", "rule": {"streak": {"weeks": 2}}})).unwrap();
    let rule = &def.tiers[&Tier::Bronze];
    let me = PersonId::new();
    let monday = Utc.with_ymd_and_hms(2025, 3, 3, 10, 0, 0).unwrap();
    let sunday_night = Utc.with_ymd_and_hms(2025, 3, 9, 23, 30, 0).unwrap();
    let mut p = PersonFacts::default();
    for (seq, at) in [(1, monday), (2, sunday_night)] {
        let f = BadgeFact {
            seq,
            id: EventId::new(),
            subject: me,
            actor: None,
            occurred_at: at,
            recorded_at: at,
            body: FactBody::Win { category: Category::Skill, magnitude: Magnitude::Micro, competencies: vec![] },
        };
        p.apply(&f, |_| true);
    }
    let now = Utc.with_ymd_and_hms(2025, 3, 10, 9, 0, 0).unwrap();
    assert_eq!(evaluate(rule, &p, now), None, "one UTC week");
    let berlin: crate::badges::TimeZone = "Europe/Berlin".parse().unwrap();
    assert_eq!(evaluate_in(rule, &p, now, berlin).map(|ids| ids.len()), Some(2), "two Berlin weeks");
    // The engine judges in the zone it is given.
    let mut e = Engine::new(vec![def.clone()]);
    e.time_zone = berlin;
    e.people.insert(me, p);
    assert_eq!(e.due_all(now).len(), 1);
}

/// The rule in words reads as English for one as for many.
#[test]
fn rules_in_words_agree_in_number() {
    let one = parse_badge(&serde_json::json!({"key": "k", "name": "K", "tiers": {"bronze": {"all": [
        {"count": {"kind": "micro_progression", "within_days": 1, "at_least": 1}},
        {"streak": {"kind": "micro_progression", "weeks": 1}},
        {"points_received": {"within_days": 1, "at_least": 1}},
        {"distinct_givers": {"at_least": 1}}
    ]}}}))
    .expect("a valid rule");
    let words = one.tiers.values().next().unwrap().describe();
    for bad in ["1 days", "1 weeks", "1 recognition points", "1 different people"] {
        assert!(!words.contains(bad), "{bad} in {words}");
    }
    assert!(words.contains("in the last day") && words.contains("for 1 week in a row") && words.contains("1 different person"), "{words}");
}
