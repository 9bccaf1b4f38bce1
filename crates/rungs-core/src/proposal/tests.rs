use chrono::Utc;

use super::*;

fn ctx() -> RouteContext {
    RouteContext {
        subject: PersonId::new(),
        proposer: None,
        department: Some("Platform".into()),
        level: "l3".into(),
        pay_delta: Some(6000),
        manager: Some(PersonId::new()),
        managers_manager: Some(PersonId::new()),
        department_head: Some(PersonId::new()),
    }
}

fn step(name: &str, approvers: Vec<Approver>, need: Option<u32>, when: Vec<Condition>) -> Step {
    Step { name: name.into(), approvers, need, when }
}

fn decision(step: u32, approver: PersonId, approve: bool) -> Decision {
    Decision { proposal: ProposalId::new(), step, approver, actor: approver, approve, comment: None, at: Utc::now() }
}

#[test]
fn a_route_that_can_never_complete_is_refused_with_the_reason() {
    let empty = Route { kind: ProposalKind::MicroPromotion, steps: vec![], remind_after_days: None };
    assert_eq!(empty.check().unwrap_err().errors[0].field, "steps");
    let no_one = Route { kind: ProposalKind::MicroPromotion, steps: vec![step("A", vec![], None, vec![])], remind_after_days: None };
    assert_eq!(no_one.check().unwrap_err().errors[0].field, "steps[0].approvers");
    let too_many = Route {
        kind: ProposalKind::MicroPromotion,
        steps: vec![step("A", vec![Approver::Manager, Approver::DepartmentHead], Some(3), vec![])],
        remind_after_days: None,
    };
    let e = too_many.check().unwrap_err();
    assert_eq!(e.errors[0].field, "steps[0].need");
    assert!(e.errors[0].reason.contains("never complete"), "{e:?}");
    let pay_on_micro = Route {
        kind: ProposalKind::MicroPromotion,
        steps: vec![step("A", vec![Approver::Manager], None, vec![Condition::PayIncreaseAbove { amount: 1 }])],
        remind_after_days: None,
    };
    assert_eq!(pay_on_micro.check().unwrap_err().errors[0].field, "steps[0].when[0]");
    let ok = Route {
        kind: ProposalKind::PayChange,
        steps: vec![step("A", vec![Approver::Manager], None, vec![Condition::PayIncreaseAbove { amount: 1 }])],
        remind_after_days: Some(2),
    };
    assert!(ok.check().is_ok());
}

#[test]
fn conditions_add_steps_and_dynamic_approvers_are_found() {
    let c = ctx();
    let finance = PersonId::new();
    let route = Route {
        kind: ProposalKind::PayChange,
        steps: vec![
            step("Managers", vec![Approver::Manager, Approver::ManagersManager], None, vec![]),
            step("Finance", vec![Approver::Person { id: finance }], None, vec![Condition::PayIncreaseAbove { amount: 5000 }]),
            step("Sales", vec![Approver::DepartmentHead], None, vec![Condition::Department { equals: "Sales".into() }]),
        ],
        remind_after_days: None,
    };
    let steps = route.resolve(&c).unwrap();
    assert_eq!(steps.len(), 2, "the pay condition holds, the department one does not");
    assert_eq!(steps[0].approvers, vec![c.manager.unwrap(), c.managers_manager.unwrap()]);
    assert_eq!(steps[0].need, 2);
    assert_eq!(steps[1].approvers, vec![finance]);
    let small = RouteContext { pay_delta: Some(100), ..c.clone() };
    assert_eq!(route.resolve(&small).unwrap().len(), 1);
}

#[test]
fn a_step_without_enough_approvers_for_this_person_is_refused_on_route() {
    let c = RouteContext { managers_manager: None, ..ctx() };
    let e = Route::default_for(ProposalKind::MicroPromotion).resolve(&c).unwrap_err();
    assert_eq!(e.errors[0].field, "route");
    assert!(e.errors[0].reason.contains("manager's manager"), "{e:?}");
    // The proposer never approves their own proposal.
    let c = ctx();
    let by_manager = RouteContext { proposer: c.manager, ..c.clone() };
    let route = Route { kind: ProposalKind::Demotion, steps: vec![step("M", vec![Approver::Manager], None, vec![])], remind_after_days: None };
    assert!(route.resolve(&by_manager).is_err());
    assert!(route.resolve(&c).is_ok());
}

#[test]
fn progress_is_sequential_between_steps_and_parallel_within_one() {
    let (a, b, g1, g2, g3) = (PersonId::new(), PersonId::new(), PersonId::new(), PersonId::new(), PersonId::new());
    let steps = vec![
        ResolvedStep { name: "Both".into(), approvers: vec![a, b], need: 2 },
        ResolvedStep { name: "Any two of the group".into(), approvers: vec![g1, g2, g3], need: 2 },
    ];
    assert_eq!(progress(&steps, &[]), Progress::AtStep(0));
    assert_eq!(progress(&steps, &[decision(0, b, true)]), Progress::AtStep(0));
    let both = [decision(0, b, true), decision(0, a, true)];
    assert_eq!(progress(&steps, &both), Progress::AtStep(1));
    let one_of_group = [both[0].clone(), both[1].clone(), decision(1, g3, true)];
    assert_eq!(progress(&steps, &one_of_group), Progress::AtStep(1));
    let two_of_group = [both[0].clone(), both[1].clone(), decision(1, g3, true), decision(1, g1, true)];
    assert_eq!(progress(&steps, &two_of_group), Progress::Approved);
    assert_eq!(progress(&steps, &[decision(0, a, false)]), Progress::Rejected);
}

#[test]
fn input_names_the_field() {
    let input = ProposalInput {
        subject: PersonId::new(),
        details: Details::MicroPromotion { from: "x".into(), to: "x".into(), competencies: vec!["Not A Key".into()], toward_level: None },
        rationale: " ".into(),
        effective_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
    };
    let e = input.parse().unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["rationale", "details.to", "details.competencies[0]"]);
    let lateral = ProposalInput {
        subject: PersonId::new(),
        details: Details::LateralMove { department: None, to: None },
        rationale: "why".into(),
        effective_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
    };
    assert_eq!(lateral.parse().unwrap_err().errors[0].field, "details");
}
