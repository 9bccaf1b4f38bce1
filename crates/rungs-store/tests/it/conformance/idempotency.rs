//! Idempotency: request-level claims (`Idempotency-Key`) and the ledger's own
//! per-event keys.

use std::sync::Arc;

use rungs_core::PersonId;
use rungs_core::store::{AppendBatch, Store, StoreError};

use crate::support::*;

pub async fn idempotency_key_replays_and_appends_nothing(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let events = vec![event(org, ada, day(1), win("one")), event(org, ada, day(2), win("two"))];
    let first = store.append(AppendBatch { org_id: org, events: events.clone(), claim: claim("k1", "fp") }).await.unwrap();
    assert!(!first.replayed);
    // The retry carries fresh ids (as a client retry through the API would get).
    let retry: Vec<_> = events.iter().map(|e| event(org, e.subject, e.occurred_at, e.body.clone())).collect();
    let again = store.append(AppendBatch { org_id: org, events: retry, claim: claim("k1", "fp") }).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.events, first.events, "the first result, in order");
    assert_eq!(store.subject_events(org, ada).await.unwrap().len(), 3, "nothing appended twice");
    assert_eq!(store.person(org, ada).await.unwrap().micro_progressions, 2);
}

pub async fn same_key_different_body_is_a_conflict(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    store.append(AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("one"))], claim: claim("k", "a") }).await.unwrap();
    let err = store.append(AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("other"))], claim: claim("k", "b") }).await.unwrap_err();
    let StoreError::Conflict { field, .. } = &err else { panic!("{err:?}") };
    assert_eq!(field, "Idempotency-Key");
    assert_eq!(store.subject_events(org, ada).await.unwrap().len(), 2);
}

pub async fn a_refused_request_does_not_use_up_its_key(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = PersonId::new();
    let err = store.append(AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("early"))], claim: claim("k", "a") }).await.unwrap_err();
    assert_eq!(fields(&err), vec!["subject"]);
    let ok = store
        .append(AppendBatch { org_id: org, events: vec![event(org, ada, day(0), hired("Ada", "ada@example.com"))], claim: claim("k", "b") })
        .await
        .unwrap();
    assert!(!ok.replayed);
}

pub async fn an_event_key_replays_a_lone_event_and_conflicts_in_a_batch(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let keyed = |title: &str| {
        let mut e = event(org, ada, day(1), win(title));
        e.idempotency_key = Some("import-line-7".into());
        e
    };
    let first = append1(&store, keyed("seven")).await;
    let again = try_append1(&store, keyed("seven")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.events, vec![first]);

    let err = store.append(batch(org, vec![event(org, ada, day(2), win("fine")), keyed("seven")])).await.unwrap_err();
    assert_eq!(fields(&err), vec!["events[1].idempotency_key"]);
    // Two events with one key inside a single batch.
    let mut a = keyed("a");
    a.idempotency_key = Some("fresh".into());
    let mut b = keyed("b");
    b.idempotency_key = Some("fresh".into());
    let err = store.append(batch(org, vec![a, b])).await.unwrap_err();
    assert_eq!(fields(&err), vec!["events[1].idempotency_key"]);
    assert_eq!(store.subject_events(org, ada).await.unwrap().len(), 2);
}

/// A claim with no events (a keyed request whose writes are not ledger events, such
/// as posting an opportunity) is kept like any other: the same fingerprint passes as
/// a replay of nothing, another is a conflict, and a claim an append made conflicts
/// with a claim-only request. A batch with neither events nor a claim is refused.
pub async fn a_claim_without_events_is_kept_and_conflicts_like_any_claim(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let before = store.subject_events(org, ada).await.unwrap().len();
    let first = store.append(AppendBatch { org_id: org, events: vec![], claim: claim("solo", "a") }).await.unwrap();
    assert!(first.events.is_empty() && !first.replayed);
    let again = store.append(AppendBatch { org_id: org, events: vec![], claim: claim("solo", "a") }).await.unwrap();
    assert!(again.events.is_empty() && again.replayed);
    let err = store.append(AppendBatch { org_id: org, events: vec![], claim: claim("solo", "b") }).await.unwrap_err();
    assert_eq!(fields(&err), ["Idempotency-Key"]);
    let err = store.append(AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("x"))], claim: claim("solo", "c") }).await.unwrap_err();
    assert_eq!(fields(&err), ["Idempotency-Key"]);
    store.append(AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("y"))], claim: claim("ledger", "d") }).await.unwrap();
    let err = store.append(AppendBatch { org_id: org, events: vec![], claim: claim("ledger", "e") }).await.unwrap_err();
    assert_eq!(fields(&err), ["Idempotency-Key"]);
    assert!(store.append(AppendBatch { org_id: org, events: vec![], claim: None }).await.is_err());
    assert_eq!(store.subject_events(org, ada).await.unwrap().len(), before + 1);
}
