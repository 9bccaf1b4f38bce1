//! `readiness_facts`: the events readiness reads, reduced to facts, in seq order, a
//! chunk at a time, and only this organization's.

use std::sync::Arc;

use rungs_core::event::Event;
use rungs_core::event::{EventBody, MilestoneCompleted, Validation, ValidatorRole};
use rungs_core::readiness::org::Fact;
use rungs_core::store::Store;

use crate::support::*;

pub async fn readiness_facts_are_the_wins_validations_reversals_and_completions_in_ledger_order(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let (ada, bob) = (hire(&store, org, "Ada").await, hire(&store, org, "Bob").await);
    let mut w = event(org, ada, day(2), win("Shipped the importer"));
    w.competencies = vec!["delivery".into(), "testing".into()];
    let w = append1(&store, w).await;
    let v = append1(&store, event(org, ada, day(3), EventBody::Validation(Validation { target: w.id, role: ValidatorRole::Manager, note: None }))).await;
    append1(&store, event(org, bob, day(3), promotion("e3"))).await;
    let w2 = append1(&store, event(org, bob, day(4), win("Ran the release"))).await;
    let r = append1(&store, event(org, bob, day(5), reversal(w2.id))).await;
    let done = MilestoneCompleted {
        milestone: "ship".into(),
        track: "engineering".into(),
        to_level: "e3".into(),
        title: "Ship".into(),
        framework_version: Some(2),
        counted: vec![w.id],
    };
    let m = append1(&store, event(org, ada, day(6), EventBody::MilestoneCompleted(done))).await;
    // Another organization's events are not read.
    let other = new_org(&store).await;
    let carl = hire(&store, other, "Carl").await;
    append1(&store, event(other, carl, day(2), win("Elsewhere"))).await;

    let expected: Vec<Fact> = [&w, &v, &w2, &r, &m].into_iter().map(|e: &Event| Fact::from_event(e).unwrap()).collect();
    assert_eq!(store.readiness_facts(org, 0, 1000).await.unwrap(), expected, "hires and promotions are left out");
    // In chunks: each starts after the last seq of the one before.
    let mut chunks = vec![];
    let mut after = 0;
    loop {
        let chunk = store.readiness_facts(org, after, 2).await.unwrap();
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        chunks.push(chunk);
    }
    assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(chunks.concat(), expected);
    assert!(store.readiness_facts(org, m.seq, 10).await.unwrap().is_empty());
    assert!(store.readiness_facts(new_org(&store).await, 0, 10).await.unwrap().is_empty());
}
