//! Background jobs: leases, fencing, periodic rescheduling, concurrent claimers, and
//! the sweep the job runner performs.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::jobs::NewJob;
use rungs_core::person::Role;
use rungs_core::session_store::SessionRecord;
use rungs_core::store::{AppendBatch, Store};
use uuid::Uuid;

use crate::support::*;

fn job(kind: &str, every: Option<i64>, unique: Option<&str>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: kind.into(),
        payload: serde_json::json!({"n": 1}),
        run_at: Utc::now() - Duration::seconds(1),
        every_secs: every,
        unique_key: unique.map(String::from),
    }
}

pub async fn a_job_is_claimed_by_one_worker_until_its_lease_expires(store: Arc<dyn Store>) {
    assert!(store.enqueue_job(&job("once", None, None)).await.unwrap());
    let now = Utc::now();
    let lease = Duration::seconds(30);
    let a = store.claim_job("a", now, lease).await.unwrap().expect("a claims the due job");
    assert_eq!((a.kind.as_str(), a.attempts, a.payload["n"].as_i64()), ("once", 1, Some(1)));
    assert!(store.claim_job("b", now, lease).await.unwrap().is_none(), "leased: nobody else gets it");
    // `a` dies; after the lease, `b` takes over, and `a`'s late finish is refused.
    let later = now + lease + Duration::seconds(1);
    let b = store.claim_job("b", later, lease).await.unwrap().expect("the expired lease is taken over");
    assert_eq!((b.id, b.attempts), (a.id, 2));
    assert!(!store.finish_job(&a, later).await.unwrap(), "a lost its lease: its finish changes nothing");
    assert!(store.finish_job(&b, later).await.unwrap());
    assert!(store.claim_job("c", later + lease * 10, lease).await.unwrap().is_none(), "a one-off job is gone once finished");
}

pub async fn periodic_jobs_are_registered_once_and_rescheduled(store: Arc<dyn Store>) {
    assert!(store.enqueue_job(&job("sweep", Some(60), Some("periodic:sweep"))).await.unwrap());
    assert!(!store.enqueue_job(&job("sweep", Some(60), Some("periodic:sweep"))).await.unwrap(), "a second instance registers nothing");
    let now = Utc::now();
    let j = store.claim_job("a", now, Duration::seconds(30)).await.unwrap().expect("due");
    assert!(store.finish_job(&j, now).await.unwrap());
    assert!(store.claim_job("a", now + Duration::seconds(59), Duration::seconds(30)).await.unwrap().is_none(), "not due yet");
    let again = store.claim_job("b", now + Duration::seconds(61), Duration::seconds(30)).await.unwrap().expect("due again");
    assert_eq!((again.id, again.attempts), (j.id, 1), "the same row, attempts reset by the finish");
    assert!(store.fail_job(&again, "boom", now + Duration::seconds(120)).await.unwrap());
    assert!(store.claim_job("b", now + Duration::seconds(119), Duration::seconds(30)).await.unwrap().is_none(), "retry later");
    assert!(store.claim_job("b", now + Duration::seconds(121), Duration::seconds(30)).await.unwrap().is_some());
}

pub async fn concurrent_claimers_never_share_a_job(store: Arc<dyn Store>) {
    for _ in 0..40 {
        store.enqueue_job(&job("work", None, None)).await.unwrap();
    }
    let tasks: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = vec![];
                while let Some(j) = store.claim_job(&format!("w{w}"), Utc::now(), Duration::seconds(60)).await.unwrap() {
                    assert!(store.finish_job(&j, Utc::now()).await.unwrap());
                    mine.push(j.id);
                }
                mine
            })
        })
        .collect();
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), 40, "every job ran");
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 40, "none ran twice");
}

pub async fn sweep_removes_expired_sessions_and_old_idempotency_claims(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let now = Utc::now();
    for (i, expires) in [now - Duration::minutes(1), now + Duration::hours(1)].into_iter().enumerate() {
        let s =
            SessionRecord { hash: [i as u8; 32], org_id: org, person_id: ada, role: Role::Employee, created_at: now - Duration::hours(2), expires_at: expires };
        store.create_session(&s).await.unwrap();
    }
    let b = AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("w"))], claim: claim("k1", "f1") };
    store.append(b).await.unwrap();
    let r = store.sweep(now, now - Duration::days(1)).await.unwrap();
    assert_eq!((r.sessions, r.idempotency), (1, 0), "the live session and the fresh claim stay");
    assert!(store.session_by_hash(&[1; 32], now).await.is_ok());
    let r = store.sweep(now, Utc::now() + Duration::seconds(1)).await.unwrap();
    assert_eq!(r.idempotency, 1);
    // The key is free again: the same request now appends anew instead of replaying.
    let b = AppendBatch { org_id: org, events: vec![event(org, ada, day(1), win("w"))], claim: claim("k1", "f1") };
    assert!(!store.append(b).await.unwrap().replayed);
}
