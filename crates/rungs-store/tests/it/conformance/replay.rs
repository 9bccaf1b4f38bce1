//! Kept answers to keyed API requests (`ReplayStore`, migration 0021): one row per
//! (organization, principal, key) whatever the concurrency, replayed as stored,
//! fenced by the attempt that holds it, forgotten after a day.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::idempotency::{Attempt, Begun, IdempotencyKey, KeyOwner, Recorded, StoredResponse};
use rungs_core::store::Store;
use uuid::Uuid;

use crate::support::*;

fn owner(org: rungs_core::OrgId, principal: &str, key: &str) -> KeyOwner {
    KeyOwner { org_id: org, principal: principal.into(), key: IdempotencyKey::parse(key.as_bytes()).unwrap() }
}

fn attempt(owner: &KeyOwner, fingerprint: &str, now: chrono::DateTime<Utc>) -> Attempt {
    Attempt { owner: owner.clone(), fingerprint: fingerprint.into(), id: Uuid::now_v7(), now, lease: Duration::seconds(60) }
}

fn answer(body: &[u8]) -> Recorded {
    Recorded::Response(StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        location: Some("/api/v1/events/x".into()),
        body: body.to_vec(),
    })
}

pub async fn a_kept_answer_is_replayed_and_a_key_is_one_request(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let now = Utc::now();
    let k = owner(org, "ada", "k-1");
    let first = attempt(&k, "fp", now);
    assert_eq!(store.begin_request(&first).await.unwrap(), Begun::Started);
    // While it runs: the same request waits, another one is refused.
    assert_eq!(store.begin_request(&attempt(&k, "fp", now)).await.unwrap(), Begun::InFlight);
    assert_eq!(store.begin_request(&attempt(&k, "other", now)).await.unwrap(), Begun::Mismatch);
    // Bytes that are not UTF-8 come back as they were.
    let body = [0u8, 159, 146, 150, b'{', b'}'];
    store.finish_request(&k, first.id, &answer(&body)).await.unwrap();
    assert_eq!(store.begin_request(&attempt(&k, "fp", now)).await.unwrap(), Begun::Replay(answer(&body)));
    assert_eq!(store.begin_request(&attempt(&k, "other", now)).await.unwrap(), Begun::Mismatch);
    // The same key of another principal or organization is another row.
    assert_eq!(store.begin_request(&attempt(&owner(org, "bob", "k-1"), "other", now)).await.unwrap(), Begun::Started);
    let org2 = new_org(&store).await;
    assert_eq!(store.begin_request(&attempt(&owner(org2, "ada", "k-1"), "other", now)).await.unwrap(), Begun::Started);
    // A withheld answer keeps only its status.
    let t = owner(org, "ada", "token-1");
    let a = attempt(&t, "fp", now);
    assert_eq!(store.begin_request(&a).await.unwrap(), Begun::Started);
    store.finish_request(&t, a.id, &Recorded::Withheld { status: 201 }).await.unwrap();
    assert_eq!(store.begin_request(&attempt(&t, "fp", now)).await.unwrap(), Begun::Replay(Recorded::Withheld { status: 201 }));
}

pub async fn an_abandoned_or_dead_attempt_frees_its_key_and_only_its_holder_settles_it(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let now = Utc::now();
    let k = owner(org, "ada", "k-2");
    let first = attempt(&k, "fp", now);
    assert_eq!(store.begin_request(&first).await.unwrap(), Begun::Started);
    // Someone else's attempt id cannot settle it.
    store.abandon_request(&k, Uuid::now_v7()).await.unwrap();
    store.finish_request(&k, Uuid::now_v7(), &answer(b"not mine")).await.unwrap();
    assert_eq!(store.begin_request(&attempt(&k, "fp", now)).await.unwrap(), Begun::InFlight);
    // Abandoned (a 5xx): a retry runs again, even with another body.
    store.abandon_request(&k, first.id).await.unwrap();
    let second = attempt(&k, "fp2", now);
    assert_eq!(store.begin_request(&second).await.unwrap(), Begun::Started);
    // Its holder died: after the lease a retry takes the key over, and the dead
    // attempt's late answer is not kept.
    let later = now + Duration::seconds(61);
    let third = attempt(&k, "fp2", later);
    assert_eq!(store.begin_request(&third).await.unwrap(), Begun::Started);
    store.finish_request(&k, second.id, &answer(b"late")).await.unwrap();
    store.finish_request(&k, third.id, &answer(b"third")).await.unwrap();
    assert_eq!(store.begin_request(&attempt(&k, "fp2", later)).await.unwrap(), Begun::Replay(answer(b"third")));
    // A kept answer is never abandoned.
    store.abandon_request(&k, third.id).await.unwrap();
    assert_eq!(store.begin_request(&attempt(&k, "fp2", later)).await.unwrap(), Begun::Replay(answer(b"third")));
}

pub async fn a_key_expires_after_a_day_when_read_and_when_swept(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let then = Utc::now() - Duration::hours(30);
    let k = owner(org, "ada", "old");
    let a = attempt(&k, "fp", then);
    assert_eq!(store.begin_request(&a).await.unwrap(), Begun::Started);
    store.finish_request(&k, a.id, &answer(b"old")).await.unwrap();
    let fresh = owner(org, "ada", "fresh");
    let b = attempt(&fresh, "fp", Utc::now());
    assert_eq!(store.begin_request(&b).await.unwrap(), Begun::Started);
    store.finish_request(&fresh, b.id, &answer(b"fresh")).await.unwrap();
    // Not swept yet: read as absent, so the key is free for any request.
    let now = Utc::now();
    let c = attempt(&k, "another", now);
    assert_eq!(store.begin_request(&c).await.unwrap(), Begun::Started);
    store.finish_request(&k, c.id, &answer(b"new")).await.unwrap();
    // The sweep deletes only rows older than its cut.
    let stale = owner(org, "ada", "stale");
    let d = attempt(&stale, "fp", then);
    assert_eq!(store.begin_request(&d).await.unwrap(), Begun::Started);
    assert_eq!(store.forget_requests(now - rungs_core::idempotency::RESPONSE_TTL).await.unwrap(), 1);
    assert_eq!(store.begin_request(&attempt(&fresh, "fp", now)).await.unwrap(), Begun::Replay(answer(b"fresh")));
    assert_eq!(store.begin_request(&attempt(&k, "another", now)).await.unwrap(), Begun::Replay(answer(b"new")));
}

pub async fn concurrent_first_requests_with_one_key_start_once(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let now = Utc::now();
    let k = owner(org, "ada", "race");
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (store, a) = (store.clone(), attempt(&k, if i % 2 == 0 { "fp" } else { "other" }, now));
            tokio::spawn(async move { store.begin_request(&a).await.unwrap() })
        })
        .collect();
    let mut started = 0;
    for t in tasks {
        match t.await.unwrap() {
            Begun::Started => started += 1,
            Begun::InFlight | Begun::Mismatch => {}
            Begun::Replay(r) => panic!("nothing was kept yet: {r:?}"),
        }
    }
    assert_eq!(started, 1);
}
