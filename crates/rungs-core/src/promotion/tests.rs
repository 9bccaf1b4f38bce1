use chrono::{NaiveDate, Utc};

use super::*;
use crate::store::StoreError;

fn case(status: CaseStatus) -> Case {
    let pos = |l: &str| Position { track: "engineering".into(), level: l.into(), title: format!("Engineer {l}") };
    Case {
        id: CaseId::new(),
        org_id: OrgId::new(),
        cycle_id: CycleId::new(),
        subject: PersonId::new(),
        nominator: PersonId::new(),
        status,
        budget: "department:Engineering".into(),
        from: pos("e2"),
        to: pos("e3"),
        justification: "ships".into(),
        pay_increase: None,
        packet: serde_json::json!({}),
        packet_at: Utc::now(),
        rank: 0,
        decision_reason: None,
        effective_on: None,
        promotion_event: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[test]
fn every_move_is_allowed_exactly_from_its_sources() {
    for status in CaseStatus::ALL {
        for mv in CaseMove::ALL {
            let r = check_move(&case(status), mv, Some("because"), true);
            assert_eq!(r.is_ok(), mv.sources().contains(&status), "{status:?} {mv:?}");
        }
    }
}

#[test]
fn an_illegal_move_names_the_state_and_the_allowed_moves() {
    let Err(StoreError::Conflict { field, reason }) = check_move(&case(CaseStatus::Nominated), CaseMove::Approve, None, true) else { panic!() };
    assert_eq!(field, "status");
    assert_eq!(reason, "cannot approve a case that is nominated; allowed from nominated: start_review, withdraw");
    let Err(StoreError::Conflict { reason, .. }) = check_move(&case(CaseStatus::Effective), CaseMove::Withdraw, None, false) else { panic!() };
    assert!(reason.ends_with("none (the case is closed)"), "{reason}");
}

#[test]
fn decline_needs_a_reason_and_approval_a_date() {
    let c = case(CaseStatus::InReview);
    assert!(matches!(check_move(&c, CaseMove::Decline, Some("  "), false), Err(StoreError::Invalid(_))));
    assert!(matches!(check_move(&c, CaseMove::Approve, None, false), Err(StoreError::Invalid(_))));
    assert!(check_move(&c, CaseMove::Decline, Some("not yet"), false).is_ok());
}

#[test]
fn the_last_slot_then_no_more() {
    let b = Budget { scope: BudgetScope::Department, value: "Engineering".into(), promotions: 2, pay: Some(1000) };
    let used = |n, pay| BudgetUse { budget: b.key(), promotions: n, pay };
    assert_eq!(check_slot(&b, &used(0, 0), Some(400)).unwrap(), 1);
    assert_eq!(check_slot(&b, &used(1, 400), Some(600)).unwrap(), 2);
    let Err(StoreError::Conflict { field, reason }) = check_slot(&b, &used(2, 1000), None) else { panic!() };
    assert_eq!(field, "budget");
    assert_eq!(reason, "the department budget 'Engineering' allows 2 promotions and 2 are approved");
    let Err(StoreError::Conflict { field, .. }) = check_slot(&b, &used(1, 700), Some(400)) else { panic!() };
    assert_eq!(field, "pay_increase");
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn input() -> CycleInput {
    CycleInput {
        name: " 2027 H1 ".into(),
        nominations_open: day("2027-01-04"),
        nominations_close: day("2027-01-29"),
        review_open: day("2027-02-01"),
        review_close: day("2027-02-26"),
        self_nomination: false,
        budgets: vec![
            Budget { scope: BudgetScope::Department, value: "Engineering".into(), promotions: 3, pay: None },
            Budget { scope: BudgetScope::Track, value: "sales".into(), promotions: 1, pay: Some(5000) },
        ],
        groups: vec![CalibrationGroup { name: "Builders".into(), budgets: vec!["department:Engineering".into()] }],
    }
}

#[test]
fn a_cycle_gets_a_group_per_ungrouped_budget() {
    let c = input().parse().unwrap();
    assert_eq!(c.name, "2027 H1");
    let names: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Builders", "track:sales"]);
}

#[test]
fn a_bad_cycle_names_every_field() {
    let mut i = input();
    i.review_open = day("2027-01-10");
    i.budgets[1].promotions = 0;
    i.groups.push(CalibrationGroup { name: "X".into(), budgets: vec!["department:Nope".into()] });
    let e = i.parse().unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["review_open", "budgets[1].promotions", "groups[1].budgets[0]"]);
}

#[test]
fn budget_for_prefers_the_department() {
    let c = input().parse().unwrap();
    let cycle = Cycle {
        id: CycleId::new(),
        org_id: OrgId::new(),
        name: c.name,
        nominations_open: c.nominations_open,
        nominations_close: c.nominations_close,
        review_open: c.review_open,
        review_close: c.review_close,
        self_nomination: false,
        budgets: c.budgets,
        groups: c.groups,
        created_at: Utc::now(),
        created_by: None,
    };
    assert_eq!(cycle.budget_for(Some("Engineering"), "sales").unwrap().key(), "department:Engineering");
    assert_eq!(cycle.budget_for(Some("Ops"), "sales").unwrap().key(), "track:sales");
    assert!(cycle.budget_for(None, "ops").is_none());
    assert_eq!(cycle.phase(day("2027-01-30")), "waiting for review");
}
