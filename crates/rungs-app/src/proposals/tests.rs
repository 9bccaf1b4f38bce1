//! Proposals through the use cases on a real SQLite store: a route's conditions put
//! a step in or leave it out; approvers are found from the org chart when the
//! proposal is made (the manager's manager, the department head, a named group with
//! any N of it); a parallel step needs its N; a delegate decides for an approver who
//! is away and the decision counts once for that approver; a route that can never
//! complete is refused; and the effective date is a day of the organization's time
//! zone, with the job at that zone's midnight (fixed clocks around it).

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::calendar::OrgTimeZone;
use rungs_core::event::EventKind;
use rungs_core::person::Role;
use rungs_core::proposal::{Approver, Condition, DelegationInput, Details, ProposalInput, ProposalKind, ProposalStatus, Route, Step};
use rungs_core::store::{EventQuery, Store};
use serde_json::json;

use super::*;

struct Org {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    admin: Viewer,
    /// vp (Engineering) → boss (Engineering) → ada (Engineering); hal (Sales) → sam (Sales);
    /// g1..g3 and del report to the root.
    ids: std::collections::HashMap<&'static str, PersonId>,
}

impl Org {
    fn id(&self, name: &str) -> PersonId {
        self.ids[name]
    }
    fn as_(&self, name: &str, role: Role) -> Viewer {
        Viewer { org_id: self.admin.org_id, person_id: Some(self.id(name)), role, token_id: None }
    }
}

async fn org() -> Org {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("a.db")).await.unwrap());
    let s = store.as_ref();
    let init = crate::org::init(s, "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let mut ids = std::collections::HashMap::new();
    ids.insert("root", init.admin.id);
    for (name, manager, dept) in [
        ("vp", "root", "Engineering"),
        ("boss", "vp", "Engineering"),
        ("ada", "boss", "Engineering"),
        ("hal", "root", "Sales"),
        ("sam", "hal", "Sales"),
        ("g1", "root", "People"),
        ("g2", "root", "People"),
        ("g3", "root", "People"),
        ("del", "root", "Engineering"),
    ] {
        let body = json!({"name": name, "email": format!("{name}@example.com"), "manager_id": ids[manager], "department": dept,
                          "position": {"track": "engineering", "level": "e2", "title": "Engineer"}});
        let p = crate::people::create(s, &admin, body, Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap();
        ids.insert(name, p.id);
    }
    Org { _dir: dir, store, admin, ids }
}

fn micro(subject: PersonId, on: chrono::NaiveDate) -> ProposalInput {
    ProposalInput {
        subject,
        details: Details::MicroPromotion { from: "On the team".into(), to: "Leads on-call".into(), competencies: vec![], toward_level: None },
        rationale: "Ran on-call for a quarter.".into(),
        effective_on: on,
    }
}

fn pay(subject: PersonId, delta: i64, on: chrono::NaiveDate) -> ProposalInput {
    ProposalInput { subject, details: Details::PayChange { delta, promotion_case: None }, rationale: "Market.".into(), effective_on: on }
}

#[tokio::test]
async fn conditions_and_dynamic_approvers_decide_the_steps() {
    let o = org().await;
    let s = o.store.as_ref();
    let today = crate::calendar::today(s, o.admin.org_id).await.unwrap();
    let route = Route {
        kind: ProposalKind::MicroPromotion,
        steps: vec![
            Step { name: "Head".into(), approvers: vec![Approver::Manager, Approver::DepartmentHead], need: None, when: vec![] },
            Step {
                name: "Sales only".into(),
                approvers: vec![Approver::Person { id: o.id("g1") }],
                need: None,
                when: vec![Condition::Department { equals: "Sales".into() }],
            },
        ],
        remind_after_days: None,
    };
    save_route(s, &o.admin, route).await.unwrap();

    // ada (Engineering): her manager boss proposes, so boss does not approve; the
    // department head is the highest of her chain in Engineering: vp. No Sales step.
    let p = propose(s, &o.as_("boss", Role::Manager), micro(o.id("ada"), today + Duration::days(3))).await.unwrap();
    assert_eq!(p.steps.len(), 1);
    assert_eq!((p.steps[0].approvers.clone(), p.steps[0].need), (vec![o.id("vp")], 1));

    // sam (Sales), proposed by the people team: manager and department head are both
    // hal (found once), then the Sales step.
    let p = propose(s, &o.admin, micro(o.id("sam"), today + Duration::days(3))).await.unwrap();
    assert_eq!(p.steps.iter().map(|s| s.approvers.clone()).collect::<Vec<_>>(), vec![vec![o.id("hal")], vec![o.id("g1")]]);
    assert_eq!(p.current_step, Some(0));

    // A step that finds nobody for this person is refused on `route`, naming why:
    // hal's manager's manager does not exist.
    let skip = Route {
        kind: ProposalKind::LateralMove,
        steps: vec![Step { name: "Skip".into(), approvers: vec![Approver::ManagersManager], need: None, when: vec![] }],
        remind_after_days: None,
    };
    save_route(s, &o.admin, skip).await.unwrap();
    let input = ProposalInput {
        subject: o.id("hal"),
        details: Details::LateralMove { department: Some("Engineering".into()), to: None },
        rationale: "Move.".into(),
        effective_on: today,
    };
    match propose(s, &o.admin, input).await {
        Err(AppError::Invalid(e)) => assert_eq!(e.errors[0].field, "route", "{e}"),
        other => panic!("expected a refusal on route, got {other:?}"),
    }
}

#[tokio::test]
async fn a_parallel_step_needs_its_n_and_a_pay_condition_adds_it() {
    let o = org().await;
    let s = o.store.as_ref();
    let today = crate::calendar::today(s, o.admin.org_id).await.unwrap();
    let route = Route {
        kind: ProposalKind::PayChange,
        steps: vec![
            Step { name: "Skip level".into(), approvers: vec![Approver::ManagersManager], need: None, when: vec![] },
            Step {
                name: "Committee".into(),
                approvers: vec![Approver::Group { name: "Comp".into(), members: vec![o.id("g1"), o.id("g2"), o.id("g3")] }],
                need: Some(2),
                when: vec![Condition::PayIncreaseAbove { amount: 5000 }],
            },
        ],
        remind_after_days: Some(2),
    };
    save_route(s, &o.admin, route).await.unwrap();
    let small = propose(s, &o.admin, pay(o.id("ada"), 1000, today)).await.unwrap();
    assert_eq!(small.steps.len(), 1, "1000 is not above 5000: no committee");
    assert_eq!(small.steps[0].approvers, vec![o.id("vp")]);

    let big = propose(s, &o.admin, pay(o.id("ada"), 6000, today)).await.unwrap();
    assert_eq!(big.steps.len(), 2);
    assert_eq!(big.steps[1].need, 2);
    // Step 1 is sequential: the committee cannot decide yet.
    assert!(decide(s, &o.as_("g1", Role::Employee), big.id, true, None).await.is_err());
    let v = decide(s, &o.as_("vp", Role::Manager), big.id, true, None).await.unwrap();
    assert_eq!((v.proposal.status, v.proposal.current_step), (ProposalStatus::Pending, Some(1)));
    assert!(v.pay_hidden, "the manager's manager approves a pay change without seeing it");
    let v = decide(s, &o.as_("g1", Role::Employee), big.id, true, Some("Fine".into())).await.unwrap();
    assert_eq!(v.proposal.status, ProposalStatus::Pending, "one of two");
    let v = decide(s, &o.as_("g3", Role::Employee), big.id, true, None).await.unwrap();
    assert_eq!(v.proposal.status, ProposalStatus::Effective, "two of three, dated today: effective at once");
    assert!(v.proposal.event.is_none(), "pay is never on the ledger");
    // g2 is too late: the step is complete.
    assert!(decide(s, &o.as_("g2", Role::Employee), big.id, true, None).await.is_err());

    // A rejection needs a comment and rejects the proposal.
    let third = propose(s, &o.admin, pay(o.id("ada"), 200, today)).await.unwrap();
    assert!(matches!(decide(s, &o.as_("vp", Role::Manager), third.id, false, None).await, Err(AppError::Invalid(_))));
    let v = decide(s, &o.as_("vp", Role::Manager), third.id, false, Some("Not now".into())).await.unwrap();
    assert_eq!(v.proposal.status, ProposalStatus::Rejected);
}

#[tokio::test]
async fn a_delegate_decides_for_an_approver_away_once() {
    let o = org().await;
    let s = o.store.as_ref();
    let today = crate::calendar::today(s, o.admin.org_id).await.unwrap();
    let vp = o.as_("vp", Role::Manager);
    let del = o.as_("del", Role::Employee);
    // Default route: the manager's manager (vp).
    let p = propose(s, &o.as_("boss", Role::Manager), micro(o.id("ada"), today + Duration::days(10))).await.unwrap();
    assert!(inbox(s, &del).await.unwrap().is_empty(), "no delegation yet");
    assert!(matches!(set_delegation(s, &vp, DelegationInput { delegate: o.id("vp"), from: today, until: today }).await, Err(AppError::Invalid(_))));
    set_delegation(s, &vp, DelegationInput { delegate: o.id("del"), from: today - Duration::days(1), until: today + Duration::days(1) }).await.unwrap();
    let waiting = inbox(s, &del).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].proposal.id, waiting[0].as_approver), (p.id, o.id("vp")));
    let v = decide(s, &del, p.id, true, Some("For vp".into())).await.unwrap();
    assert_eq!(v.proposal.status, ProposalStatus::Approved, "approved, effective in ten days");
    let d = &v.decisions[0];
    assert_eq!((d.approver, d.actor), (o.id("vp"), o.id("del")), "the decision counts for the approver, made by the delegate");
    assert!(decide(s, &vp, p.id, true, None).await.is_err(), "the approver's own decision would be a second one");

    // A delegation in the past stands in for nobody.
    set_delegation(s, &vp, DelegationInput { delegate: o.id("del"), from: today - Duration::days(9), until: today - Duration::days(2) }).await.unwrap();
    propose(s, &o.as_("boss", Role::Manager), micro(o.id("ada"), today + Duration::days(10))).await.unwrap();
    assert!(inbox(s, &del).await.unwrap().is_empty());
    assert_eq!(inbox(s, &vp).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_route_that_can_never_complete_is_refused_on_save() {
    let o = org().await;
    let s = o.store.as_ref();
    let never = Route {
        kind: ProposalKind::Demotion,
        steps: vec![Step {
            name: "Three of two".into(),
            approvers: vec![Approver::Group { name: "G".into(), members: vec![o.id("g1"), o.id("g2")] }],
            need: Some(3),
            when: vec![],
        }],
        remind_after_days: None,
    };
    match save_route(s, &o.admin, never).await {
        Err(AppError::Invalid(e)) => assert!(e.errors.iter().any(|f| f.field.starts_with("steps[0]")), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!routes(s, &o.admin).await.unwrap().iter().any(|(r, configured)| r.kind == ProposalKind::Demotion && *configured));
    assert!(matches!(save_route(s, &o.as_("vp", Role::Manager), Route::default_for(ProposalKind::Demotion)).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn the_effective_day_is_the_organizations_around_its_midnight() {
    let o = org().await;
    let s = o.store.as_ref();
    // Kiritimati is UTC+14: its day starts at 10:00 UTC the day before.
    crate::calendar::set_time_zone(s, &o.admin, OrgTimeZone { time_zone: "Pacific/Kiritimati".into() }).await.unwrap();
    assert!(matches!(
        crate::calendar::set_time_zone(s, &o.admin, OrgTimeZone { time_zone: "Mars/Olympus".into() }).await,
        Err(AppError::Invalid(e)) if e.errors[0].field == "time_zone"
    ));
    assert!(matches!(
        crate::calendar::set_time_zone(s, &o.as_("vp", Role::Manager), OrgTimeZone { time_zone: "UTC".into() }).await,
        Err(AppError::Forbidden(_))
    ));
    let cal = crate::calendar::calendar(s, o.admin.org_id).await.unwrap();
    assert_eq!(cal.name(), "Pacific/Kiritimati");
    let today = cal.today(Utc::now());
    let on = today + Duration::days(2);
    let midnight = cal.midnight(on);
    assert_eq!(midnight, (on - Duration::days(1)).and_hms_opt(10, 0, 0).unwrap().and_utc());

    let p = propose(s, &o.as_("boss", Role::Manager), micro(o.id("ada"), on)).await.unwrap();
    let v = decide(s, &o.as_("vp", Role::Manager), p.id, true, None).await.unwrap();
    assert_eq!(v.proposal.status, ProposalStatus::Approved);
    // One minute before the zone's midnight: not yet, and the job is not due.
    let before = midnight - Duration::minutes(1);
    assert!(matches!(take_effect(s, o.admin.org_id, p.id, before).await, Err(AppError::Conflict { field, .. }) if field == "effective_on"));
    assert!(s.claim_job("w", before, Duration::minutes(5)).await.unwrap().is_none_or(|j| j.kind != EFFECTIVE_JOB));
    // At the zone's midnight (still the day before in UTC) the job is due and runs.
    let job = s.claim_job("w", midnight, Duration::minutes(5)).await.unwrap().expect("due at the zone's midnight");
    assert_eq!(job.kind, EFFECTIVE_JOB);
    run_effective_job(s, &job.payload, midnight + Duration::minutes(1)).await.unwrap();
    s.finish_job(&job, midnight + Duration::minutes(1)).await.unwrap();
    let events = s
        .events(o.admin.org_id, &EventQuery { subject: Some(o.id("ada")), kinds: vec![EventKind::MicroPromotion], limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(events.items.len(), 1);
    assert_eq!(events.items[0].occurred_at, midnight + Duration::minutes(1));
    // A server down on the day catches up later, and the event is dated at the day's start.
    let late = propose(s, &o.as_("boss", Role::Manager), micro(o.id("ada"), on)).await.unwrap();
    decide(s, &o.as_("vp", Role::Manager), late.id, true, None).await.unwrap();
    let later = midnight + Duration::days(5);
    let job = s.claim_job("w", later, Duration::minutes(5)).await.unwrap().expect("caught up");
    assert_eq!(job.payload["proposal"], json!(late.id));
    run_effective_job(s, &job.payload, later).await.unwrap();
    run_effective_job(s, &job.payload, later).await.unwrap();
    let events = s
        .events(o.admin.org_id, &EventQuery { subject: Some(o.id("ada")), kinds: vec![EventKind::MicroPromotion], limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(events.items.len(), 2, "one event per proposal, however often the job runs");
    assert!(events.items.iter().any(|e| e.occurred_at == midnight), "dated at the zone's midnight of the day");
}
