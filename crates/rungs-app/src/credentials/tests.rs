//! Credentials end to end on a real SQLite file: issued automatically for those who
//! opted in (once, whatever the number of runs), on request for one's own
//! achievements only; verified (signature, schema, status, dates); tampering,
//! expiry and revocation reported; revocation once, by the people team, with a
//! reason; the baked PNG carries the same credential.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::event::{EventInput, EventKind};
use rungs_core::person::Role;
use rungs_core::store::Store;
use rungs_core::{EventId, OrgId, PersonId};
use rungs_credentials::status_list::Bitstring;
use serde_json::json;

use super::issuer::IssuerKeys;
use super::{Issuer, auto, holder, public};
use crate::{AppError, Viewer};

struct Org {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    org: OrgId,
    admin: Viewer,
    boss: PersonId,
    ada: PersonId,
    issuer: Issuer,
}

async fn org() -> Org {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("c.db")).await.unwrap());
    let s = store.as_ref();
    let init = crate::org::init(s, "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let hire = |name: &str, manager: Option<PersonId>| {
        json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "manager_id": manager, "department": "Platform",
               "position": {"track": "engineering", "level": "e2", "title": "Engineer"}})
    };
    let boss = crate::people::create(s, &admin, hire("Boss", None), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let ada = crate::people::create(s, &admin, hire("Ada", Some(boss)), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let issuer = Issuer::new(IssuerKeys::ephemeral(), Some("https://rungs.test")).unwrap();
    Org { _dir: dir, store, org: init.org.id, admin, boss, ada, issuer }
}

fn as_person(o: &Org, id: PersonId, role: Role) -> Viewer {
    Viewer { org_id: o.org, person_id: Some(id), role, token_id: None }
}

async fn micro_promotion(o: &Org, who: PersonId, scope: &str) -> EventId {
    let e = EventInput { subject: json!(who), kind: json!("micro_promotion"), payload: json!({"scope": scope}), ..EventInput::default() };
    crate::events::record(o.store.as_ref(), &o.admin, vec![e], None).await.unwrap().events[0].id
}

#[tokio::test]
async fn opted_in_achievements_are_issued_once_and_verify() {
    let o = org().await;
    let s = o.store.as_ref();
    let ada = as_person(&o, o.ada, Role::Employee);
    holder::set_opt_in(s, &ada, true, Utc::now()).await.unwrap();
    assert!(holder::opted_in(s, &ada).await.unwrap());
    let event = micro_promotion(&o, o.ada, "team coordinator").await;
    // Boss did not opt in: nothing for him.
    micro_promotion(&o, o.boss, "project lead").await;
    let first = auto::run(s, &o.issuer, o.org, Utc::now()).await.unwrap();
    assert_eq!(first.issued, 1);
    let again = auto::run(s, &o.issuer, o.org, Utc::now()).await.unwrap();
    assert_eq!((again.events, again.issued), (0, 0), "the cursor moved");
    let mine = holder::mine(s, &ada).await.unwrap();
    assert_eq!(mine.len(), 1);
    let c = &mine[0];
    assert_eq!(c.event_id, event);
    assert!(holder::mine(s, &as_person(&o, o.boss, Role::Manager)).await.unwrap().is_empty());

    let doc = &c.document;
    assert_eq!(doc["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
    assert_eq!(doc["issuer"]["id"], "did:web:rungs.test");
    assert_eq!(doc["credentialSubject"]["achievement"]["achievementType"], "MicroCredential");
    assert_eq!(doc["credentialStatus"]["statusListCredential"], format!("https://rungs.test/credentials/status/{}", c.status_list));
    assert!(doc["evidence"][0]["id"].as_str().unwrap().ends_with(&event.to_string()));
    let hash = doc["credentialSubject"]["identifier"][0]["identityHash"].as_str().unwrap();
    assert!(!hash.contains("ada@"), "the email is only hashed");
    let salt = doc["credentialSubject"]["identifier"][0]["salt"].as_str().unwrap();
    assert_eq!(hash, rungs_credentials::openbadge::identity_hash("ada@example.com", salt));

    let v = public::verify(s, &o.issuer, doc, Utc::now()).await.unwrap();
    assert!(v.valid, "{v:?}");
    assert!(v.signature.ok && v.schema.ok && v.status.ok && v.dates.ok);

    // Tampered: the signature fails, the rest is reported as it is.
    let mut tampered = doc.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("Chief everything");
    let v = public::verify(s, &o.issuer, &tampered, Utc::now()).await.unwrap();
    assert!(!v.valid && !v.signature.ok && v.status.ok, "{v:?}");
    // Expired: checked at a time past validUntil.
    let v = public::verify(s, &o.issuer, doc, Utc::now() + Duration::days(366 * 6)).await.unwrap();
    assert!(!v.valid && v.expired && !v.dates.ok, "{v:?}");
    // Another issuer's key: unresolvable, never fetched.
    let other = Issuer::new(IssuerKeys::ephemeral(), Some("https://elsewhere.test")).unwrap();
    let v = public::verify(s, &other, doc, Utc::now()).await.unwrap();
    assert!(!v.signature.ok, "{v:?}");
    // Missing a field the schema requires.
    let mut bare = doc.clone();
    bare.as_object_mut().unwrap().remove("validFrom");
    let v = public::verify(s, &o.issuer, &bare, Utc::now()).await.unwrap();
    assert!(!v.schema.ok && v.schema.detail.contains("validFrom"), "{v:?}");

    // The baked PNG carries exactly the credential.
    let png = public::baked_png(c).unwrap();
    let back = public::parse_upload(&png, "file").unwrap();
    assert_eq!(&back, doc);
    assert!(matches!(public::parse_upload(b"not json", "file"), Err(AppError::Invalid(_))));
}

#[tokio::test]
async fn only_your_own_achievements_and_the_people_team_revokes_once() {
    let o = org().await;
    let s = o.store.as_ref();
    let ada = as_person(&o, o.ada, Role::Employee);
    let hers = micro_promotion(&o, o.ada, "team coordinator").await;
    let his = micro_promotion(&o, o.boss, "project lead").await;
    // Not opted in: nothing until she asks.
    assert_eq!(auto::run(s, &o.issuer, o.org, Utc::now()).await.unwrap().issued, 0);
    let err = holder::request(s, &o.issuer, &ada, his, Utc::now()).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
    let c = holder::request(s, &o.issuer, &ada, hers, Utc::now()).await.unwrap();
    let same = holder::request(s, &o.issuer, &ada, hers, Utc::now()).await.unwrap();
    assert_eq!(c.id, same.id, "once per achievement");
    assert_eq!(holder::achievements(s, &ada).await.unwrap().len(), 1);

    // Revocation: the people team only, with a reason, once.
    assert!(matches!(holder::revoke(s, &ada, c.id, "mine").await, Err(AppError::Forbidden(_))));
    assert!(matches!(holder::revoke(s, &o.admin, c.id, "  ").await, Err(AppError::Invalid(_))));
    let r = holder::revoke(s, &o.admin, c.id, "recorded for the wrong person").await.unwrap();
    assert_eq!(r.revoke_reason.as_deref(), Some("recorded for the wrong person"));
    assert!(matches!(holder::revoke(s, &o.admin, c.id, "again").await, Err(AppError::Conflict { .. })));
    assert!(matches!(holder::revoke(s, &o.admin, uuid::Uuid::now_v7(), "unknown").await, Err(AppError::NotFound)));

    // It is a ledger event on her record, by the people team; nobody reverses it.
    let revocations: Vec<_> = s.subject_events(o.org, o.ada).await.unwrap().into_iter().filter(|e| e.kind() == EventKind::CredentialRevoked).collect();
    assert_eq!(revocations.len(), 1, "once in the ledger");
    assert_eq!(revocations[0].actor, o.admin.person_id);
    assert_eq!(r.revoked_at, Some(revocations[0].recorded_at), "the credential's revocation is the event's projection");
    let undo =
        EventInput { subject: json!(o.ada), kind: json!("reversal"), payload: json!({"target": revocations[0].id, "reason": "undo"}), ..EventInput::default() };
    let err = crate::events::record(s, &o.admin, vec![undo], None).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "payload.target"), "a revocation is final: {err:?}");
    // Recorded through the ledger API, it must name a credential of that person.
    let stray = EventInput {
        subject: json!(o.boss),
        kind: json!("credential_revoked"),
        payload: json!({"credential": c.id, "certified": c.event_id, "reason": "not his"}),
        ..EventInput::default()
    };
    let err = crate::events::record(s, &o.admin, vec![stray], None).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "payload.credential"), "{err:?}");

    // The signed status list has its bit set, and only its bit.
    let list = public::status_list(s, &o.issuer, c.status_list).await.unwrap();
    let bits = Bitstring::decode(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    assert!(bits.len() >= 131_072);
    let set: Vec<usize> = (0..bits.len()).filter(|i| bits.get(*i).unwrap()).collect();
    assert_eq!(set, vec![usize::try_from(c.status_index).unwrap()]);
    assert_eq!(list, public::status_list(s, &o.issuer, c.status_list).await.unwrap(), "deterministic for a state");
    let v = public::verify(s, &o.issuer, &c.document, Utc::now()).await.unwrap();
    assert!(!v.valid && v.revoked && v.signature.ok && !v.status.ok, "{v:?}");
    assert!(matches!(public::status_list(s, &o.issuer, 999).await, Err(AppError::NotFound)));

    let all = holder::all(s, &o.admin, None, 10).await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(matches!(holder::all(s, &ada, None, 10).await, Err(AppError::Forbidden(_))));
}

/// Reversing an achievement revokes its credential: the credentials job records the
/// revocation (by the system, saying why) and the credential verifies as revoked.
#[tokio::test]
async fn reversing_an_achievement_revokes_its_credential() {
    let o = org().await;
    let s = o.store.as_ref();
    let ada = as_person(&o, o.ada, Role::Employee);
    let hers = micro_promotion(&o, o.ada, "team coordinator").await;
    let c = holder::request(s, &o.issuer, &ada, hers, Utc::now()).await.unwrap();
    auto::run(s, &o.issuer, o.org, Utc::now()).await.unwrap();
    assert!(s.credential(c.id).await.unwrap().revoked_at.is_none());

    let undo = EventInput {
        subject: json!(o.ada),
        kind: json!("reversal"),
        payload: json!({"target": hers, "reason": "recorded for the wrong team"}),
        ..EventInput::default()
    };
    crate::events::record(s, &o.admin, vec![undo], None).await.unwrap();
    auto::run(s, &o.issuer, o.org, Utc::now()).await.unwrap();
    let now = s.credential(c.id).await.unwrap();
    assert!(now.revoked_at.is_some(), "revoked by the reversal");
    assert_eq!(now.revoke_reason.as_deref(), Some("The achievement it certified was reversed: recorded for the wrong team"));
    assert_eq!(now.revoked_by, None, "by the system");
    let v = public::verify(s, &o.issuer, &c.document, Utc::now()).await.unwrap();
    assert!(v.revoked, "{v:?}");
    // Once: another run, and the people team's own revocation, find it done.
    auto::run(s, &o.issuer, o.org, Utc::now()).await.unwrap();
    let events = s.subject_events(o.org, o.ada).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind() == EventKind::CredentialRevoked).count(), 1);
    assert!(matches!(holder::revoke(s, &o.admin, c.id, "again").await, Err(AppError::Conflict { .. })));
}
