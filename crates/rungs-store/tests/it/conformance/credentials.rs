//! Credentials: issued once per person and event, a status list position used once,
//! revoked once and only within the organization, the revoked positions and the
//! opt-in and cursor kept.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::EventId;
use rungs_core::credentials::{CredentialSource, Issued, IssuedCredential, Revoked};
use rungs_core::store::{Store, StoreError};
use uuid::Uuid;

use crate::support::*;

fn credential(org: rungs_core::OrgId, person: rungs_core::PersonId, event: EventId, list: i32, index: i64) -> IssuedCredential {
    IssuedCredential {
        id: Uuid::now_v7(),
        org_id: org,
        person,
        source: CredentialSource::Badge,
        event_id: event,
        name: "Helpful reviewer".into(),
        status_list: list,
        status_index: index,
        document: serde_json::json!({"id": "https://rungs.test/credentials/x", "proof": {"proofValue": "z1"}}),
        issued_at: Utc::now(),
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
    }
}

pub async fn a_credential_is_issued_once_and_revoked_once(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let other_org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let (list, _) = store.status_list_in_use().await.unwrap();
    assert!(list >= 1);
    let event = EventId::new();
    let first = credential(org, ada, event, 7001, 11);
    assert_eq!(store.insert_credential(&first).await.unwrap(), Issued::New);
    // The same event for the same person again (another position): the first one.
    match store.insert_credential(&credential(org, ada, event, 7001, 12)).await.unwrap() {
        Issued::Already(old) => assert_eq!(old.id, first.id),
        other => panic!("expected Already, got {other:?}"),
    }
    // Another credential on a taken position: refused, nothing stored.
    let clash = credential(org, bob, EventId::new(), 7001, 11);
    assert_eq!(store.insert_credential(&clash).await.unwrap(), Issued::PositionTaken);
    assert!(matches!(store.credential(clash.id).await, Err(StoreError::NotFound)));
    let second = credential(org, bob, EventId::new(), 7001, 99);
    assert_eq!(store.insert_credential(&second).await.unwrap(), Issued::New);

    let back = store.credential(first.id).await.unwrap();
    assert_eq!(back.document, first.document);
    assert_eq!((back.status_list, back.status_index, back.source), (7001, 11, CredentialSource::Badge));
    assert_eq!(store.credential_for_event(org, ada, event).await.unwrap().map(|c| c.id), Some(first.id));
    assert_eq!(store.credentials_of(org, ada).await.unwrap().len(), 1);
    let page = store.credentials_page(org, None, 10).await.unwrap();
    assert_eq!(page.iter().map(|c| c.id).collect::<Vec<_>>(), vec![second.id, first.id], "newest first");
    assert_eq!(store.credentials_page(org, Some(second.id), 10).await.unwrap().len(), 1);

    // Nothing revoked yet: the list exists, no bit set.
    let (bits, _) = store.status_list_bits(7001).await.unwrap();
    assert!(bits.is_empty());
    assert!(matches!(store.status_list_bits(7999).await, Err(StoreError::NotFound)));

    // Another organization cannot revoke it.
    assert!(matches!(store.revoke_credential(other_org, first.id, None, "no", Utc::now()).await, Err(StoreError::NotFound)));
    let at = Utc::now();
    match store.revoke_credential(org, first.id, Some(bob), "issued in error", at).await.unwrap() {
        Revoked::Done(c) => assert_eq!((c.revoke_reason.as_deref(), c.revoked_by), (Some("issued in error"), Some(bob))),
        other => panic!("expected Done, got {other:?}"),
    }
    // Twice, or two at once: once.
    let (a, b) = tokio::join!(
        store.revoke_credential(org, first.id, None, "again", at + Duration::seconds(1)),
        store.revoke_credential(org, first.id, None, "again", at + Duration::seconds(1))
    );
    for r in [a, b] {
        match r.unwrap() {
            Revoked::Already(c) => assert_eq!(c.revoke_reason.as_deref(), Some("issued in error")),
            other => panic!("expected Already, got {other:?}"),
        }
    }
    let (bits, when) = store.status_list_bits(7001).await.unwrap();
    assert_eq!(bits, vec![11]);
    assert!((when - at).num_milliseconds().abs() < 1);
}

pub async fn opt_in_and_the_issuing_cursor_are_kept(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    assert!(!store.credential_opt_in(org, ada).await.unwrap());
    store.set_credential_opt_in(org, ada, true, Utc::now()).await.unwrap();
    store.set_credential_opt_in(org, ada, true, Utc::now()).await.unwrap();
    assert!(store.credential_opt_in(org, ada).await.unwrap());
    assert_eq!(store.opted_in(org, &[ada, bob]).await.unwrap(), vec![ada]);
    store.set_credential_opt_in(org, ada, false, Utc::now()).await.unwrap();
    assert!(store.opted_in(org, &[ada, bob]).await.unwrap().is_empty());

    assert_eq!(store.credential_cursor(org).await.unwrap(), 0);
    assert!(store.move_credential_cursor(org, 0, 5).await.unwrap());
    assert!(!store.move_credential_cursor(org, 0, 9).await.unwrap(), "a stale run moves nothing");
    assert_eq!(store.credential_cursor(org).await.unwrap(), 5);
}

/// A credential's revocation is the projection of its `credential_revoked` event:
/// `rebuild` writes an event the projection missed (a crash between the two), with
/// the event's time, actor and reason, and never un-revokes a credential revoked
/// before revocations were events.
pub async fn rebuild_projects_revocation_events(store: Arc<dyn Store>) {
    use rungs_core::event::{CredentialRevoked, EventBody};
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let boss = hire(&store, org, "Boss").await;
    let base = 7100 + i32::try_from(Utc::now().timestamp_subsec_micros() % 500).unwrap();
    let missed = credential(org, ada, EventId::new(), base, 1);
    let legacy = credential(org, ada, EventId::new(), base, 2);
    for c in [&missed, &legacy] {
        assert_eq!(store.insert_credential(c).await.unwrap(), Issued::New);
    }
    store.revoke_credential(org, legacy.id, None, "revoked before events", Utc::now()).await.unwrap();
    let body = EventBody::CredentialRevoked(CredentialRevoked { credential: missed.id, certified: missed.event_id, reason: "wrong person".into() });
    let mut e = event(org, ada, Utc::now(), body);
    e.actor = Some(boss);
    let e = append1(&store, e).await;
    assert!(store.credential(missed.id).await.unwrap().revoked_at.is_none(), "the projection missed it");

    store.rebuild(org).await.unwrap();
    let now = store.credential(missed.id).await.unwrap();
    assert_eq!((now.revoked_at, now.revoked_by, now.revoke_reason.as_deref()), (Some(e.recorded_at), Some(boss), Some("wrong person")));
    assert_eq!(store.credential(legacy.id).await.unwrap().revoke_reason.as_deref(), Some("revoked before events"), "kept");
    let (bits, _) = store.status_list_bits(base).await.unwrap();
    assert_eq!(bits, vec![1, 2]);
    // Again: the same.
    store.rebuild(org).await.unwrap();
    assert_eq!(store.credential(missed.id).await.unwrap(), now);
}
