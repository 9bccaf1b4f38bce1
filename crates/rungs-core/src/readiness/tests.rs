//! The formula of docs/READINESS.md, pinned on cases computed by hand.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::event::*;
use crate::framework::{Competency, Criterion, EvidenceRule, Expectation, Framework, Level, MilestoneModule, Track};
use crate::{OrgId, PersonId};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0).unwrap()
}

fn rule(min: u32, validated_only: bool, within: Option<u32>) -> EvidenceRule {
    EvidenceRule { min_events: min, categories: vec![], within_months: within, validated_only }
}

/// Two levels, three competencies at l2: design needs 3 points, testing needs 2
/// validated points within 12 months, delivery is the milestone `ship`; `care` has
/// no criterion.
fn fw() -> Framework {
    let comp = |k: &str| Competency { key: k.into(), name: k.to_uppercase(), category: "craft".into() };
    let exp = |c: &str, criterion| Expectation { competency: c.into(), track: "eng".into(), level: "l2".into(), text: format!("{c} at l2"), criterion };
    Framework {
        tracks: vec![Track {
            key: "eng".into(),
            name: "Eng".into(),
            levels: vec![Level { key: "l1".into(), title: "One".into() }, Level { key: "l2".into(), title: "Two".into() }],
        }],
        competencies: vec![comp("design"), comp("testing"), comp("delivery"), comp("care")],
        expectations: vec![
            exp("design", Some(Criterion::Evidence(rule(3, false, None)))),
            exp("testing", Some(Criterion::Evidence(rule(2, true, Some(12))))),
            exp("delivery", Some(Criterion::Milestone("ship".into()))),
            exp("care", None),
        ],
        milestones: vec![MilestoneModule {
            key: "ship".into(),
            track: "eng".into(),
            to_level: "l2".into(),
            title: "Ship a feature".into(),
            competencies: vec!["delivery".into()],
            criterion: EvidenceRule { min_events: 1, categories: vec![Category::ProjectCompleted], within_months: None, validated_only: false },
        }],
    }
}

struct Ledger(Vec<Event>);

impl Ledger {
    fn push(&mut self, days_ago: i64, body: EventBody, comps: &[&str]) -> EventId {
        let id = EventId::new();
        let at = now() - Duration::days(days_ago);
        self.0.push(Event {
            id,
            seq: self.0.len() as i64 + 1,
            org_id: OrgId(uuid::Uuid::nil()),
            subject: PersonId(uuid::Uuid::nil()),
            actor: None,
            occurred_at: at,
            recorded_at: at,
            body,
            competencies: comps.iter().map(std::string::ToString::to_string).collect(),
            evidence: vec![],
            idempotency_key: None,
        });
        id
    }
    fn win(&mut self, days_ago: i64, cat: Category, comps: &[&str]) -> EventId {
        let body = EventBody::MicroProgression(MicroProgression {
            category: cat,
            magnitude: Magnitude::Micro,
            title: format!("win {}", self.0.len()),
            description: None,
        });
        self.push(days_ago, body, comps)
    }
    fn validate(&mut self, target: EventId) -> EventId {
        self.push(0, EventBody::Validation(Validation { target, role: ValidatorRole::Manager, note: None }), &[])
    }
    fn reverse(&mut self, target: EventId) {
        self.push(0, EventBody::Reversal(Reversal { target, reason: "mistake".into() }), &[]);
    }
}

fn at_l1() -> Position {
    Position { track: "eng".into(), level: "l1".into(), title: "One".into() }
}

#[test]
fn weights_are_one_plus_validation_plus_recency() {
    assert_eq!(weight(false, false), 1.0);
    assert_eq!(weight(true, false), 1.5);
    assert_eq!(weight(false, true), 1.25);
    assert_eq!(weight(true, true), 1.75);
}

#[test]
fn nothing_logged_is_zero_and_everything_is_missing() {
    let r = readiness(&fw(), &at_l1(), &[], now());
    assert_eq!((r.score, r.checkable, r.next_level.as_deref()), (0, 3, Some("l2")));
    assert_eq!(r.competencies.len(), 4, "the unchecked expectation is listed too");
    assert_eq!(r.competencies[3].coverage, None);
    assert_eq!(r.competencies[0].missing.as_deref(), Some("3.00 more points of wins evidencing DESIGN"));
    let p = r.competencies[0].progress.as_ref().unwrap();
    assert!(p.points.is_sign_positive(), "no negative zero to print as -0.00");
    assert!(recommend(&r)[0].why.contains("is 0% covered (0.00 of"), "{}", recommend(&r)[0].why);
}

#[test]
fn hand_computed_mix() {
    let mut l = Ledger(vec![]);
    // design: an old plain win (1.0) and a recent validated one (1.75) = 2.75 / 3.
    l.win(400, Category::Skill, &["design"]);
    let v = l.win(10, Category::Skill, &["design"]);
    l.validate(v);
    // testing: validated_only within 12 months. An unvalidated recent win counts 0;
    // a validated win 200 days ago counts 1.5 -> 1.5 / 2 = 0.75. One 500 days ago is
    // outside the window.
    l.win(5, Category::Skill, &["testing"]);
    let t = l.win(200, Category::Skill, &["testing"]);
    l.validate(t);
    let old = l.win(500, Category::Skill, &["testing"]);
    l.validate(old);
    // delivery: the milestone needs a project_completed win; a skill win does not count.
    l.win(3, Category::Skill, &["delivery"]);
    let r = readiness(&fw(), &at_l1(), &l.0, now());
    let cov: Vec<_> = r.competencies.iter().map(|c| c.coverage).collect();
    assert_eq!(cov, vec![Some(2.75 / 3.0), Some(0.75), Some(0.0), None]);
    // (0.91667 + 0.75 + 0) / 3 = 0.55556 -> 56.
    assert_eq!(r.score, 56);
    assert_eq!(r.competencies[0].progress.as_ref().unwrap().counted.len(), 2);
    assert_eq!(r.competencies[1].progress.as_ref().unwrap().unvalidated.len(), 1);
    assert!(!r.milestones[0].complete);

    // The ranking: delivery gains 33.3, testing 8.3, design 2.8.
    let rec = recommend(&r);
    let order: Vec<_> = rec.iter().map(|x| (x.competency.as_str(), (x.gain * 10.0).round() / 10.0)).collect();
    assert_eq!(order, vec![("delivery", 33.3), ("testing", 8.3), ("design", 2.8)]);
    assert!(rec[0].steps[0].contains("Ship a feature"), "{:?}", rec[0].steps);
    assert!(rec[1].steps[0].contains("validate “win 3”"), "{:?}", rec[1].steps);
    assert!(rec[0].why.contains("rank 1 because no other of the 3 open gaps adds more"), "{}", rec[0].why);
}

#[test]
fn a_win_that_meets_the_milestone_raises_the_score_and_leads_no_more() {
    let mut l = Ledger(vec![]);
    l.win(1, Category::ProjectCompleted, &["delivery"]);
    let r = readiness(&fw(), &at_l1(), &l.0, now());
    assert!(r.milestones[0].complete);
    // delivery 1, design 0, testing 0 -> 33.
    assert_eq!(r.score, 33);
    assert!(recommend(&r).iter().all(|x| x.competency != "delivery"));
}

#[test]
fn reversed_wins_and_reversed_validations_never_count() {
    let mut l = Ledger(vec![]);
    let a = l.win(400, Category::Skill, &["design"]);
    let b = l.win(400, Category::Skill, &["design"]);
    let c = l.win(400, Category::Skill, &["design"]);
    l.reverse(a);
    let v = l.validate(b);
    l.reverse(v);
    let r = readiness(&fw(), &at_l1(), &l.0, now());
    let p = r.competencies[0].progress.clone().unwrap();
    // b (1.0, its validation reversed) + c (1.0) = 2 / 3 -> coverage 0.6667 -> 22.
    assert_eq!(p.points, 2.0);
    assert!(p.counted.iter().all(|x| x.id != a && !x.validated));
    assert_eq!(r.score, 22);
    let _ = c;
}

#[test]
fn coverage_is_capped_at_one_and_the_top_level_is_ready() {
    let mut l = Ledger(vec![]);
    for _ in 0..5 {
        l.win(1, Category::Skill, &["design"]);
    }
    let r = readiness(&fw(), &at_l1(), &l.0, now());
    assert_eq!(r.competencies[0].coverage, Some(1.0));
    let top = readiness(&fw(), &Position { level: "l2".into(), ..at_l1() }, &l.0, now());
    assert_eq!((top.score, top.next_level), (100, None));
}

#[test]
fn score_rounds_half_away_from_zero() {
    assert_eq!(score(0.125 * 4.0, 4), 13);
    assert_eq!(score(0.0, 0), 100);
    assert_eq!(score(1.0, 3), 33);
    assert_eq!(score(2.0, 3), 67);
}

#[test]
fn the_same_input_gives_the_same_answer() {
    let mut l = Ledger(vec![]);
    l.win(1, Category::Skill, &["design", "testing"]);
    let a = readiness(&fw(), &at_l1(), &l.0, now());
    let b = readiness(&fw(), &at_l1(), &l.0, now());
    assert_eq!(a, b);
    assert_eq!(recommend(&a), recommend(&b));
}

#[test]
fn a_recorded_milestone_stays_complete_after_its_wins_leave_the_window_or_are_reversed() {
    let mut l = Ledger(vec![]);
    let w = l.win(1, Category::ProjectCompleted, &["delivery"]);
    l.reverse(w);
    let body = EventBody::MilestoneCompleted(MilestoneCompleted {
        milestone: "ship".into(),
        track: "eng".into(),
        to_level: "l2".into(),
        title: "Ship a feature".into(),
        framework_version: Some(1),
        counted: vec![w],
    });
    l.push(0, body, &["delivery"]);
    let r = readiness(&fw(), &at_l1(), &l.0, now());
    assert!(r.milestones[0].complete && r.milestones[0].recorded);
    assert_eq!(r.milestones[0].progress.points, 0.0, "the reversed win does not count, the completion does");
    assert_eq!(r.score, 33);
}

/// `care` asks for recognition from 3 people (outside the team if `outside`) within
/// 12 months; the other expectations as in [`fw`].
fn fw_with_recognition(outside: bool) -> Framework {
    let mut f = fw();
    let rr = crate::framework::RecognitionRule { distinct_givers: 3, outside_team: outside, within_months: Some(12) };
    f.expectations[3].criterion = Some(Criterion::Recognition(rr));
    f
}

impl Ledger {
    fn thanks(&mut self, days_ago: i64, giver: PersonId, across: Option<bool>, comps: &[&str]) -> EventId {
        let mut r = Recognition::new("thanks for the help", 10);
        r.across_teams = across;
        let id = self.push(days_ago, EventBody::Recognition(r), comps);
        self.0.last_mut().unwrap().actor = Some(giver);
        id
    }
}

fn care(r: &Readiness) -> &CompetencyReadiness {
    r.competencies.iter().find(|c| c.competency == "care").unwrap()
}

#[test]
fn recognition_counts_once_per_giver_and_another_team_weighs_more_than_repetition() {
    let (ann, bob, cy, dee) = (PersonId::new(), PersonId::new(), PersonId::new(), PersonId::new());
    let mut l = Ledger(vec![]);
    // Ann (another team) three times: one point, not three.
    for d in [10, 20, 30] {
        l.thanks(d, ann, Some(true), &["care"]);
    }
    // Bob, same team: half a point. Cy: another team but not about care; Dee: too old.
    l.thanks(5, bob, Some(false), &["care"]);
    l.thanks(5, cy, Some(true), &["design"]);
    l.thanks(400, dee, Some(true), &["care"]);
    let r = readiness(&fw_with_recognition(false), &at_l1(), &l.0, now());
    let c = care(&r);
    let p = c.progress.as_ref().unwrap();
    assert_eq!((p.points, p.required, c.coverage), (1.5, 3, Some(0.5)));
    assert_eq!(p.counted.len(), 2, "one line per giver: {:?}", p.counted);
    assert!(p.counted.iter().any(|x| x.title.contains("another team") && x.title.contains("2 more from the same person add nothing")), "{:?}", p.counted);
    assert_eq!(r.checkable, 4, "a recognition criterion is part of the score");
    assert!(c.missing.as_deref().unwrap().contains("1.50 more points of recognition for CARE"), "{:?}", c.missing);
    // A self-recognition or one without a giver never counts; a reversed one neither.
    let e = l.thanks(1, PersonId(uuid::Uuid::nil()), Some(true), &["care"]);
    let f = l.thanks(1, cy, Some(true), &["care"]);
    l.reverse(f);
    let _ = e;
    let again = readiness(&fw_with_recognition(false), &at_l1(), &l.0, now());
    assert_eq!(care(&again).progress.as_ref().unwrap().points, 1.5);
}

#[test]
fn outside_the_team_only_counts_people_from_other_teams_and_says_who_is_missing() {
    let mut l = Ledger(vec![]);
    l.thanks(3, PersonId::new(), Some(true), &["care"]);
    l.thanks(3, PersonId::new(), Some(false), &["care"]);
    // Imported history without the stamp counts as the same team.
    l.thanks(3, PersonId::new(), None, &["care"]);
    let r = readiness(&fw_with_recognition(true), &at_l1(), &l.0, now());
    let c = care(&r);
    let p = c.progress.as_ref().unwrap();
    assert_eq!((p.points, p.counted.len(), p.unvalidated.len()), (1.0, 1, 2));
    assert_eq!(c.missing.as_deref(), Some("recognition for CARE from 2 more people outside your team in the last 12 months"));
    let rec = recommend(&r);
    let steps = &rec.iter().find(|x| x.competency == "care").unwrap().steps;
    assert!(steps.iter().any(|s| s.contains("outside your team") && s.contains("once per person")), "{steps:?}");
    // Two more people from other teams: met.
    l.thanks(1, PersonId::new(), Some(true), &["care"]);
    l.thanks(1, PersonId::new(), Some(true), &["care"]);
    assert_eq!(care(&readiness(&fw_with_recognition(true), &at_l1(), &l.0, now())).coverage, Some(1.0));
}

#[test]
fn organization_readiness_counts_recognition_as_the_person_answer_does() {
    let me = PersonId(uuid::Uuid::nil());
    let mut l = Ledger(vec![]);
    for d in [10, 20] {
        l.thanks(d, PersonId::new(), Some(true), &["care"]);
    }
    let giver = PersonId::new();
    l.thanks(4, giver, Some(false), &["care"]);
    l.thanks(2, giver, Some(true), &["care"]);
    let gone = l.thanks(1, PersonId::new(), Some(true), &["care"]);
    l.reverse(gone);
    l.thanks(1, me, Some(true), &["care"]);
    for outside in [false, true] {
        let f = fw_with_recognition(outside);
        let one = readiness(&f, &at_l1(), &l.0, now());
        let mut org = org::OrgReadiness::new(&f);
        for e in &l.0 {
            org.add_event(e);
        }
        let s = org.summary(me, &at_l1(), now());
        assert_eq!((s.score, s.checkable), (one.score, one.checkable), "outside_team: {outside}");
        assert_eq!(care(&one).progress.as_ref().unwrap().points, 3.0, "the giver from both teams counts once, at their best");
    }
}

#[test]
fn a_micro_promotion_naming_competencies_is_a_validated_responsibility_win() {
    let mut l = Ledger(vec![]);
    let with = l.push(10, EventBody::MicroPromotion(MicroPromotion { scope: "Leads on-call".into(), note: None }), &["design"]);
    l.push(10, EventBody::MicroPromotion(MicroPromotion { scope: "Runs the demo".into(), note: None }), &[]);
    let w = wins(&l.0, now());
    assert_eq!(w.len(), 1, "one without competencies is not evidence");
    assert_eq!((w[0].id, w[0].title.as_str(), w[0].category, w[0].validated), (with, "Micro-promotion: Leads on-call", Category::Responsibility, true));
    l.reverse(with);
    assert!(wins(&l.0, now()).is_empty(), "a reversed micro-promotion does not count");
}
