//! Promotion cycles and cases: round trip, the state machine inside the store, one
//! live case per person and cycle, and the budget holding under many concurrent
//! approvals (also from two instances: `postgres.rs`).

use std::sync::Arc;

use chrono::NaiveDate;
use rungs_core::promotion::{Budget, BudgetScope, CalibrationGroup, Case, CaseMove, CaseQuery, CaseStatus, Cycle, MoveRequest, Review, Vote};
use rungs_core::store::{Store, StoreError};
use rungs_core::{CaseId, CycleId, OrgId, PersonId};

use crate::support::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn cycle(org: OrgId, name: &str, promotions: u32, pay: Option<u64>) -> Cycle {
    Cycle {
        id: CycleId::new(),
        org_id: org,
        name: name.into(),
        nominations_open: date("2026-01-05"),
        nominations_close: date("2026-01-30"),
        review_open: date("2026-02-02"),
        review_close: date("2026-02-27"),
        self_nomination: false,
        budgets: vec![Budget { scope: BudgetScope::Department, value: "Engineering".into(), promotions, pay }],
        groups: vec![CalibrationGroup { name: "Engineering".into(), budgets: vec!["department:Engineering".into()] }],
        created_at: day(1),
        created_by: None,
    }
}

pub fn case(c: &Cycle, subject: PersonId, nominator: PersonId, pay: Option<u64>) -> Case {
    Case {
        id: CaseId::new(),
        org_id: c.org_id,
        cycle_id: c.id,
        subject,
        nominator,
        status: CaseStatus::Nominated,
        budget: "department:Engineering".into(),
        from: pos("l2"),
        to: pos("l3"),
        justification: "Led the migration.".into(),
        pay_increase: pay,
        packet: serde_json::json!({"summary": {"readiness": 70}}),
        packet_at: day(2),
        rank: 0,
        decision_reason: None,
        effective_on: None,
        promotion_event: None,
        created_at: day(2),
        updated_at: day(2),
    }
}

pub fn mv(c: &Case, m: CaseMove, actor: Option<PersonId>) -> MoveRequest {
    MoveRequest {
        org_id: c.org_id,
        case_id: c.id,
        mv: m,
        actor,
        at: day(5),
        reason: (m == CaseMove::Decline).then(|| "not yet".to_string()),
        effective_on: (m == CaseMove::Approve).then(|| date("2026-03-01")),
        event: None,
    }
}

pub async fn cycles_and_cases_round_trip(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let (ann, mia) = (hire(&store, org, "Ann").await, hire(&store, org, "Mia Manager").await);
    let c = cycle(org, "2026 H1", 2, Some(1000));
    store.create_cycle(&c).await.unwrap();
    assert_eq!(store.cycle(org, c.id).await.unwrap(), c);
    assert_eq!(fields(&store.create_cycle(&Cycle { id: CycleId::new(), ..c.clone() }).await.unwrap_err()), ["name"]);
    assert_eq!(store.cycles(org).await.unwrap(), vec![c.clone()]);

    let k = case(&c, ann, mia, Some(300));
    store.create_case(&k).await.unwrap();
    assert_eq!(store.case(org, k.id).await.unwrap(), k);
    let twice = store.create_case(&case(&c, ann, mia, None)).await.unwrap_err();
    assert_eq!(fields(&twice), ["subject"], "one live case per person and cycle");

    // Editable while nominated; an edit expecting another state is refused.
    let edited = Case { justification: "Led the migration and the rota.".into(), ..k.clone() };
    assert_eq!(store.save_case(&edited, CaseStatus::Nominated).await.unwrap().justification, edited.justification);
    assert_eq!(fields(&store.save_case(&edited, CaseStatus::InReview).await.unwrap_err()), ["status"]);

    // An illegal move is a conflict on status naming the state and the allowed moves.
    match store.move_case(&mv(&k, CaseMove::Approve, Some(mia))).await {
        Err(StoreError::Conflict { field, reason }) => {
            assert_eq!(field, "status");
            assert!(reason.contains("nominated") && reason.contains("start_review, withdraw"), "{reason}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    store.move_case(&mv(&k, CaseMove::StartReview, Some(mia))).await.unwrap();
    store
        .add_review(org, &Review { id: uuid::Uuid::now_v7(), case_id: k.id, reviewer: mia, vote: Some(Vote::Support), comment: Some("Yes".into()), at: day(6) })
        .await
        .unwrap();
    let approved = store.move_case(&mv(&k, CaseMove::Approve, Some(mia))).await.unwrap();
    assert_eq!((approved.status, approved.effective_on), (CaseStatus::Approved, Some(date("2026-03-01"))));
    let done = store.move_case(&MoveRequest { event: Some(rungs_core::EventId::new()), ..mv(&k, CaseMove::TakeEffect, None) }).await.unwrap();
    assert_eq!(done.status, CaseStatus::Effective);
    assert!(done.promotion_event.is_some());

    let ts = store.transitions(org, k.id).await.unwrap();
    let path: Vec<(Option<CaseStatus>, CaseStatus, Option<PersonId>)> = ts.iter().map(|t| (t.from, t.to, t.actor)).collect();
    assert_eq!(
        path,
        [
            (None, CaseStatus::Nominated, Some(mia)),
            (Some(CaseStatus::Nominated), CaseStatus::InReview, Some(mia)),
            (Some(CaseStatus::InReview), CaseStatus::Approved, Some(mia)),
            (Some(CaseStatus::Approved), CaseStatus::Effective, None),
        ]
    );
    assert_eq!(store.reviews(org, k.id).await.unwrap().len(), 1);
    let used = store.budget_use(org, c.id).await.unwrap();
    assert_eq!((used[0].promotions, used[0].pay), (1, 300));
    assert_eq!(store.cases(org, &CaseQuery { subject: Some(ann), ..Default::default() }).await.unwrap().len(), 1);
    assert!(store.cases(org, &CaseQuery { status: Some(CaseStatus::Nominated), ..Default::default() }).await.unwrap().is_empty());

    // Withdrawn: room for a new nomination of the same person in the same cycle.
    let ben = hire(&store, org, "Ben").await;
    let b = case(&c, ben, mia, None);
    store.create_case(&b).await.unwrap();
    store.move_case(&MoveRequest { reason: Some("changed teams".into()), ..mv(&b, CaseMove::Withdraw, Some(mia)) }).await.unwrap();
    store.create_case(&case(&c, ben, mia, None)).await.unwrap();
}

/// `n` cases in review in one cycle whose budget allows `budget` promotions.
pub async fn cases_in_review(store: &Arc<dyn Store>, n: usize, budget: u32, pay: Option<u64>) -> (Cycle, Vec<Case>) {
    let org = new_org(store).await;
    let mia = hire(store, org, "Mia Manager").await;
    let c = cycle(org, "Concurrent", budget, pay);
    store.create_cycle(&c).await.unwrap();
    let mut cases = vec![];
    for i in 0..n {
        let p = hire(store, org, &format!("Person {i}")).await;
        let k = case(&c, p, mia, pay.map(|_| 100));
        store.create_case(&k).await.unwrap();
        store.move_case(&mv(&k, CaseMove::StartReview, Some(mia))).await.unwrap();
        cases.push(k);
    }
    (c, cases)
}

/// Approve every case at once, spread over `stores`; exactly `budget` go through.
pub async fn approve_all_at_once(stores: &[Arc<dyn Store>], c: &Cycle, cases: &[Case], budget: u32) {
    let tasks: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let store = stores[i % stores.len()].clone();
            let req = mv(k, CaseMove::Approve, None);
            tokio::spawn(async move { store.move_case(&req).await })
        })
        .collect();
    let mut approved = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(k) => {
                assert_eq!(k.status, CaseStatus::Approved);
                approved += 1;
            }
            Err(StoreError::Conflict { field, .. }) => assert!(field == "budget" || field == "pay_increase", "{field}"),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(approved, budget, "approvals beyond the budget");
    let store = &stores[0];
    let used = store.budget_use(c.org_id, c.id).await.unwrap();
    assert_eq!(used[0].promotions, budget);
    let in_db = store.cases(c.org_id, &CaseQuery { cycle: Some(c.id), status: Some(CaseStatus::Approved), ..Default::default() }).await.unwrap();
    assert_eq!(in_db.len() as u32, budget);
}

pub async fn the_budget_holds_under_concurrent_approvals(store: Arc<dyn Store>) {
    let (c, cases) = cases_in_review(&store, 24, 5, None).await;
    approve_all_at_once(std::slice::from_ref(&store), &c, &cases, 5).await;
    // The pay budget too: 100 each, 350 allowed → 3 of 10.
    let (c, cases) = cases_in_review(&store, 10, 8, Some(350)).await;
    approve_all_at_once(std::slice::from_ref(&store), &c, &cases, 3).await;
}
