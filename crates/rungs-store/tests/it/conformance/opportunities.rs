//! The opportunity board's storage: counts, filters, the application workflow, and
//! the last place taken exactly once under concurrency.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rungs_core::event::Category;
use rungs_core::opportunity::{Application, ApplicationQuery, ApplicationStatus, Move, Opportunity, OpportunityQuery, OpportunityStatus};
use rungs_core::store::{Store, StoreError};
use rungs_core::{ApplicationId, EventId, OpportunityId, OrgId, PersonId};

use crate::support::*;

fn at(d: i64) -> DateTime<Utc> {
    day(d)
}

fn opportunity(org: OrgId, owner: PersonId, capacity: u32, competencies: &[&str]) -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        org_id: org,
        owner,
        title: "Lead the incident review rota".into(),
        description: Some("Six weeks, two hours a week.".into()),
        competencies: competencies.iter().map(std::string::ToString::to_string).collect(),
        category: Category::Responsibility,
        capacity,
        status: OpportunityStatus::Open,
        created_at: at(1),
        closed_at: None,
        taken: 0,
        pending: 0,
    }
}

fn application(o: &Opportunity, applicant: PersonId) -> Application {
    Application {
        id: ApplicationId::new(),
        org_id: o.org_id,
        opportunity_id: o.id,
        applicant,
        note: Some("I ran two reviews last quarter.".into()),
        status: ApplicationStatus::Applied,
        created_at: at(2),
        updated_at: at(2),
        evidence: None,
    }
}

fn conflict(r: Result<Application, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict { field, .. }) => field,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn opportunities_and_applications_round_trip(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let owner = hire(&store, org, "Olu Owner").await;
    let (ann, ben) = (hire(&store, org, "Ann Applicant").await, hire(&store, org, "Ben Applicant").await);
    let o = opportunity(org, owner, 1, &["observability", "testing"]);
    store.create_opportunity(&o).await.unwrap();
    assert_eq!(store.opportunity(org, o.id).await.unwrap(), o);
    // Unknown owner, unknown org.
    let stranger = opportunity(org, PersonId::new(), 1, &["testing"]);
    assert!(matches!(store.create_opportunity(&stranger).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.opportunity(OrgId::new(), o.id).await, Err(StoreError::NotFound)));

    let a = store.apply(&application(&o, ann)).await.unwrap();
    let b = store.apply(&application(&o, ben)).await.unwrap();
    assert_eq!(conflict(store.apply(&application(&o, ann)).await), "applicant", "one live application per person");
    assert_eq!(store.opportunity(org, o.id).await.unwrap().pending, 2);

    let accepted = store.move_application(org, a.id, Move::Accept, at(3), None).await.unwrap();
    assert_eq!((accepted.status, accepted.updated_at), (ApplicationStatus::Accepted, at(3)));
    assert_eq!(conflict(store.move_application(org, b.id, Move::Accept, at(3), None).await), "capacity", "the only place is taken");
    let got = store.opportunity(org, o.id).await.unwrap();
    assert_eq!((got.taken, got.pending, got.places_left()), (1, 1, 0));

    let win = EventId::new();
    let done = store.move_application(org, a.id, Move::Complete, at(9), Some(win)).await.unwrap();
    assert_eq!((done.status, done.evidence), (ApplicationStatus::Completed, Some(win)));
    assert_eq!(conflict(store.move_application(org, a.id, Move::Withdraw, at(9), None).await), "status");
    store.move_application(org, b.id, Move::Decline, at(4), None).await.unwrap();

    let by_opp = store.applications(org, &ApplicationQuery { opportunity: Some(o.id), applicant: None }).await.unwrap();
    assert_eq!(by_opp.iter().map(|x| x.applicant).collect::<Vec<_>>(), [ann, ben]);
    let by_ann = store.applications(org, &ApplicationQuery { opportunity: None, applicant: Some(ann) }).await.unwrap();
    assert_eq!(by_ann, [done]);

    let closed = store.close_opportunity(org, o.id, at(10)).await.unwrap();
    assert_eq!((closed.status, closed.closed_at), (OpportunityStatus::Closed, Some(at(10))));
    let again = store.close_opportunity(org, o.id, at(11)).await.unwrap();
    assert_eq!(again.closed_at, Some(at(10)), "closing twice keeps the first time");
}

pub async fn the_board_filters_and_pages_newest_first(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let (olu, pat) = (hire(&store, org, "Olu Owner").await, hire(&store, org, "Pat Poster").await);
    let mut ids = vec![];
    for i in 0..7 {
        let o = opportunity(org, if i % 2 == 0 { olu } else { pat }, 2, if i < 3 { &["testing"] } else { &["mentoring", "writing"] });
        store.create_opportunity(&o).await.unwrap();
        ids.push(o.id);
    }
    store.close_opportunity(org, ids[0], at(5)).await.unwrap();
    let mut seen = vec![];
    let mut cursor = None;
    loop {
        let page = store.opportunities(org, &OpportunityQuery { cursor, limit: 3, ..Default::default() }).await.unwrap();
        seen.extend(page.items.iter().map(|o| o.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let newest_first: Vec<_> = ids.iter().rev().copied().collect();
    assert_eq!(seen, newest_first);
    let q = |f: fn(&mut OpportunityQuery)| {
        let mut q = OpportunityQuery { limit: 50, ..Default::default() };
        f(&mut q);
        q
    };
    let open = store.opportunities(org, &q(|q| q.status = Some(OpportunityStatus::Open))).await.unwrap();
    assert_eq!(open.items.len(), 6);
    let by_owner = store.opportunities(org, &OpportunityQuery { owner: Some(pat), limit: 50, ..Default::default() }).await.unwrap();
    assert_eq!(by_owner.items.len(), 3);
    let writing = store.opportunities(org, &OpportunityQuery { competency: Some("writing".into()), limit: 50, ..Default::default() }).await.unwrap();
    assert_eq!(writing.items.len(), 4);
    let bad = store.opportunities(org, &OpportunityQuery { cursor: Some("nope".into()), limit: 5, ..Default::default() }).await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
}

pub async fn the_last_place_is_taken_once_under_concurrency(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let owner = hire(&store, org, "Olu Owner").await;
    let o = opportunity(org, owner, 2, &["testing"]);
    store.create_opportunity(&o).await.unwrap();
    let mut apps = vec![];
    for i in 0..8 {
        let p = hire(&store, org, &format!("Applicant {i}")).await;
        apps.push(store.apply(&application(&o, p)).await.unwrap().id);
    }
    let tasks: Vec<_> = apps
        .iter()
        .map(|&id| {
            let store = store.clone();
            tokio::spawn(async move { store.move_application(org, id, Move::Accept, at(3), None).await })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(a) => {
                assert_eq!(a.status, ApplicationStatus::Accepted);
                accepted += 1;
            }
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "capacity"),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(accepted, 2);
    let got = store.opportunity(org, o.id).await.unwrap();
    assert_eq!((got.taken, got.pending), (2, 6));
}

pub async fn a_withdrawn_or_declined_applicant_may_apply_again(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let owner = hire(&store, org, "Olu Owner").await;
    let ann = hire(&store, org, "Ann Applicant").await;
    let o = opportunity(org, owner, 1, &["testing"]);
    store.create_opportunity(&o).await.unwrap();
    let first = store.apply(&application(&o, ann)).await.unwrap();
    store.move_application(org, first.id, Move::Withdraw, at(3), None).await.unwrap();
    let second = store.apply(&application(&o, ann)).await.unwrap();
    assert_eq!(second.status, ApplicationStatus::Applied);
    assert!(matches!(store.application(org, first.id).await, Err(StoreError::NotFound)), "the old application is replaced");
    let mut own = application(&o, owner);
    own.id = ApplicationId::new();
    assert!(matches!(store.apply(&own).await, Err(StoreError::Invalid(_))), "not to one's own");
}
