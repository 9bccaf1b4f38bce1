//! Evidence from work systems: a delivery is recorded once per source and delivery
//! id (with its suggestion, in one transaction), a suggestion leaves `pending` once,
//! and the mapping (rules, accounts, auto-accept) round-trips in order.

use std::sync::Arc;

use chrono::Utc;
use rungs_core::event::Category;
use rungs_core::evidence::verify::{new_secret, secret_hash};
use rungs_core::evidence::{Account, MatchOn, Outcome, Received, Rule, Source, SourceKind, Suggestion, SuggestionState};
use rungs_core::store::{Store, StoreError};
use rungs_core::{EventId, OrgId, PersonId};
use uuid::Uuid;

use crate::support::*;

async fn source(store: &Arc<dyn Store>, org: OrgId, kind: SourceKind) -> Source {
    let s = Source { id: Uuid::now_v7(), org_id: org, kind, name: "acme".into(), secret_hash: secret_hash(&new_secret([1; 32])), created_at: day(1) };
    store.create_source(&s).await.unwrap();
    s
}

fn suggested(org: OrgId, person: PersonId, src: &Source, delivery: &str) -> Suggestion {
    Suggestion {
        id: Uuid::now_v7(),
        org_id: org,
        person_id: person,
        source_id: src.id,
        source_kind: src.kind,
        delivery: delivery.into(),
        title: "Merged: cursors".into(),
        description: None,
        url: Some("https://github.com/acme/api/pull/1".into()),
        competencies: vec!["api-design".into(), "testing".into()],
        category: Category::ProjectCompleted,
        occurred_at: Some(day(3)),
        state: SuggestionState::Pending,
        event_id: None,
        // Whole microseconds: both backends keep time to the microsecond.
        created_at: day(4),
        resolved_at: None,
    }
}

pub async fn a_delivery_is_recorded_once_with_its_suggestion(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let src = source(&store, org, SourceKind::Github).await;
    assert_eq!(store.source_by_id(src.id).await.unwrap(), src);
    let received = Received { source_id: src.id, delivery: "d-1".into(), outcome: Outcome::Suggested, received_at: Utc::now() };
    let first = suggested(org, ada, &src, "d-1");
    assert!(store.record_delivery(org, &received, Some(&first)).await.unwrap());
    // The retry, concurrently and again: nothing new.
    let (retry, again) = (suggested(org, ada, &src, "d-1"), suggested(org, ada, &src, "d-1"));
    let (a, b) = tokio::join!(store.record_delivery(org, &received, Some(&retry)), store.record_delivery(org, &received, Some(&again)));
    assert!(!a.unwrap() && !b.unwrap());
    let mine = store.suggestions(org, Some(ada), Some(SuggestionState::Pending), 50).await.unwrap();
    assert_eq!(mine, vec![first.clone()]);
    assert_eq!(store.received(org, src.id, 10).await.unwrap().len(), 1);
    // Another source may use the same delivery id.
    let other = source(&store, org, SourceKind::Gitlab).await;
    let r2 = Received { source_id: other.id, delivery: "d-1".into(), outcome: Outcome::Unmapped, received_at: Utc::now() };
    assert!(store.record_delivery(org, &r2, None).await.unwrap());
    assert_eq!(store.suggestions(org, None, None, 50).await.unwrap().len(), 1);
    // Another organization sees none of it.
    let elsewhere = new_org(&store).await;
    assert!(store.sources(elsewhere).await.unwrap().is_empty());
    assert!(matches!(store.suggestion(elsewhere, first.id).await, Err(StoreError::NotFound)));
    store.delete_source(org, other.id).await.unwrap();
    assert!(matches!(store.source_by_id(other.id).await, Err(StoreError::NotFound)));
}

pub async fn a_suggestion_leaves_pending_once(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let src = source(&store, org, SourceKind::Generic).await;
    let s = suggested(org, ada, &src, "lms-1");
    let received = Received { source_id: src.id, delivery: "lms-1".into(), outcome: Outcome::Suggested, received_at: Utc::now() };
    assert!(store.record_delivery(org, &received, Some(&s)).await.unwrap());
    let (a, b) = tokio::join!(
        store.resolve_suggestion(org, s.id, SuggestionState::Accepted, Utc::now()),
        store.resolve_suggestion(org, s.id, SuggestionState::Dismissed, Utc::now())
    );
    let won = [a.is_ok(), b.is_ok()];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "exactly one resolution wins: {won:?}");
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(StoreError::Conflict { ref field, .. }) if field == "state"), "{lost:?}");
    let now = store.suggestion(org, s.id).await.unwrap();
    assert!(now.resolved_at.is_some());
    if now.state == SuggestionState::Accepted {
        let event = EventId::new();
        store.attach_suggestion_event(org, s.id, event).await.unwrap();
        assert_eq!(store.suggestion(org, s.id).await.unwrap().event_id, Some(event));
        // An accepted suggestion with its win is never reopened.
        store.reopen_suggestion(org, s.id).await.unwrap();
        assert_eq!(store.suggestion(org, s.id).await.unwrap().state, SuggestionState::Accepted);
    } else {
        assert!(matches!(store.attach_suggestion_event(org, s.id, EventId::new()).await, Err(StoreError::NotFound)));
    }
    // A failed accept goes back to pending and may be accepted again.
    let t = suggested(org, ada, &src, "lms-2");
    let r = Received { source_id: src.id, delivery: "lms-2".into(), outcome: Outcome::Suggested, received_at: Utc::now() };
    store.record_delivery(org, &r, Some(&t)).await.unwrap();
    store.resolve_suggestion(org, t.id, SuggestionState::Accepted, Utc::now()).await.unwrap();
    store.reopen_suggestion(org, t.id).await.unwrap();
    assert_eq!(store.suggestion(org, t.id).await.unwrap().state, SuggestionState::Pending);
    store.resolve_suggestion(org, t.id, SuggestionState::Accepted, Utc::now()).await.unwrap();
}

pub async fn the_mapping_round_trips_in_order(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    assert!(!store.auto_accept(org).await.unwrap());
    store.set_auto_accept(org, true).await.unwrap();
    assert!(store.auto_accept(org).await.unwrap());
    store.set_auto_accept(org, false).await.unwrap();
    assert!(!store.auto_accept(org).await.unwrap());
    let rules = vec![
        Rule { on: MatchOn::Repository, value: "acme/api".into(), competencies: vec!["api-design".into()], category: Category::ProjectCompleted },
        Rule { on: MatchOn::Label, value: "security".into(), competencies: vec![], category: Category::Skill },
        Rule { on: MatchOn::Course, value: "rust-101".into(), competencies: vec!["rust".into(), "testing".into()], category: Category::Learning },
    ];
    store.set_rules(org, &rules).await.unwrap();
    assert_eq!(store.rules(org).await.unwrap(), rules);
    store.set_rules(org, &rules[1..]).await.unwrap();
    assert_eq!(store.rules(org).await.unwrap(), rules[1..].to_vec());
    let accounts = vec![
        Account { system: SourceKind::Github, login: "octocat".into(), person_id: ada },
        Account { system: SourceKind::Gitlab, login: "id:42".into(), person_id: ada },
    ];
    store.set_accounts(org, &accounts).await.unwrap();
    assert_eq!(store.accounts(org).await.unwrap(), accounts);
    // One person per login: linking a login twice is refused, the old links stay.
    let twice = vec![accounts[0].clone(), accounts[0].clone()];
    assert!(store.set_accounts(org, &twice).await.is_err());
    assert_eq!(store.accounts(org).await.unwrap(), accounts);
}
