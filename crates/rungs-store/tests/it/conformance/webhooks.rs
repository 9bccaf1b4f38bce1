//! Webhooks: the outbox commits with its events, the fan-out makes one delivery per
//! subscription and event (the store's unique key) in ledger order, a subscription
//! is leased to one dispatcher at a time with a fencing token, a failed head holds
//! its queue until its retry, and a replay sends a delivery again.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rungs_core::OrgId;
use rungs_core::event::EventKind;
use rungs_core::store::{AppendBatch, Store};
use rungs_core::webhooks::{Attempt, DeliveryQuery, DeliveryStatus, Outcome, Subscription};
use uuid::Uuid;

use crate::support::*;

async fn subscribe(store: &Arc<dyn Store>, org: OrgId, kinds: Vec<EventKind>, active: bool) -> Subscription {
    let s = Subscription {
        id: Uuid::now_v7(),
        org_id: org,
        url: "http://127.0.0.1:9/hook".into(),
        description: "test".into(),
        kinds,
        active: true,
        secret: "whsec_test".into(),
        after_seq: 0,
        created_at: Utc::now(),
    };
    let s = store.create_subscription(&s).await.unwrap();
    if !active {
        store.set_subscription_active(org, s.id, false, Utc::now()).await.unwrap();
    }
    s
}

async fn all_deliveries(store: &Arc<dyn Store>, org: OrgId, sub: Uuid) -> Vec<rungs_core::webhooks::Delivery> {
    let mut d = store.deliveries(org, &DeliveryQuery { subscription: Some(sub), limit: 10_000, ..Default::default() }).await.unwrap();
    d.reverse();
    d
}

fn attempt(delivery: Uuid, at: DateTime<Utc>, status: Option<i32>) -> Attempt {
    Attempt { delivery_id: delivery, at, status, error: status.filter(|s| *s >= 300).map(|s| format!("HTTP {s}")), duration_ms: 3 }
}

pub async fn the_outbox_fans_out_once_per_subscription_and_event_in_ledger_order(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    // Events before a subscription exists are not for it.
    append1(&store, event(org, ada, day(2), win("before"))).await;
    let all = subscribe(&store, org, vec![], true).await;
    let promotions = subscribe(&store, org, vec![EventKind::Promotion], true).await;
    let paused = subscribe(&store, org, vec![], false).await;
    let mut want = vec![];
    for i in 0..5 {
        want.push(append1(&store, event(org, ada, day(3 + i), win(&format!("w{i}")))).await);
    }
    let promo = append1(&store, event(org, ada, day(10), promotion("e2"))).await;
    want.push(promo.clone());
    assert!(store.outbox_len().await.unwrap() >= 7, "one outbox row per appended event, committed with it");
    let now = Utc::now();
    // Several fan-outs at once: the unique key and the fan-out lock keep one each.
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.fan_out(now, 3).await.unwrap() })
        })
        .collect();
    for r in runs {
        r.await.unwrap();
    }
    while store.fan_out(now, 1000).await.unwrap() > 0 {}
    assert_eq!(store.outbox_len().await.unwrap(), 0);
    let got = all_deliveries(&store, org, all.id).await;
    assert_eq!(got.iter().map(|d| d.event_id).collect::<Vec<_>>(), want.iter().map(|e| e.id).collect::<Vec<_>>(), "every later event once, in seq order");
    assert!(got.iter().all(|d| d.status == DeliveryStatus::Pending && d.attempts == 0));
    let p = all_deliveries(&store, org, promotions.id).await;
    assert_eq!(p.iter().map(|d| (d.event_id, d.kind)).collect::<Vec<_>>(), vec![(promo.id, EventKind::Promotion)], "the filter holds");
    assert!(all_deliveries(&store, org, paused.id).await.is_empty(), "an inactive subscription gets nothing");
    // An append in a failed batch leaves no outbox row.
    let bad = store
        .append(AppendBatch { org_id: org, events: vec![event(org, ada, day(11), win("ok")), event(org, PersonIdNew::new(), day(11), win("x"))], claim: None })
        .await;
    assert!(bad.is_err());
    assert_eq!(store.outbox_len().await.unwrap(), 0, "a refused batch writes no outbox row");
}

type PersonIdNew = rungs_core::PersonId;

pub async fn a_subscription_is_leased_to_one_dispatcher_with_a_fence(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let s = subscribe(&store, org, vec![], true).await;
    let now = Utc::now();
    assert!(store.claim_subscription("a", now, Duration::seconds(60)).await.unwrap().is_none(), "nothing pending: nothing due");
    append1(&store, event(org, ada, day(2), win("w"))).await;
    store.fan_out(now, 100).await.unwrap();
    // Many claimers at once: exactly one gets it.
    let claims: Vec<_> = (0..8)
        .map(|i| {
            let st = store.clone();
            tokio::spawn(async move { st.claim_subscription(&format!("w{i}"), now, Duration::seconds(60)).await.unwrap() })
        })
        .collect();
    let mut won = vec![];
    for c in claims {
        if let Some(l) = c.await.unwrap() {
            won.push(l);
        }
    }
    assert_eq!(won.len(), 1, "one dispatcher holds a subscription");
    let a = won.pop().unwrap();
    assert_eq!(a.subscription.id, s.id);
    assert_eq!(a.subscription.secret, "whsec_test");
    let pending = store.pending_deliveries(&a, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1.id, pending[0].0.event_id, "each delivery comes with its event");
    // `a` stalls past its lease; `b` takes over; `a`'s late writes are refused.
    let later = now + Duration::seconds(61);
    let b = store.claim_subscription("b", later, Duration::seconds(60)).await.unwrap().expect("an expired lease is taken over");
    let d = pending[0].0.id;
    assert!(!store.record_attempt(&a, &attempt(d, later, Some(200)), Outcome::Delivered).await.unwrap(), "fenced");
    assert!(!store.release_subscription(&a, None, later).await.unwrap());
    assert!(store.record_attempt(&b, &attempt(d, later, Some(200)), Outcome::Delivered).await.unwrap());
    assert!(store.release_subscription(&b, None, later).await.unwrap());
    let got = store.delivery(org, d).await.unwrap();
    assert_eq!((got.status, got.attempts, got.last_status), (DeliveryStatus::Delivered, 1, Some(200)));
    assert_eq!(store.attempts(org, d).await.unwrap().len(), 1, "the refused write logged nothing");
    assert!(store.claim_subscription("c", later + Duration::hours(1), Duration::seconds(60)).await.unwrap().is_none(), "all delivered: nothing due");
}

pub async fn a_failed_head_holds_its_queue_until_the_retry_and_replay_sends_again(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let s = subscribe(&store, org, vec![], true).await;
    for i in 0..3 {
        append1(&store, event(org, ada, day(2 + i), win(&format!("w{i}")))).await;
    }
    let t0 = Utc::now();
    store.fan_out(t0, 100).await.unwrap();
    let l = store.claim_subscription("a", t0, Duration::seconds(60)).await.unwrap().unwrap();
    let head = store.pending_deliveries(&l, 10).await.unwrap()[0].0.clone();
    let retry = t0 + Duration::seconds(30);
    assert!(store.record_attempt(&l, &attempt(head.id, t0, Some(503)), Outcome::RetryAt(retry)).await.unwrap());
    assert!(store.release_subscription(&l, Some(retry), t0).await.unwrap());
    // A new event meanwhile must not make the subscription due before its retry.
    append1(&store, event(org, ada, day(9), win("later"))).await;
    store.fan_out(t0 + Duration::seconds(1), 100).await.unwrap();
    assert!(store.claim_subscription("a", t0 + Duration::seconds(29), Duration::seconds(60)).await.unwrap().is_none(), "backing off");
    let l = store.claim_subscription("a", retry, Duration::seconds(60)).await.unwrap().expect("due at its retry");
    let queue = store.pending_deliveries(&l, 10).await.unwrap();
    assert_eq!(queue.len(), 4);
    assert_eq!(queue[0].0.id, head.id, "the failed head is still first");
    assert_eq!((queue[0].0.attempts, queue[0].0.first_attempt_at.is_some(), queue[0].0.last_status), (1, true, Some(503)));
    for (d, _) in &queue {
        assert!(store.record_attempt(&l, &attempt(d.id, retry, Some(200)), Outcome::Delivered).await.unwrap());
    }
    assert!(store.release_subscription(&l, None, retry).await.unwrap());
    let log = all_deliveries(&store, org, s.id).await;
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Delivered));
    let seqs: Vec<i64> = log.iter().map(|d| d.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(store.attempts(org, head.id).await.unwrap().iter().map(|a| a.status).collect::<Vec<_>>(), vec![Some(503), Some(200)]);
    // Replay: back to pending, due now, and sent again.
    let t1 = retry + Duration::minutes(5);
    let r = store.replay_delivery(org, head.id, t1).await.unwrap();
    assert_eq!((r.status, r.first_attempt_at), (DeliveryStatus::Pending, None));
    let l = store.claim_subscription("b", t1, Duration::seconds(60)).await.unwrap().expect("a replay is due now");
    let queue = store.pending_deliveries(&l, 10).await.unwrap();
    assert_eq!(queue.iter().map(|(d, _)| d.id).collect::<Vec<_>>(), vec![head.id]);
    assert!(store.record_attempt(&l, &attempt(head.id, t1, Some(500)), Outcome::GiveUp).await.unwrap());
    assert!(store.release_subscription(&l, None, t1).await.unwrap());
    assert_eq!(store.delivery(org, head.id).await.unwrap().status, DeliveryStatus::Failed);
    let failed = store.deliveries(org, &DeliveryQuery { status: Some(DeliveryStatus::Failed), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(failed.len(), 1);
    // Other organizations see none of it.
    let other = new_org(&store).await;
    assert!(store.deliveries(other, &DeliveryQuery { limit: 10, ..Default::default() }).await.unwrap().is_empty());
    assert!(store.replay_delivery(other, head.id, t1).await.is_err());
    assert!(store.subscriptions(other).await.unwrap().is_empty());
    // Removing a subscription takes its deliveries and log with it.
    store.delete_subscription(org, s.id).await.unwrap();
    assert!(store.deliveries(org, &DeliveryQuery { limit: 10, ..Default::default() }).await.unwrap().is_empty());
    assert!(store.delete_subscription(org, s.id).await.is_err());
}
