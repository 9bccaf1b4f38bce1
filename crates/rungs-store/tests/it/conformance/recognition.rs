//! Recognition with points: the allowance and the per-receiver cap enforced by the
//! append under concurrency, a reversal giving points back, the spending the
//! snapshot loads, the feed, balances, flows and the policy.

use std::sync::Arc;

use chrono::Duration;
use rungs_core::event::{EventBody, Recognition};
use rungs_core::ledger::SnapshotRequest;
use rungs_core::recognition::{Allowance, FeedQuery, Policy, SpendKey};
use rungs_core::store::Store;
use rungs_core::{OrgId, PersonId};

use crate::support::*;

fn allowance(points: u32, pair_cap: u32) -> Allowance {
    Allowance { period_start: day(0), period_end: day(31), points, pair_cap }
}

/// A recognition of `points` from `giver` to `to` on day `d`, drawing on `a`.
fn gift(org: OrgId, giver: PersonId, to: PersonId, d: i64, points: u32, a: Option<Allowance>) -> rungs_core::event::NewEvent {
    let mut e = event(org, to, day(d), EventBody::Recognition(Recognition { allowance: a, ..Recognition::new("thanks", points) }));
    e.actor = Some(giver);
    e
}

pub async fn the_allowance_and_the_cap_hold_under_concurrent_gifts(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let others: Vec<PersonId> = futures_util::future::join_all((0..12).map(|i| hire_named(&store, org, i))).await;
    // 12 gifts of 10 racing for an allowance of 100, a cap of 20 per person.
    let a = allowance(100, 20);
    let tasks: Vec<_> = others
        .iter()
        .map(|&to| {
            let store = store.clone();
            tokio::spawn(async move { try_append1(&store, gift(org, ada, to, 1, 10, Some(a))).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(fields(&e), vec!["payload.points"], "{e}"),
        }
    }
    assert_eq!(ok, 10, "exactly the allowance is spent, never more");
    let all = SpendKey { giver: ada, receiver: None, period_start: a.period_start, period_end: a.period_end };
    assert_eq!(store.recognition_spent(org, &all).await.unwrap(), 100);

    // The cap per receiver: a second 10 to the same person fits only while under 20.
    let bob = others[0];
    let err = try_append1(&store, gift(org, ada, bob, 2, 5, Some(allowance(1000, 20)))).await;
    let got = store.recognition_spent(org, &SpendKey { receiver: Some(bob), ..all }).await.unwrap();
    assert!(got <= 20, "{got}");
    if got == 10 {
        err.expect("5 more fits under a cap of 20");
    }
    let over = try_append1(&store, gift(org, ada, bob, 2, 25, Some(allowance(1000, 20)))).await.unwrap_err();
    assert_eq!(fields(&over), vec!["payload.points"]);
    assert!(over.to_string().contains("one giver may give one person"), "{over}");

    // Concurrent gifts in one group on two racing tasks per receiver pair: the cap too.
    let carl = hire(&store, org, "Carl").await;
    let dee = hire(&store, org, "Dee").await;
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { try_append1(&store, gift(org, carl, dee, 3, 10, Some(allowance(1000, 30)))).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 3, "a cap of 30 takes three gifts of 10");
}

async fn hire_named(store: &Arc<dyn Store>, org: OrgId, i: usize) -> PersonId {
    hire(store, org, &format!("Peer {i}")).await
}

pub async fn a_reversal_gives_the_points_back_and_other_periods_do_not_count(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let a = allowance(30, 30);
    let first = append1(&store, gift(org, ada, bob, 1, 30, Some(a))).await;
    let err = try_append1(&store, gift(org, ada, bob, 2, 1, Some(a))).await.unwrap_err();
    assert!(err.to_string().contains("0 of 30 points"), "{err}");
    // Last period's and other givers' points are not this period's spending.
    append1(&store, gift(org, bob, ada, 2, 30, Some(a))).await;
    let next = Allowance { period_start: day(31), period_end: day(60), ..a };
    append1(&store, gift(org, ada, bob, 40, 30, Some(next))).await;
    // The reversal, and a new gift, in one batch: the points come back at once.
    let mut undo = event(org, bob, day(3), reversal(first.id));
    undo.actor = Some(ada);
    store.append(batch(org, vec![undo, gift(org, ada, bob, 3, 30, Some(a))])).await.expect("the reversal returned the points");
    // Outside its period, a gift is refused.
    let late = try_append1(&store, gift(org, ada, bob, 35, 1, Some(a))).await.unwrap_err();
    assert_eq!(fields(&late), vec!["occurred_at"]);
    // Nobody recognizes themself.
    let me = try_append1(&store, gift(org, ada, ada, 3, 0, None)).await.unwrap_err();
    assert_eq!(fields(&me), vec!["subject"]);
}

pub async fn the_snapshot_loads_spending_only_for_recognition(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let a = allowance(100, 50);
    append1(&store, gift(org, ada, bob, 1, 7, Some(a))).await;
    append1(&store, gift(org, ada, bob, 2, 5, None)).await;
    let win = batch(org, vec![event(org, bob, day(3), win("a win"))]);
    assert!(SnapshotRequest::new(org, &[win]).spending.is_empty(), "a micro-progression loads nothing for recognition");
    let next = batch(org, vec![gift(org, ada, bob, 3, 1, Some(a))]);
    let r = SnapshotRequest::new(org, &[next]);
    assert_eq!(r.spending.len(), 2);
    // The snapshot loads these with the same query as `recognition_spent`.
    assert_eq!(store.recognition_spent(org, &r.spending[0]).await.unwrap(), 12, "all the giver's points in the period, with or without an allowance");
    assert_eq!(store.recognition_spent(org, &r.spending[1]).await.unwrap(), 12);
    let other = SpendKey { receiver: Some(ada), ..r.spending[0] };
    assert_eq!(store.recognition_spent(org, &other).await.unwrap(), 0);
}

pub async fn feed_balances_flows_and_policy(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let g1 = append1(&store, gift(org, ada, bob, 1, 10, None)).await;
    let mut private = gift(org, bob, ada, 2, 4, None);
    if let EventBody::Recognition(r) = &mut private.body {
        r.public = false;
    }
    let g2 = append1(&store, private).await;
    let g3 = append1(&store, gift(org, ada, bob, 3, 6, None)).await;
    append1(&store, event(org, bob, day(4), win("not recognition"))).await;
    let mut undo = event(org, bob, day(5), reversal(g3.id));
    undo.actor = Some(ada);
    append1(&store, undo).await;

    let page = store.recognition_feed(org, &FeedQuery { limit: 10, ..FeedQuery::default() }).await.unwrap();
    let ids: Vec<_> = page.iter().map(|f| f.event.id).collect();
    assert_eq!(ids, vec![g2.id, g1.id], "newest first, reversed recognition gone, other kinds absent");
    assert_eq!((page[1].giver_name.as_deref(), page[1].receiver_name.as_str()), (Some("Ada"), "Bob"));
    let next = store.recognition_feed(org, &FeedQuery { limit: 1, before_seq: Some(g2.seq), person: None }).await.unwrap();
    assert_eq!(next.iter().map(|f| f.event.id).collect::<Vec<_>>(), vec![g1.id]);
    let ada_only = store.recognition_feed(org, &FeedQuery { limit: 10, before_seq: None, person: Some(ada) }).await.unwrap();
    assert_eq!(ada_only.len(), 2);
    assert!(store.recognition_feed(new_org(&store).await, &FeedQuery { limit: 10, ..FeedQuery::default() }).await.unwrap().is_empty());

    let got = store.recognition_received(org, bob, None).await.unwrap();
    assert_eq!((got.points, got.count), (10, 1));
    let since = store.recognition_received(org, bob, Some(day(2))).await.unwrap();
    assert_eq!((since.points, since.count), (0, 0));

    let mut flows = store.recognition_flows(org, day(0), day(10)).await.unwrap();
    flows.sort_by_key(|f| f.points);
    assert_eq!(flows.iter().map(|f| (f.giver, f.receiver, f.points, f.count)).collect::<Vec<_>>(), vec![(bob, ada, 4, 1), (ada, bob, 10, 1)]);
    assert!(store.recognition_flows(org, day(2) + Duration::hours(1), day(10)).await.unwrap().is_empty());

    assert_eq!(store.recognition_policy(org).await.unwrap(), None);
    let p = Policy { time_zone: "Europe/Paris".into(), reset_day: 5, ..Policy::default() };
    store.save_recognition_policy(org, &p).await.unwrap();
    store.save_recognition_policy(org, &p).await.unwrap();
    assert_eq!(store.recognition_policy(org).await.unwrap(), Some(p.clone()));
    assert!(matches!(store.save_recognition_policy(OrgId::new(), &p).await, Err(rungs_core::store::StoreError::NotFound)));
}
