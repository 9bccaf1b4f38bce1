//! Organizations, frameworks and API tokens.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::framework::{Competency, Framework, Level, Track};
use rungs_core::person::{Organization, Role};
use rungs_core::session_store::SessionRecord;
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

    assert_eq!(*store.framework(first.id).await.unwrap(), Framework::default());
    let fw = Framework {
        tracks: vec![Track { key: "engineering".into(), name: "Engineering".into(), levels: vec![Level { key: "l1".into(), title: "Engineer".into() }] }],
        competencies: vec![Competency { key: "testing".into(), name: "Testing".into(), category: "craft".into() }],
        ..Framework::default()
    };
    store.save_framework(first.id, &fw).await.unwrap();
    store.save_framework(first.id, &fw).await.unwrap();
    assert_eq!(*store.framework(first.id).await.unwrap(), fw);
    assert!(matches!(store.framework(OrgId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.save_framework(OrgId::new(), &fw).await, Err(StoreError::NotFound)));
}

pub async fn revoked_tokens_no_longer_authenticate(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let t = TokenRecord {
        scope: rungs_core::store::TokenScope::Api,
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

/// A departure ends the person's access in the same transaction as the event: their
/// tokens are revoked and their sessions deleted, nobody else's; a batch that fails
/// revokes nothing; and a token of someone who has left is refused even if it was
/// created (or left unrevoked) afterwards. Several departures at once (the group
/// commit path on PostgreSQL) revoke each person's tokens.
pub async fn a_departure_revokes_tokens_and_ends_sessions(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let token = |person: PersonId, b: u8| TokenRecord {
        scope: rungs_core::store::TokenScope::Api,
        id: TokenId::new(),
        org_id: org,
        person_id: person,
        role: Role::Employee,
        label: "laptop".into(),
        hash: [b; 32],
        created_at: day(1),
        revoked_at: None,
    };
    let session = |person: PersonId, b: u8| SessionRecord {
        hash: [b; 32],
        org_id: org,
        person_id: person,
        role: Role::Employee,
        created_at: Utc::now(),
        expires_at: Utc::now() + Duration::hours(12),
    };
    for (p, b) in [(ada, 1), (ada, 2), (bob, 3)] {
        store.create_token(&token(p, b)).await.unwrap();
        store.create_session(&session(p, b)).await.unwrap();
    }
    let live = |b: u8| {
        let store = store.clone();
        async move { (store.token_by_hash(&[b; 32]).await.is_ok(), store.session_by_hash(&[b; 32], Utc::now()).await.is_ok()) }
    };

    let failing = batch(org, vec![event(org, ada, day(30), departure()), event(org, PersonId::new(), day(30), win("nobody"))]);
    assert!(store.append(failing).await.is_err());
    assert_eq!(live(1).await, (true, true), "a failed batch revokes nothing");

    append1(&store, event(org, ada, day(30), departure())).await;
    assert_eq!((live(1).await, live(2).await), ((false, false), (false, false)));
    assert_eq!(live(3).await, (true, true), "someone else's access stays");
    assert!(store.tokens(org, Some(ada)).await.unwrap().iter().all(|t| t.revoked_at.is_some()));

    store.create_token(&token(ada, 4)).await.unwrap();
    assert!(matches!(store.token_by_hash(&[4; 32]).await, Err(StoreError::NotFound)), "a departed person's token is refused");

    let mut many = Vec::new();
    for i in 0..6 {
        many.push(hire(&store, org, &format!("Many {i}")).await);
    }
    for (i, p) in many.iter().enumerate() {
        store.create_token(&token(*p, 10 + i as u8)).await.unwrap();
    }
    futures_util::future::join_all(many.iter().map(|p| try_append1(&store, event(org, *p, day(30), departure())))).await.into_iter().for_each(|r| {
        r.unwrap();
    });
    for i in 0..many.len() {
        assert!(matches!(store.token_by_hash(&[10 + i as u8; 32]).await, Err(StoreError::NotFound)));
    }
    assert!(store.tokens(org, None).await.unwrap().iter().filter(|t| t.person_id != bob).all(|t| t.revoked_at.is_some() || t.hash == [4; 32]));
}

/// SCIM identities: stored per person, replaced in place, a userName unique per
/// organization ignoring case; a SCIM token keeps its scope.
pub async fn scim_identities_and_token_scopes(store: Arc<dyn Store>) {
    use rungs_core::store::{ScimIdentity, TokenScope};
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let id = |person, user: &str| ScimIdentity {
        org_id: org,
        person_id: person,
        user_name: user.into(),
        external_id: Some("x1".into()),
        employee_number: None,
        given_name: Some("Ada Mary".into()),
        family_name: None,
        emails: Some(serde_json::json!([{"value": "ada@example.com", "type": "other", "primary": false}])),
        deleted: false,
    };
    store.put_scim_identity(&id(ada, "Ada@Example.com")).await.unwrap();
    store.put_scim_identity(&id(ada, "ada2@example.com")).await.unwrap();
    assert_eq!(store.scim_identities(org).await.unwrap(), vec![id(ada, "ada2@example.com")]);
    let deleted = ScimIdentity { deleted: true, family_name: Some("Lovelace".into()), ..id(ada, "ada2@example.com") };
    store.put_scim_identity(&deleted).await.unwrap();
    assert_eq!(store.scim_identities(org).await.unwrap(), vec![deleted]);
    let clash = store.put_scim_identity(&id(bob, "ADA2@example.com")).await;
    assert!(matches!(&clash, Err(StoreError::Conflict { field, .. }) if field == "userName"), "{clash:?}");
    store.put_scim_identity(&id(bob, "bob@example.com")).await.unwrap();
    assert_eq!(store.scim_identities(org).await.unwrap().len(), 2);
    assert!(store.scim_identities(OrgId::new()).await.unwrap().is_empty());
    let t = TokenRecord {
        scope: TokenScope::Scim,
        id: TokenId::new(),
        org_id: org,
        person_id: ada,
        role: Role::Admin,
        label: "okta".into(),
        hash: [9; 32],
        created_at: day(1),
        revoked_at: None,
    };
    store.create_token(&t).await.unwrap();
    assert_eq!(store.token_by_hash(&[9; 32]).await.unwrap().scope, TokenScope::Scim);
}

/// SCIM groups: replaced in place by id (a rename keeps the id), a name unique per
/// organization, forgotten on delete (twice is fine), per organization.
pub async fn scim_groups_keep_their_id_and_a_unique_name(store: Arc<dyn Store>) {
    use rungs_core::store::ScimGroup;
    let org = new_org(&store).await;
    let g = |id: &str, name: &str| ScimGroup { org_id: org, id: id.into(), name: name.into(), external_id: Some(format!("ext-{id}")) };
    store.put_scim_group(&g("a", "Ops")).await.unwrap();
    store.put_scim_group(&g("b", "Eng")).await.unwrap();
    store.put_scim_group(&g("a", "Operations")).await.unwrap();
    assert_eq!(store.scim_groups(org).await.unwrap(), vec![g("b", "Eng"), g("a", "Operations")]);
    let clash = store.put_scim_group(&g("c", "Eng")).await;
    assert!(matches!(&clash, Err(StoreError::Conflict { field, .. }) if field == "displayName"), "{clash:?}");
    store.delete_scim_group(org, "b").await.unwrap();
    store.delete_scim_group(org, "b").await.unwrap();
    assert_eq!(store.scim_groups(org).await.unwrap(), vec![g("a", "Operations")]);
    store.put_scim_group(&g("c", "Eng")).await.unwrap();
    assert_eq!(store.scim_groups(org).await.unwrap().len(), 2);
    assert!(store.scim_groups(OrgId::new()).await.unwrap().is_empty());
}
