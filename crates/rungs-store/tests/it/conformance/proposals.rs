//! Proposals: routes, proposals and decisions round-trip; a decision is recorded once
//! per approver and step, also when the same approver decides twice at once; a
//! parallel step decided by all its approvers at once completes exactly once; a
//! proposal is made effective once.

use std::sync::Arc;

use rungs_core::proposal::{Approver, Decision, Delegation, Details, Proposal, ProposalKind, ProposalQuery, ProposalStatus, ResolvedStep, Route, Step};
use rungs_core::store::{Store, StoreError};
use rungs_core::{EventId, OrgId, PersonId, ProposalId};

use crate::support::*;

fn proposal(org: OrgId, subject: PersonId, proposer: PersonId, steps: Vec<ResolvedStep>) -> Proposal {
    Proposal {
        id: ProposalId::new(),
        org_id: org,
        kind: ProposalKind::MicroPromotion,
        subject,
        proposer,
        status: ProposalStatus::Pending,
        details: Details::MicroPromotion { from: "owns billing".into(), to: "leads payments".into(), competencies: vec![], toward_level: None },
        rationale: "ready".into(),
        effective_on: "2026-03-01".parse().unwrap(),
        current_step: Some(0),
        steps,
        step_since: day(1),
        event: None,
        created_at: day(1),
        updated_at: day(1),
    }
}

fn decision(p: &Proposal, step: u32, approver: PersonId, approve: bool) -> Decision {
    Decision { proposal: p.id, step, approver, actor: approver, approve, comment: None, at: day(2) }
}

pub async fn proposals_routes_and_delegations_round_trip(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let (ann, mia, max, fin) = (hire(&store, org, "Ann").await, hire(&store, org, "Mia").await, hire(&store, org, "Max").await, hire(&store, org, "Fin").await);
    let route = Route {
        kind: ProposalKind::MicroPromotion,
        steps: vec![Step { name: "Managers".into(), approvers: vec![Approver::Manager, Approver::ManagersManager], need: None, when: vec![] }],
        remind_after_days: Some(2),
    };
    store.save_route(org, &route).await.unwrap();
    store.save_route(org, &Route { remind_after_days: Some(5), ..route.clone() }).await.unwrap();
    let routes = store.routes(org).await.unwrap();
    assert_eq!(routes.len(), 1, "one route per kind: saving replaces");
    assert_eq!(routes[0].remind_after_days, Some(5));

    let steps = vec![
        ResolvedStep { name: "Managers".into(), approvers: vec![mia, max], need: 2 },
        ResolvedStep { name: "Finance".into(), approvers: vec![fin], need: 1 },
    ];
    let p = proposal(org, ann, mia, steps);
    store.create_proposal(&p).await.unwrap();
    assert_eq!(store.proposal(org, p.id).await.unwrap(), p);
    // Not the current step; not an approver.
    let e = store.decide(org, &decision(&p, 1, fin, true)).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { ref field, .. } if field == "step"), "{e:?}");
    let e = store.decide(org, &decision(&p, 0, fin, true)).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { ref field, .. } if field == "approver"), "{e:?}");
    let after_one = store.decide(org, &decision(&p, 0, mia, true)).await.unwrap();
    assert_eq!((after_one.status, after_one.current_step), (ProposalStatus::Pending, Some(0)), "a parallel step waits for both");
    let e = store.decide(org, &decision(&p, 0, mia, false)).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { ref field, .. } if field == "approver"), "a decision is final: {e:?}");
    let after_two = store.decide(org, &decision(&p, 0, max, true)).await.unwrap();
    assert_eq!((after_two.status, after_two.current_step), (ProposalStatus::Pending, Some(1)), "sequential: the next step starts");
    assert_eq!(after_two.step_since, day(2));
    assert!(store.record_reminder(org, p.id, 1, fin, day(5)).await.unwrap());
    assert!(!store.record_reminder(org, p.id, 1, fin, day(6)).await.unwrap(), "reminded once per step");
    assert_eq!(store.reminders(org, fin).await.unwrap(), vec![(p.id, 1)]);
    let approved = store.decide(org, &decision(&p, 1, fin, true)).await.unwrap();
    assert_eq!((approved.status, approved.current_step), (ProposalStatus::Approved, None));
    assert!(store.reminders(org, fin).await.unwrap().is_empty(), "only pending proposals' reminders show");
    assert_eq!(store.decisions(org, p.id).await.unwrap().len(), 3);
    let ev = EventId::new();
    let done = store.make_effective(org, p.id, Some(ev), day(9)).await.unwrap();
    assert_eq!((done.status, done.event), (ProposalStatus::Effective, Some(ev)));
    let again = store.make_effective(org, p.id, Some(EventId::new()), day(10)).await.unwrap();
    assert_eq!(again.event, Some(ev), "a second run changes nothing");

    // Rejected at once; withdrawn only while pending.
    let q = proposal(org, ann, mia, vec![ResolvedStep { name: "M".into(), approvers: vec![max], need: 1 }]);
    store.create_proposal(&q).await.unwrap();
    let rejected = store.decide(org, &Decision { comment: Some("not yet".into()), ..decision(&q, 0, max, false) }).await.unwrap();
    assert_eq!(rejected.status, ProposalStatus::Rejected);
    assert!(store.withdraw_proposal(org, q.id, day(3)).await.is_err());
    assert!(store.make_effective(org, q.id, None, day(3)).await.is_err());
    let w = proposal(org, ann, mia, vec![ResolvedStep { name: "M".into(), approvers: vec![max], need: 1 }]);
    store.create_proposal(&w).await.unwrap();
    assert_eq!(store.withdraw_proposal(org, w.id, day(3)).await.unwrap().status, ProposalStatus::Withdrawn);
    let pending = store.proposals(org, &ProposalQuery { status: Some(ProposalStatus::Pending), ..Default::default() }).await.unwrap();
    assert!(pending.is_empty());
    assert_eq!(store.proposals(org, &ProposalQuery { subject: Some(ann), ..Default::default() }).await.unwrap().len(), 3);

    let d = Delegation { person: max, delegate: fin, from: "2026-03-01".parse().unwrap(), until: "2026-03-14".parse().unwrap() };
    store.save_delegation(org, &d).await.unwrap();
    store.save_delegation(org, &Delegation { delegate: mia, ..d.clone() }).await.unwrap();
    assert_eq!(store.delegations(org).await.unwrap(), vec![Delegation { delegate: mia, ..d }]);
    store.delete_delegation(org, max).await.unwrap();
    assert!(store.delegations(org).await.unwrap().is_empty());
}

pub async fn a_decision_is_recorded_once_under_concurrency(store: Arc<dyn Store>) {
    decide_at_once(&[store]).await;
}

/// Every approver of a parallel step of 8 decides twice at once, spread over
/// `stores`: exactly 8 decisions are kept, and the step completes exactly once (the
/// proposal moves to its next step, not past it).
pub async fn decide_at_once(stores: &[Arc<dyn Store>]) {
    let store = &stores[0];
    let org = new_org(store).await;
    let subject = hire(store, org, "Sam").await;
    let mut approvers = vec![];
    for i in 0..8 {
        approvers.push(hire(store, org, &format!("Approver {i}")).await);
    }
    let last = hire(store, org, "Last").await;
    let steps = vec![
        ResolvedStep { name: "All eight".into(), approvers: approvers.clone(), need: 8 },
        ResolvedStep { name: "Last".into(), approvers: vec![last], need: 1 },
    ];
    let p = proposal(org, subject, subject, steps);
    store.create_proposal(&p).await.unwrap();
    let tasks: Vec<_> = approvers
        .iter()
        .chain(approvers.iter())
        .enumerate()
        .map(|(i, a)| {
            let s = stores[i % stores.len()].clone();
            let d = decision(&p, 0, *a, true);
            tokio::spawn(async move { s.decide(org, &d).await })
        })
        .collect();
    let (mut ok, mut twice) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            // A second decision: refused as such, or, once the step is complete, as one
            // for a step the proposal no longer waits on.
            Err(StoreError::Conflict { field, .. }) if field == "approver" || field == "step" => twice += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, twice), (8, 8));
    assert_eq!(store.decisions(org, p.id).await.unwrap().len(), 8);
    let now = store.proposal(org, p.id).await.unwrap();
    assert_eq!((now.status, now.current_step), (ProposalStatus::Pending, Some(1)));
}
