use std::sync::Arc;

use rungs_core::event::{Category, EventKind};
use rungs_core::evidence::verify::{Refusal, generic_signature, github_signature};
use rungs_core::evidence::{Outcome, SourceKind};
use rungs_core::person::Role;
use serde_json::json;

use super::receive::Inbound;
use super::*;
use crate::people;

const GITHUB: &[u8] = include_bytes!("../../../rungs-core/src/evidence/fixtures/github_pull_request_merged.json");
const GENERIC: &[u8] = include_bytes!("../../../rungs-core/src/evidence/fixtures/generic_course_completed.json");

struct Org {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    admin: Viewer,
    alice: PersonId,
    bob: PersonId,
}

fn viewer(org: &Org, p: PersonId) -> Viewer {
    Viewer { org_id: org.admin.org_id, person_id: Some(p), role: Role::Employee, token_id: None }
}

async fn setup() -> Org {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("a.db")).await.unwrap());
    let init = crate::org::init(store.as_ref(), "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let hire = |name: &str| {
        json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()),
               "position": {"track": "engineering", "level": "e2", "title": "Engineer"}})
    };
    let s = store.as_ref();
    let alice = people::create(s, &admin, hire("Alice"), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let bob = people::create(s, &admin, hire("Bob"), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let mapping = Mapping {
        rules: "repository acme/api -> system-design, testing : project_completed\nlabel performance -> operations : skill\ncourse rust-101 -> code-quality : learning".into(),
        accounts: "github octocat alice@example.com".into(),
        auto_accept: false,
    };
    set_mapping(s, &admin, &mapping).await.unwrap();
    Org { _dir: dir, store, admin, alice, bob }
}

fn github<'a>(sig: Option<&'a str>, delivery: &'static str) -> Inbound<'a> {
    Inbound { event: Some("pull_request"), delivery: Some(delivery), signature: sig }
}

#[tokio::test]
async fn a_signed_merge_becomes_a_suggestion_once_and_its_person_accepts_it() {
    let o = setup().await;
    let s = o.store.as_ref();
    let created = create_source(s, &o.admin, "github", "acme on GitHub", Utc::now()).await.unwrap();
    let sig = github_signature(&created.secret, GITHUB);
    let r = receive(s, created.source.id, &github(Some(&sig), "gh-1"), GITHUB, Utc::now()).await.unwrap();
    assert_eq!((r.outcome, r.duplicate), (Outcome::Suggested, false));
    // GitHub redelivers with the same X-GitHub-Delivery: recorded once.
    let again = receive(s, created.source.id, &github(Some(&sig), "gh-1"), GITHUB, Utc::now()).await.unwrap();
    assert!(again.duplicate);
    let alice = viewer(&o, o.alice);
    let mine = suggestions(s, &alice, Some(SuggestionState::Pending)).await.unwrap();
    assert_eq!(mine.len(), 1);
    let sg = &mine[0];
    assert_eq!(sg.competencies, vec!["operations", "system-design", "testing"]);
    assert_eq!(sg.category, Category::ProjectCompleted);
    // Nobody else sees, accepts or dismisses it: not the people team, not Bob.
    assert!(suggestions(s, &viewer(&o, o.bob), None).await.unwrap().is_empty());
    assert!(matches!(accept(s, &viewer(&o, o.bob), sg.id, &AcceptInput::default(), Utc::now()).await, Err(AppError::NotFound)));
    assert!(matches!(dismiss(s, &o.admin, sg.id, Utc::now()).await, Err(AppError::NotFound)));
    // Alice edits the title and accepts: a win on her ledger, with the PR as evidence.
    let edit = AcceptInput { title: Some("Cursor pagination for orders".into()), competencies: Some(vec!["system-design".into()]), ..Default::default() };
    let (done, event) = accept(s, &alice, sg.id, &edit, Utc::now()).await.unwrap();
    assert_eq!(done.state, SuggestionState::Accepted);
    assert_eq!(done.event_id, Some(event.id));
    assert_eq!(event.kind(), EventKind::MicroProgression);
    assert_eq!((event.subject, event.actor), (o.alice, Some(o.alice)));
    assert_eq!(event.competencies, vec!["system-design"]);
    assert_eq!(event.evidence, vec!["https://github.com/acme/api/pull/1347"]);
    // Once.
    assert!(matches!(accept(s, &alice, sg.id, &AcceptInput::default(), Utc::now()).await, Err(AppError::Conflict { .. })));
    assert!(matches!(dismiss(s, &alice, sg.id, Utc::now()).await, Err(AppError::Conflict { .. })));
}

#[tokio::test]
async fn forged_unsigned_and_unknown_deliveries_are_refused() {
    let o = setup().await;
    let s = o.store.as_ref();
    let created = create_source(s, &o.admin, "github", "acme", Utc::now()).await.unwrap();
    let other = create_source(s, &o.admin, "github", "other", Utc::now()).await.unwrap();
    let forged = github_signature(&other.secret, GITHUB);
    assert!(matches!(receive(s, created.source.id, &github(Some(&forged), "x"), GITHUB, Utc::now()).await, Err(Refused::Signature(_, Refusal::BadSignature))));
    assert!(matches!(receive(s, created.source.id, &github(None, "x"), GITHUB, Utc::now()).await, Err(Refused::Signature(_, Refusal::Unsigned))));
    assert!(matches!(receive(s, Uuid::now_v7(), &github(Some(&forged), "x"), GITHUB, Utc::now()).await, Err(Refused::UnknownSender)));
    assert!(s.suggestions(o.admin.org_id, None, None, 10).await.unwrap().is_empty());
    // Removed: refused from then on.
    remove_source(s, &o.admin, created.source.id).await.unwrap();
    let sig = github_signature(&created.secret, GITHUB);
    assert!(matches!(receive(s, created.source.id, &github(Some(&sig), "x"), GITHUB, Utc::now()).await, Err(Refused::UnknownSender)));
}

#[tokio::test]
async fn auto_accept_records_the_win_and_unmapped_or_unknown_authors_suggest_nothing() {
    let o = setup().await;
    let s = o.store.as_ref();
    let mut m = mapping(s, &o.admin).await.unwrap();
    assert!(m.accounts.contains("github octocat alice@example.com"), "{}", m.accounts);
    m.auto_accept = true;
    set_mapping(s, &o.admin, &m).await.unwrap();
    let lms = create_source(s, &o.admin, "generic", "LMS", Utc::now()).await.unwrap();
    let now = Utc::now();
    let h = generic_signature(&lms.secret, now.timestamp(), GENERIC);
    let inbound = Inbound { signature: Some(&h), ..Default::default() };
    let r = receive(s, lms.source.id, &inbound, GENERIC, now).await.unwrap();
    assert_eq!(r.outcome, Outcome::AutoAccepted);
    let accepted = s.suggestions(o.admin.org_id, Some(o.alice), Some(SuggestionState::Accepted), 10).await.unwrap();
    assert_eq!(accepted.len(), 1);
    let win = s.event(o.admin.org_id, accepted[0].event_id.unwrap()).await.unwrap();
    assert_eq!(win.competencies, vec!["code-quality"]);
    // An email nobody has, and Bob's course no rule names: recorded, nothing suggested.
    let unknown = String::from_utf8_lossy(GENERIC).replace("alice@example.com", "nobody@example.com").replace("lms-7f3a91", "lms-2");
    let h = generic_signature(&lms.secret, now.timestamp(), unknown.as_bytes());
    let r = receive(s, lms.source.id, &Inbound { signature: Some(&h), ..Default::default() }, unknown.as_bytes(), now).await.unwrap();
    assert_eq!(r.outcome, Outcome::UnknownAuthor);
    let unmapped =
        String::from_utf8_lossy(GENERIC).replace("alice@example.com", "bob@example.com").replace("rust-101", "go-101").replace("lms-7f3a91", "lms-3");
    let h = generic_signature(&lms.secret, now.timestamp(), unmapped.as_bytes());
    let r = receive(s, lms.source.id, &Inbound { signature: Some(&h), ..Default::default() }, unmapped.as_bytes(), now).await.unwrap();
    assert_eq!(r.outcome, Outcome::Unmapped);
    assert!(s.suggestions(o.admin.org_id, Some(o.bob), None, 10).await.unwrap().is_empty());
    // A stale signature is refused.
    let old = now.timestamp() - 3600;
    let h = generic_signature(&lms.secret, old, GENERIC);
    assert!(matches!(
        receive(s, lms.source.id, &Inbound { signature: Some(&h), ..Default::default() }, GENERIC, now).await,
        Err(Refused::Signature(SourceKind::Generic, Refusal::Stale))
    ));
}

#[tokio::test]
async fn the_mapping_is_the_people_teams_and_checked_whole() {
    let o = setup().await;
    let s = o.store.as_ref();
    let alice = viewer(&o, o.alice);
    assert!(matches!(mapping(s, &alice).await, Err(AppError::Forbidden(_))));
    assert!(matches!(create_source(s, &alice, "github", "x", Utc::now()).await, Err(AppError::Forbidden(_))));
    let bad = Mapping { rules: "repository acme/api -> not-a-competency : skill".into(), accounts: "github x nobody@example.com".into(), auto_accept: true };
    let Err(AppError::Invalid(v)) = set_mapping(s, &o.admin, &bad).await else { panic!("refused") };
    let fields: Vec<_> = v.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["rules", "accounts"]);
    let kept = mapping(s, &o.admin).await.unwrap();
    assert!(!kept.auto_accept && kept.rules.contains("acme/api -> system-design, testing"), "nothing changed: {kept:?}");
    let Err(AppError::Invalid(v)) = create_source(s, &o.admin, "slack", "", Utc::now()).await else { panic!("refused") };
    assert_eq!(v.errors.len(), 2);
}
