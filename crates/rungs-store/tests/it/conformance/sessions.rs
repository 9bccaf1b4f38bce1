//! Credentials and browser sessions (`SessionStore`).

use std::sync::Arc;

use chrono::Duration;
use rungs_core::person::Role;
use rungs_core::session_store::{Credential, SessionRecord, SsoLink};
use rungs_core::store::{Store, StoreError};
use rungs_core::{OrgId, PersonId};

use crate::support::*;

fn cred(org: rungs_core::OrgId, person: PersonId, role: Role, hash: &str) -> Credential {
    Credential { org_id: org, person_id: person, role, password_hash: hash.into(), updated_at: day(1) }
}

pub async fn a_password_follows_the_persons_current_email(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    assert!(matches!(store.credential_by_email("ada@example.com").await, Err(StoreError::NotFound)), "no password yet");
    store.set_password_hash(&cred(org, ada, Role::Employee, "$argon2id$one")).await.unwrap();
    store.set_password_hash(&cred(org, ada, Role::Manager, "$argon2id$two")).await.unwrap();
    let c = store.credential_by_email("ada@example.com").await.unwrap();
    assert_eq!(c, cred(org, ada, Role::Manager, "$argon2id$two"), "the second set replaces the first");
    append1(&store, event(org, ada, day(2), email_change("ada.l@example.com"))).await;
    assert!(matches!(store.credential_by_email("ada@example.com").await, Err(StoreError::NotFound)));
    assert_eq!(store.credential_by_email("ada.l@example.com").await.unwrap().person_id, ada);
}

pub async fn sessions_expire_and_can_be_deleted(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let s = |b: u8| SessionRecord {
        hash: [b; 32],
        org_id: org,
        person_id: ada,
        role: Role::Employee,
        created_at: day(1),
        expires_at: day(1) + Duration::hours(12),
    };
    store.create_session(&s(1)).await.unwrap();
    store.create_session(&s(2)).await.unwrap();
    store.create_session(&s(3)).await.unwrap();
    assert_eq!(store.session_by_hash(&[1; 32], day(1)).await.unwrap(), s(1));
    assert!(matches!(store.session_by_hash(&[1; 32], day(2)).await, Err(StoreError::NotFound)), "expired");
    assert!(matches!(store.session_by_hash(&[9; 32], day(1)).await, Err(StoreError::NotFound)), "unknown");
    store.delete_session(&[1; 32]).await.unwrap();
    store.delete_session(&[1; 32]).await.unwrap();
    assert!(matches!(store.session_by_hash(&[1; 32], day(1)).await, Err(StoreError::NotFound)), "signed out");
    assert_eq!(store.delete_sessions_of(org, ada).await.unwrap(), 2);
    assert!(matches!(store.session_by_hash(&[2; 32], day(1)).await, Err(StoreError::NotFound)));
}

pub async fn an_sso_account_links_to_one_person_once(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let link = |p: PersonId| SsoLink { issuer: "https://idp.example".into(), subject: "sub-1".into(), org_id: org, person_id: p, created_at: day(1) };
    assert!(matches!(store.sso_link("https://idp.example", "sub-1").await, Err(StoreError::NotFound)));
    store.link_sso(&link(ada)).await.unwrap();
    assert_eq!(store.sso_link("https://idp.example", "sub-1").await.unwrap(), link(ada));
    assert!(matches!(store.link_sso(&link(bob)).await, Err(StoreError::Conflict { .. })), "the first link stands");
    assert_eq!(store.sso_link("https://idp.example", "sub-1").await.unwrap().person_id, ada);
    assert!(matches!(store.sso_link("https://other.example", "sub-1").await, Err(StoreError::NotFound)), "a subject is per issuer");
    // A person's links, oldest first; unlinking frees the account for someone else.
    let other = SsoLink { issuer: "https://other.example".into(), subject: "a".into(), created_at: day(2), ..link(ada) };
    store.link_sso(&other).await.unwrap();
    assert_eq!(store.sso_links_of(org, ada).await.unwrap(), vec![link(ada), other.clone()]);
    assert!(store.sso_links_of(org, bob).await.unwrap().is_empty());
    assert!(matches!(store.unlink_sso(org, bob, "https://idp.example", "sub-1").await, Err(StoreError::NotFound)), "only the person's own link");
    assert!(matches!(store.unlink_sso(OrgId::new(), ada, "https://idp.example", "sub-1").await, Err(StoreError::NotFound)), "only in its organization");
    store.unlink_sso(org, ada, "https://idp.example", "sub-1").await.unwrap();
    assert!(matches!(store.unlink_sso(org, ada, "https://idp.example", "sub-1").await, Err(StoreError::NotFound)));
    assert_eq!(store.sso_links_of(org, ada).await.unwrap(), vec![other]);
    store.link_sso(&link(bob)).await.unwrap();
    assert_eq!(store.sso_link("https://idp.example", "sub-1").await.unwrap().person_id, bob);
}
