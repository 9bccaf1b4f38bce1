//! Appending to and reading the ledger: atomic batches, ledger rules, concurrency,
//! pagination.

use std::collections::HashSet;
use std::sync::Arc;

use rungs_core::event::{EventBody, EventKind};
use rungs_core::store::{EventQuery, Store, StoreError};
use rungs_core::{EventId, PersonId};

use crate::support::*;

pub async fn appends_and_reads_back_events(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = PersonId::new();
    let mut e = event(org, ada, day(0), hired("Ada", "ada@example.com"));
    e.competencies = vec!["testing".into()];
    e.evidence = vec!["https://example.com/pr/1".into()];
    let hire = append1(&store, e).await;
    let w = append1(&store, event(org, ada, day(3), win("Shipped the importer"))).await;
    assert!(w.seq > hire.seq, "seqs increase in append order");

    assert_eq!(store.event(org, w.id).await.unwrap(), w, "a read returns exactly what the append returned");
    assert_eq!(store.event(org, hire.id).await.unwrap().competencies, vec!["testing"]);
    assert_eq!(store.subject_events(org, ada).await.unwrap(), vec![hire.clone(), w.clone()]);
    let page = store.events(org, &EventQuery::default()).await.unwrap();
    assert_eq!(page.items, vec![hire, w.clone()]);
    assert_eq!(page.next_cursor, None);

    let other_org = new_org(&store).await;
    assert!(matches!(store.event(other_org, w.id).await, Err(StoreError::NotFound)), "events are scoped by organization");
    assert!(matches!(store.event(org, EventId::new()).await, Err(StoreError::NotFound)));

    let p = store.person(org, ada).await.unwrap();
    assert_eq!((p.name.as_str(), p.micro_progressions, p.events_in_force), ("Ada", 1, 2));
    assert_eq!(p.last_progression_at, Some(day(3)));
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.events, stats.people), (2, 1));
}

pub async fn a_batch_with_one_bad_event_appends_nothing(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let ghost = PersonId::new();
    let b = batch(org, vec![event(org, ada, day(1), win("one")), event(org, ghost, day(1), win("two")), event(org, ada, day(2), win("three"))]);
    let err = store.append(b).await.unwrap_err();
    assert_eq!(fields(&err), vec!["events[1].subject"], "{err}");
    assert_eq!(store.subject_events(org, ada).await.unwrap().len(), 1, "nothing of the batch was appended");
    assert_eq!(store.person(org, ada).await.unwrap().micro_progressions, 0, "nor projected");
}

pub async fn unknown_subject_is_refused(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let err = try_append1(&store, event(org, PersonId::new(), day(1), win("hi"))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["subject"], "a single event's error is not nested");
    assert_eq!(store.stats().await.unwrap().events, 0);
}

pub async fn hiring_someone_twice_is_refused(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let err = try_append1(&store, event(org, ada, day(2), hired("Ada", "ada2@example.com"))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["subject"]);
}

pub async fn an_event_before_the_hire_is_refused(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = PersonId::new();
    append1(&store, event(org, ada, day(10), hired("Ada", "ada@example.com"))).await;
    let err = try_append1(&store, event(org, ada, day(5), win("too early"))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["occurred_at"]);
}

pub async fn reversal_of_a_reversal_is_refused(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let w = append1(&store, event(org, ada, day(1), win("oops"))).await;
    let r = append1(&store, event(org, ada, day(2), reversal(w.id))).await;
    let err = try_append1(&store, event(org, ada, day(3), reversal(r.id))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["payload.target"]);
    let p = store.person(org, ada).await.unwrap();
    assert_eq!(p.micro_progressions, 0, "the reversed win no longer counts");
    assert_eq!(store.reversed_ids(org, ada).await.unwrap(), vec![w.id]);
}

pub async fn a_reversal_must_target_an_event_of_the_same_person(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let w = append1(&store, event(org, ada, day(1), win("mine"))).await;
    let err = try_append1(&store, event(org, bob, day(2), reversal(w.id))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["payload.target"]);
    let err = try_append1(&store, event(org, bob, day(2), reversal(EventId::new()))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["payload.target"]);
}

pub async fn an_event_is_reversed_at_most_once(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let w = append1(&store, event(org, ada, day(1), win("oops"))).await;
    append1(&store, event(org, ada, day(2), reversal(w.id))).await;
    let err = try_append1(&store, event(org, ada, day(3), reversal(w.id))).await.unwrap_err();
    assert_eq!(fields(&err), vec!["payload.target"]);

    // Under concurrency: 16 racing reversals of one event, exactly one wins.
    let w2 = append1(&store, event(org, ada, day(4), win("again"))).await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { try_append1(&store, event(org, ada, day(5), reversal(w2.id))).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(fields(&e), vec!["payload.target"]),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(store.reversed_ids(org, ada).await.unwrap().len(), 2);
}

pub async fn concurrent_writers_lose_and_duplicate_nothing(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let people: Vec<PersonId> = futures_join(&store, org).await;
    let tasks: Vec<_> = (0..32)
        .map(|t| {
            let store = store.clone();
            let subject = people[t % people.len()];
            tokio::spawn(async move {
                for i in 0..50 {
                    append1(&store, event(org, subject, day(1 + i), win(&format!("task {t} win {i}")))).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let all = store.export_events(org, 0, 10_000).await.unwrap();
    assert_eq!(all.len(), 1600 + people.len());
    let seqs: HashSet<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len(), all.len(), "seqs are unique");
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "export is in seq order");
    let wins: u32 = store.all_people(org).await.unwrap().iter().map(|p| p.micro_progressions).sum();
    assert_eq!(wins, 1600, "every acknowledged win reached the projection");
    assert_eq!(store.stats().await.unwrap().events as usize, all.len());
}

async fn futures_join(store: &Arc<dyn Store>, org: rungs_core::OrgId) -> Vec<PersonId> {
    let mut out = vec![];
    for i in 0..8 {
        out.push(hire(store, org, &format!("Person {i}")).await);
    }
    out
}

pub async fn cursor_pagination_visits_every_event_once(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    for i in 0..60 {
        let who = if i % 3 == 0 { bob } else { ada };
        let body = if i % 5 == 0 { promotion(&format!("l{}", i / 5 + 2)) } else { win(&format!("win {i}")) };
        append1(&store, event(org, who, day(1 + i), body)).await;
    }
    let mut seen = vec![];
    let mut cursor = None;
    loop {
        let page = store.events(org, &EventQuery { cursor, limit: 7, ..Default::default() }).await.unwrap();
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|e| e.seq));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 62);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "every event once, in ledger order");

    // Filters: subject, kinds, [from, to).
    let q = EventQuery { subject: Some(ada), kinds: vec![EventKind::Promotion], limit: 1000, ..Default::default() };
    let promos = store.events(org, &q).await.unwrap().items;
    assert!(!promos.is_empty() && promos.iter().all(|e| e.subject == ada && matches!(e.body, EventBody::Promotion(_))));
    let q = EventQuery { from: Some(day(10)), to: Some(day(20)), ..Default::default() };
    let window = store.events(org, &q).await.unwrap().items;
    assert_eq!(window.len(), 10);
    assert!(window.iter().all(|e| e.occurred_at >= day(10) && e.occurred_at < day(20)));

    // limit 0 means the default page; huge limits are clamped.
    let page = store.events(org, &EventQuery { limit: 0, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), rungs_core::page::DEFAULT_PAGE as usize);
    let page = store.events(org, &EventQuery { limit: 1_000_000, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 62);

    for bad in ["", "x12", "e-1", "e12abc", "p00"] {
        let err = store.events(org, &EventQuery { cursor: Some(bad.into()), ..Default::default() }).await.unwrap_err();
        assert_eq!(fields(&err), vec!["cursor"], "{bad:?}");
    }
}

/// Earlier events of a batch are visible to later ones: a reversal may target an
/// event of the same batch, a second reversal of it is refused, and the subject is
/// refolded once at the end.
pub async fn a_batch_may_reverse_its_own_events(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let w = event(org, ada, day(2), win("mistake"));
    let early = event(org, ada, day(1), win("backdated"));
    let (wid, rev) = (w.id, event(org, ada, day(3), reversal(w.id)));
    let out = store.append(batch(org, vec![w, early, rev])).await.unwrap();
    assert_eq!(out.events.len(), 3);
    assert!(out.events.windows(2).all(|p| p[0].seq < p[1].seq));
    let p = store.person(org, ada).await.unwrap();
    assert_eq!((p.micro_progressions, p.events_in_force), (1, 2), "the reversed win is out, the backdated one in");
    let again = batch(org, vec![event(org, ada, day(4), win("x")), event(org, ada, day(4), reversal(wid))]);
    let err = store.append(again).await.unwrap_err();
    assert_eq!(fields(&err), vec!["events[1].payload.target"], "{err}");
}

fn validation_by(org: rungs_core::OrgId, subject: PersonId, validator: PersonId, target: EventId, d: i64) -> rungs_core::event::NewEvent {
    let body = EventBody::Validation(rungs_core::event::Validation { target, role: rungs_core::event::ValidatorRole::Manager, note: None });
    rungs_core::event::NewEvent { actor: Some(validator), ..event(org, subject, day(d), body) }
}

/// A person validates a win once: a second validation by the same person is a
/// conflict naming the target (alone, in one batch, or racing), another person's is
/// not, and a withdrawn (reversed) validation may be given again.
pub async fn a_win_is_validated_once_per_validator(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let (ada, bob, cy) = (hire(&store, org, "Ada").await, hire(&store, org, "Bob").await, hire(&store, org, "Cy").await);
    let w = append1(&store, event(org, ada, day(1), win("shipped"))).await;
    let first = append1(&store, validation_by(org, ada, bob, w.id, 2)).await;
    let err = try_append1(&store, validation_by(org, ada, bob, w.id, 3)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { field, reason } if field == "payload.target" && reason.contains("already validated")), "{err:?}");
    append1(&store, validation_by(org, ada, cy, w.id, 3)).await;

    // Twice in one batch: the batch is refused whole.
    let w2 = append1(&store, event(org, ada, day(4), win("again"))).await;
    let twice = batch(org, vec![validation_by(org, ada, bob, w2.id, 5), validation_by(org, ada, bob, w2.id, 5)]);
    assert!(matches!(store.append(twice).await, Err(StoreError::Conflict { .. })));

    // Withdrawn, then given again.
    append1(&store, event(org, ada, day(6), reversal(first.id))).await;
    append1(&store, validation_by(org, ada, bob, w.id, 7)).await;
    assert!(try_append1(&store, validation_by(org, ada, bob, w.id, 8)).await.is_err());

    // Two tabs, a double click: 16 racing validations of one win by one person.
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { try_append1(&store, validation_by(org, ada, bob, w2.id, 9)).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(fields(&e), vec!["payload.target"]),
        }
    }
    assert_eq!(ok, 1);
    let q = EventQuery { subject: Some(ada), kinds: vec![EventKind::Validation], limit: 1000, ..Default::default() };
    let validations = store.events(org, &q).await.unwrap().items;
    let by_bob_of_w2 = validations.iter().filter(|e| e.actor == Some(bob) && matches!(&e.body, EventBody::Validation(v) if v.target == w2.id)).count();
    assert_eq!(by_bob_of_w2, 1);
}
