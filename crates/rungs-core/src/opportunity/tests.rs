use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::ApplicationId;

fn opp(capacity: u32, taken: u32) -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        org_id: OrgId::new(),
        owner: PersonId::new(),
        title: "Build the on-call dashboard".into(),
        description: None,
        competencies: vec!["observability".into()],
        category: crate::event::Category::ProjectCompleted,
        capacity,
        status: OpportunityStatus::Open,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        closed_at: None,
        taken,
        pending: 0,
    }
}

fn app(o: &Opportunity, status: ApplicationStatus) -> Application {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
    Application {
        id: ApplicationId::new(),
        org_id: o.org_id,
        opportunity_id: o.id,
        applicant: PersonId::new(),
        note: None,
        status,
        created_at: at,
        updated_at: at,
        evidence: None,
    }
}

fn conflict_field(r: StoreResult<()>) -> String {
    match r {
        Err(StoreError::Conflict { field, .. }) => field,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn an_application_moves_only_along_the_workflow() {
    let o = opp(2, 0);
    assert!(check_move(&o, &app(&o, ApplicationStatus::Applied), Move::Accept).is_ok());
    assert!(check_move(&o, &app(&o, ApplicationStatus::Applied), Move::Decline).is_ok());
    assert!(check_move(&o, &app(&o, ApplicationStatus::Accepted), Move::Complete).is_ok());
    assert!(check_move(&o, &app(&o, ApplicationStatus::Accepted), Move::Withdraw).is_ok());
    // Completing needs an accepted application; a completed one cannot be withdrawn.
    assert_eq!(conflict_field(check_move(&o, &app(&o, ApplicationStatus::Applied), Move::Complete)), "status");
    assert_eq!(conflict_field(check_move(&o, &app(&o, ApplicationStatus::Completed), Move::Withdraw)), "status");
    assert_eq!(conflict_field(check_move(&o, &app(&o, ApplicationStatus::Declined), Move::Accept)), "status");
}

#[test]
fn the_last_place_can_be_taken_once() {
    let full = opp(2, 2);
    assert_eq!(conflict_field(check_move(&full, &app(&full, ApplicationStatus::Applied), Move::Accept)), "capacity");
    // Declining needs no place.
    assert!(check_move(&full, &app(&full, ApplicationStatus::Applied), Move::Decline).is_ok());
    assert_eq!(conflict_field(check_apply(&full, &app(&full, ApplicationStatus::Applied), None)), "capacity");
}

#[test]
fn nobody_applies_twice_or_to_their_own_or_a_closed_opportunity() {
    let o = opp(3, 0);
    let first = app(&o, ApplicationStatus::Applied);
    let mut again = app(&o, ApplicationStatus::Applied);
    again.applicant = first.applicant;
    assert_eq!(conflict_field(check_apply(&o, &again, Some(&first))), "applicant");
    // After a decline, applying again is allowed.
    let declined = Application { status: ApplicationStatus::Declined, ..first.clone() };
    assert!(check_apply(&o, &again, Some(&declined)).is_ok());
    let mut own = app(&o, ApplicationStatus::Applied);
    own.applicant = o.owner;
    assert!(matches!(check_apply(&o, &own, None), Err(StoreError::Invalid(_))));
    let closed = Opportunity { status: OpportunityStatus::Closed, ..o.clone() };
    assert_eq!(conflict_field(check_apply(&closed, &first, None)), "status");
}

#[test]
fn input_errors_name_every_field_at_once() {
    let bad = OpportunityInput {
        title: json!("  "),
        description: json!(7),
        competencies: json!(["ok_key", 3, "Not A Key!"]),
        category: json!("napping"),
        capacity: json!(0),
        owner: json!("nope"),
    };
    let err = bad.parse().unwrap_err();
    let mut fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["capacity", "category", "competencies[1]", "competencies[2]", "description", "owner", "title"]);
    let missing = OpportunityInput::default().parse().unwrap_err();
    let fields: Vec<&str> = missing.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "competencies"]);
}

#[test]
fn input_is_trimmed_sorted_and_defaults_to_one_place() {
    let ok = OpportunityInput { title: json!("  Run the Q3 load test  "), competencies: json!(["testing", "observability", "testing"]), ..Default::default() }
        .parse()
        .unwrap();
    assert_eq!(ok.title, "Run the Q3 load test");
    assert_eq!(ok.competencies, ["observability", "testing"]);
    assert_eq!((ok.capacity, ok.description, ok.owner, ok.category), (1, None, None, crate::event::Category::ProjectCompleted));
    let many = OpportunityInput { title: json!("x"), competencies: json!((0..11).map(|i| format!("c{i}")).collect::<Vec<_>>()), ..Default::default() };
    assert_eq!(many.parse().unwrap_err().errors[0].field, "competencies");
}

#[test]
fn matches_prefer_opportunities_that_close_more_gaps_and_say_why() {
    use crate::event::Category;
    let me = PersonId::new();
    let gap = |k: &str, n: &str, c: &[Category]| Gap { key: k.into(), name: n.into(), categories: c.to_vec() };
    let gaps = vec![gap("observability", "Observability", &[]), gap("testing", "Testing", &[Category::ProjectCompleted, Category::Skill])];
    let one = opp(3, 1);
    let mut two = opp(1, 0);
    two.competencies = vec!["observability".into(), "testing".into()];
    let mut mine = opp(1, 0);
    mine.owner = me;
    let full = opp(1, 1);
    let mut applied = opp(2, 0);
    applied.competencies = vec!["observability".into()];
    // Tagged testing, but completing it records a mentoring win, which testing does not count.
    let mut wrong_kind = opp(5, 0);
    wrong_kind.competencies = vec!["testing".into()];
    wrong_kind.category = Category::Mentoring;
    let open = vec![one.clone(), two.clone(), mine, full, applied.clone(), wrong_kind];
    let got = matches_for(&gaps[0], &gaps, me, &open, &[applied.id]);
    assert_eq!(got.iter().map(|m| m.id).collect::<Vec<_>>(), [two.id, one.id]);
    assert_eq!(got[0].gaps, ["observability", "testing"]);
    assert_eq!(
        got[0].why,
        "Builds Observability, and Testing, another of your open gaps; completing it records a project completed win, which counts here; 1 place left of 1."
    );
    assert_eq!(got[1].why, "Builds Observability; completing it records a project completed win, which counts here; 2 places left of 3.");
    let testing = matches_for(&gaps[1], &gaps, me, &open, &[]);
    assert_eq!(testing.iter().map(|m| m.id).collect::<Vec<_>>(), [two.id], "the mentoring gig does not count toward testing");
}
