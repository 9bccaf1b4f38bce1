//! Organizations, frameworks and API tokens.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::framework::{Competency, Framework, Level, Track};
use rungs_core::person::{Organization, Role};
use rungs_core::store::{Store, StoreError, TokenRecord};
use rungs_core::{OrgId, PersonId, TokenId};

use crate::support::*;

pub async fn organizations_and_frameworks_round_trip(store: Arc<dyn Store>) {
    assert_eq!(store.default_org().await.unwrap(), None);
    let first = Organization { id: OrgId::new(), name: "First".into(), created_at: day(0) };
    store.create_org(&first).await.unwrap();
    store.create_org(&Organization { id: OrgId::new(), name: "Second".into(), created_at: day(-5) }).await.unwrap();
    assert_eq!(store.default_org().await.unwrap(), Some(first.clone()), "the first created, whatever its clock said");
    assert_eq!(store.org(first.id).await.unwrap(), first);
    assert!(matches!(store.create_org(&first).await, Err(StoreError::Conflict { .. })));
    assert!(matches!(store.org(OrgId::new()).await, Err(StoreError::NotFound)));

    assert_eq!(store.framework(first.id).await.unwrap(), Framework::default());
    let fw = Framework {
        tracks: vec![Track { key: "engineering".into(), name: "Engineering".into(), levels: vec![Level { key: "l1".into(), title: "Engineer".into() }] }],
        competencies: vec![Competency { key: "testing".into(), name: "Testing".into(), category: "craft".into() }],
        ..Framework::default()
    };
    store.save_framework(first.id, &fw).await.unwrap();
    store.save_framework(first.id, &fw).await.unwrap();
    assert_eq!(store.framework(first.id).await.unwrap(), fw);
    assert!(matches!(store.framework(OrgId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.save_framework(OrgId::new(), &fw).await, Err(StoreError::NotFound)));
}

pub async fn revoked_tokens_no_longer_authenticate(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let t = TokenRecord {
        id: TokenId::new(),
        org_id: org,
        person_id: ada,
        role: Role::Manager,
        label: "laptop".into(),
        hash: [7; 32],
        created_at: day(1),
        revoked_at: None,
    };
    store.create_token(&t).await.unwrap();
    assert_eq!(store.token_by_hash(&[7; 32]).await.unwrap(), t);
    assert!(matches!(store.token_by_hash(&[8; 32]).await, Err(StoreError::NotFound)));
    assert_eq!(store.tokens(org, Some(ada)).await.unwrap(), vec![t.clone()]);
    assert_eq!(store.tokens(org, None).await.unwrap().len(), 1);
    assert!(store.tokens(org, Some(PersonId::new())).await.unwrap().is_empty());

    let at = day(2);
    let revoked = store.revoke_token(org, t.id, at).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(at));
    let again = store.revoke_token(org, t.id, at + Duration::days(1)).await.unwrap();
    assert_eq!(again.revoked_at, Some(at), "revoking twice keeps the first time");
    assert!(matches!(store.token_by_hash(&[7; 32]).await, Err(StoreError::NotFound)));
    assert!(matches!(store.revoke_token(org, TokenId::new(), Utc::now()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.revoke_token(new_org(&store).await, t.id, at).await, Err(StoreError::NotFound)), "scoped by org");
}

pub async fn appending_to_an_unknown_org_is_not_found(store: Arc<dyn Store>) {
    let ghost = OrgId::new();
    let err = try_append1(&store, event(ghost, PersonId::new(), day(0), hired("Ada", "ada@example.com"))).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(store.stats().await.unwrap().events, 0);
}
