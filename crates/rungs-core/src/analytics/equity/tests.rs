//! The equity audit on an organization built with known rates; the expected p-values
//! were computed offline with exact rationals (Python `fractions`, `math.comb`).

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::PersonId;
use crate::analytics::{Member, Progressions, Thanks};

fn member(hired: DateTime<Utc>, attr: Option<&str>) -> Member {
    Member {
        id: PersonId::new(),
        name: "x".into(),
        title: "x".into(),
        track: "engineering".into(),
        level: "e2".into(),
        department: None,
        manager_id: None,
        hired,
        ended: None,
        level_since: hired,
        level_rank: Some(1),
        levels_in_track: 7,
        sensitive: attr.map(|v| [("gender".to_string(), v.to_string())].into()).unwrap_or_default(),
    }
}

#[test]
fn rates_ratios_fisher_and_suppression_match_hand_computed_answers() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let start = now - Duration::days(365);
    let hired = start - Duration::days(400);
    let mid = start + Duration::days(100);
    let mut members = Vec::new();
    let mut p = Progressions::default();
    let giver = member(hired, None);
    // f: 40 people, 10 promoted, 30 recognized; m: 50, 25 promoted, 29 recognized;
    // x: 3 people (suppressed); 2 without the attribute; 4 f hired after the start.
    for (g, n, promoted, thanked) in [("f", 40, 10, 30), ("m", 50, 25, 29), ("x", 3, 3, 3)] {
        for k in 0..n {
            let m = member(hired, Some(g));
            if k < promoted {
                p.record(m.id, mid, Step::Promotion);
            }
            if k < thanked {
                p.push_thanks(Thanks { giver: giver.id, receiver: m.id, day: day(mid), points: 1 });
            }
            members.push(m);
        }
    }
    for _ in 0..2 {
        members.push(member(hired, None));
    }
    for _ in 0..4 {
        let m = member(mid, Some("f"));
        p.record(m.id, mid + Duration::days(1), Step::Promotion);
        members.push(m);
    }
    // A promotion before the period does not count.
    p.record(members[20].id, start - Duration::days(3), Step::Promotion);
    members.push(giver);
    let snap = Snapshot::new(members, p, now);
    let who: Vec<usize> = (0..snap.members.len()).collect();
    let r = equity(&snap, &who, None, start, now);

    assert_eq!(r.attribute.as_deref(), Some("gender"));
    assert_eq!(r.attributes, vec!["gender".to_string()]);
    assert_eq!(r.cohort, 40 + 50 + 3 + 2 + 1, "hired after the start: not in the cohort");
    assert_eq!(r.not_recorded, 3);
    assert_eq!(r.suppressed.len(), 1);
    assert_eq!(r.suppressed[0].group, "x");
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("\"group\":\"x\",\"people\""), "a suppressed group's numbers are never shown");

    let promo = &r.outcomes[0];
    assert_eq!(promo.reference_group.as_deref(), Some("m"));
    let (m, f) = (&promo.groups[0], &promo.groups[1]);
    assert_eq!((m.group.as_str(), m.people, m.selected, m.fisher_p), ("m", 50, 25, None));
    assert_eq!((f.group.as_str(), f.people, f.selected), ("f", 40, 10));
    assert!((f.ratio_to_highest.unwrap() - 0.5).abs() < 1e-12 && f.below_four_fifths);
    // Fisher [[10, 30], [25, 25]]; χ² of the same table: 5.844156, p 0.0156289.
    assert!((f.fisher_p.unwrap() - 0.018056098548588792).abs() < 1e-12, "{:?}", f.fisher_p);
    let t = promo.test.as_ref().unwrap();
    assert!((t.chi_square - 5.8441558441558445).abs() < 1e-9 && (t.p_value - 0.015628869828028358).abs() < 1e-9, "{t:?}");
    assert!(promo.finding.contains("ratio 0.50") && promo.finding.contains("below four-fifths"), "{}", promo.finding);

    let rec = &r.outcomes[1];
    assert_eq!(rec.reference_group.as_deref(), Some("f"), "30/40 beats 29/50");
    let m = &rec.groups[1];
    assert!((m.ratio_to_highest.unwrap() - 0.58 / 0.75).abs() < 1e-12 && m.below_four_fifths);
    assert!((m.fisher_p.unwrap() - 0.11935308942841712).abs() < 1e-12);
}

#[test]
fn without_attributes_there_is_nothing_to_compare_and_a_lone_group_says_so() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let start = now - Duration::days(365);
    let members: Vec<Member> = (0..6).map(|_| member(start - Duration::days(10), None)).collect();
    let snap = Snapshot::new(members, Progressions::default(), now);
    let who: Vec<usize> = (0..6).collect();
    let r = equity(&snap, &who, None, start, now);
    assert_eq!((r.attribute, r.outcomes.len(), r.not_recorded), (None, 0, 6));

    let members: Vec<Member> = (0..6).map(|_| member(start - Duration::days(10), Some("f"))).collect();
    let snap = Snapshot::new(members, Progressions::default(), now);
    let r = equity(&snap, &who, Some("gender"), start, now);
    assert!(r.outcomes[0].finding.contains("fewer than two groups"), "{}", r.outcomes[0].finding);
    assert!(r.outcomes[0].test.is_none());
}
