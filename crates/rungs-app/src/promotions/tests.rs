//! The effective date: an approval dated in the future waits for its durable job; a
//! server that was down on the day runs it when it claims the job later; running it
//! twice (another instance, a retry) puts one promotion on the ledger.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::event::EventKind;
use rungs_core::person::Role;
use rungs_core::promotion::{Budget, BudgetScope, CaseMove, CaseStatus, CycleInput, NominationInput};
use rungs_core::store::{EventQuery, Store};
use serde_json::json;

use super::*;

#[tokio::test]
async fn a_future_approval_takes_effect_when_its_job_runs_even_late_and_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("a.db")).await.unwrap());
    let s = store.as_ref();
    let init = crate::org::init(s, "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let hire = |name: &str, manager: Option<PersonId>| {
        json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "manager_id": manager, "department": "Platform",
               "position": {"track": "engineering", "level": "e2", "title": "Engineer"}})
    };
    let boss = crate::people::create(s, &admin, hire("Boss", None), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let ada = crate::people::create(s, &admin, hire("Ada", Some(boss)), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let manager = Viewer { org_id: admin.org_id, person_id: Some(boss), role: Role::Manager, token_id: None };
    let day = today(s, admin.org_id).await.unwrap();
    let cycle = create_cycle(
        s,
        &admin,
        CycleInput {
            name: "Now".into(),
            nominations_open: day - Duration::days(1),
            nominations_close: day + Duration::days(1),
            review_open: day + Duration::days(2),
            review_close: day + Duration::days(9),
            self_nomination: false,
            budgets: vec![Budget { scope: BudgetScope::Department, value: "Platform".into(), promotions: 1, pay: None }],
            groups: vec![],
        },
    )
    .await
    .unwrap();
    let input = NominationInput { subject: ada, level: None, track: None, title: None, justification: "Ready.".into(), pay_increase: None };
    let case = nominate(s, &manager, cycle.id, input).await.unwrap();
    make_move(s, &admin, case.id, CaseMove::StartReview, None, None).await.unwrap();
    let on = day + Duration::days(30);
    let approved = make_move(s, &admin, case.id, CaseMove::Approve, None, Some(on)).await.unwrap();
    assert_eq!(approved.status, CaseStatus::Approved);
    let promotions = || async {
        s.events(admin.org_id, &EventQuery { subject: Some(ada), kinds: vec![EventKind::Promotion], limit: 10, ..Default::default() })
            .await
            .unwrap()
            .items
            .len()
    };
    assert_eq!(promotions().await, 0);
    // Before the day, taking effect is refused (and the job is not due).
    assert!(matches!(take_effect(s, admin.org_id, case.id, Utc::now()).await, Err(AppError::Conflict { .. })));
    assert!(s.claim_job("w", Utc::now(), chrono::Duration::minutes(5)).await.unwrap().is_none_or(|j| j.kind != EFFECTIVE_JOB));
    // A week after the day (the server was down): the job is due, and runs.
    let late = on.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(7);
    let job = s.claim_job("w", late, chrono::Duration::minutes(5)).await.unwrap().expect("the job is due");
    assert_eq!(job.kind, EFFECTIVE_JOB);
    run_effective_job(s, &job.payload, late).await.unwrap();
    run_effective_job(s, &job.payload, late).await.unwrap();
    assert_eq!(promotions().await, 1, "one promotion, however often the job runs");
    let now = s.case(admin.org_id, case.id).await.unwrap();
    assert_eq!(now.status, CaseStatus::Effective);
    let person = s.person(admin.org_id, ada).await.unwrap();
    assert_eq!((person.position.level.as_str(), person.position.title.as_str()), ("e3", "Senior Engineer"));
    assert_eq!(person.level_since.date_naive(), on, "the level starts on the effective date");
}
