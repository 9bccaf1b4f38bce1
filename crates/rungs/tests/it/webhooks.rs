//! Signed webhooks end to end, each against a receiver the test starts (real HTTP):
//! every event exactly once, in ledger order, with a valid signature — across a
//! `kill -9` of the server between commit and delivery, through an hour-long
//! receiver outage under a simulated clock, and with two instances on PostgreSQL.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rungs_app::Viewer;
use rungs_app::webhooks::{self, Clock, Config, Dispatcher};
use rungs_core::event::EventInput;
use rungs_core::store::Store;
use rungs_core::webhooks::{Backoff, DeliveryStatus, SubscriptionInput, verify};
use serde_json::{Value, json};

use crate::receiver::{Received, Receiver};
use crate::support::*;

/// Check what a receiver accepted: each of `want` (event ids) exactly once, in
/// ledger order, each signed with `secret`; returns the seqs.
fn check_accepted(got: &[Received], want: &HashSet<String>, secret: &str, now: DateTime<Utc>) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut seqs = Vec::new();
    for r in got {
        let sig = r.header("Rungs-Signature").expect("signed");
        assert!(verify(secret, sig, &r.body, now, chrono::Duration::hours(2)), "a valid signature over t.body: {sig}");
        let body: Value = serde_json::from_slice(&r.body).expect("a JSON body");
        let id = r.header("Rungs-Event-Id").expect("Rungs-Event-Id").to_string();
        assert_eq!(body["event"]["id"].as_str(), Some(id.as_str()));
        assert_eq!(body["type"], body["event"]["kind"]);
        assert_eq!(r.header("Rungs-Event-Type"), body["type"].as_str());
        ids.push(id);
        seqs.push(r.header("Rungs-Event-Seq").expect("Rungs-Event-Seq").parse::<i64>().unwrap());
    }
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no event accepted twice");
    assert_eq!(&unique, want, "every event, nothing else");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in ledger order: {seqs:?}");
    seqs
}

async fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post_wins(base: &str, token: &str, subject: &str, writers: usize, each: usize, tag: &str) -> HashSet<String> {
    let client = reqwest::Client::new();
    let mut tasks = vec![];
    for w in 0..writers {
        let (client, base, token, subject, tag) = (client.clone(), base.to_string(), token.to_string(), subject.to_string(), tag.to_string());
        tasks.push(tokio::spawn(async move {
            let mut acked = vec![];
            for i in 0..each {
                let body = json!({"subject": subject, "kind": "micro_progression",
                    "payload": {"category": "skill", "magnitude": "nano", "title": format!("{tag} {w}-{i}")}});
                let r = client.post(format!("{base}/api/v1/events")).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 201);
                let e: Value = r.json().await.unwrap();
                acked.push(e["id"].as_str().unwrap().to_string());
            }
            acked
        }));
    }
    let mut acked = HashSet::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    acked
}

const FAST: &[(&str, &str)] = &[("RUNGS_WEBHOOK_POLL_MS", "50"), ("RUNGS_WEBHOOK_RETRY_BASE_MS", "100"), ("RUNGS_WEBHOOK_RETRY_CAP_SECS", "1")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_gets_every_event_once_signed_in_order_across_kill_9() {
    let dir = tempdir();
    let db = db(dir.path(), "hooks.db");
    let token = init(&db);
    let receiver = Receiver::start().await;
    let out = run(&["webhooks", "add", "--db", &db, "--url", &receiver.url, "--kind", "micro_progression"], 0);
    let secret = stdout(&out).lines().last().unwrap().trim().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");

    let server = Server::start_with(&db, FAST, None);
    let me: Value = reqwest::Client::new().get(format!("{}/api/v1/me", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let subject = me["person"]["id"].as_str().unwrap().to_string();
    // Up: delivered as they come.
    let mut acked = post_wins(&server.base, &token, &subject, 4, 10, "up").await;
    wait_for("the first 40 deliveries", 60, || receiver.accepted().len() >= 40).await;

    // Down (503), events committed, then the server killed before it could deliver.
    receiver.answer(503);
    acked.extend(post_wins(&server.base, &token, &subject, 8, 25, "down").await);
    server.kill_9();
    assert_eq!(acked.len(), 240);
    receiver.answer(200);
    let server = Server::start_with(&db, FAST, None);
    wait_for("every acknowledged event after the restart", 120, || receiver.accepted().len() >= 240).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    check_accepted(&receiver.accepted(), &acked, &secret, Utc::now());
    assert!(receiver.received().iter().any(|r| r.status == 503), "the outage was seen (and retried)");

    // The log says so too, through the CLI.
    let log = stdout(&run(&["webhooks", "deliveries", "--db", &db, "--limit", "200", "--json"], 0));
    let log: Vec<Value> = serde_json::from_str(&log).unwrap();
    assert_eq!(log.len(), 200);
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    drop(server);
}

/// The simulated clock the dispatcher reads.
struct SimClock(Mutex<DateTime<Utc>>);

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl SimClock {
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

fn sim_config(worker: &str) -> Config {
    Config {
        worker: worker.into(),
        lease: chrono::Duration::seconds(60),
        timeout: Duration::from_secs(5),
        backoff: Backoff::default(),
        poll: Duration::from_millis(20),
    }
}

async fn win_inputs(store: &dyn Store, viewer: &Viewer, subject: &str, n: usize, tag: &str) -> HashSet<String> {
    let inputs: Vec<EventInput> = (0..n)
        .map(|i| EventInput {
            subject: json!(subject),
            kind: json!("micro_progression"),
            payload: json!({"category": "skill", "magnitude": "nano", "title": format!("{tag} {i}")}),
            ..EventInput::default()
        })
        .collect();
    let mut ids = HashSet::new();
    // One event per append, like separate requests.
    for input in inputs {
        let a = rungs_app::events::record(store, viewer, vec![input], None).await.unwrap();
        ids.extend(a.events.iter().map(|e| e.id.to_string()));
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hour_long_outage_under_a_simulated_clock_ends_with_everything_in_order() {
    let dir = tempdir();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("sim.db")).await.unwrap());
    let done = rungs_app::org::init(store.as_ref(), "Acme", "admin@acme.test", "Ada Admin").await.unwrap();
    let viewer = Viewer::system(done.org.id);
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let clock = Arc::new(SimClock(Mutex::new(t0)));
    let receiver = Receiver::start().await;
    let input = SubscriptionInput { url: receiver.url.clone(), description: Some("sim".into()), kinds: vec![] };
    let sub = webhooks::create(store.as_ref(), &viewer, &input, t0).await.unwrap();
    let dispatcher = Dispatcher::new(store.clone(), clock.clone(), sim_config("sim"));
    let subject = done.admin.id.to_string();

    receiver.answer(503);
    let mut want = win_inputs(store.as_ref(), &viewer, &subject, 20, "before").await;
    // An hour down, ticking every 10 simulated seconds; more events halfway.
    let mut t = t0;
    while t < t0 + chrono::Duration::hours(1) {
        if t == t0 + chrono::Duration::minutes(30) {
            want.extend(win_inputs(store.as_ref(), &viewer, &subject, 10, "halfway").await);
        }
        clock.set(t);
        dispatcher.tick().await.unwrap();
        t += chrono::Duration::seconds(10);
    }
    let tries = receiver.received().len();
    assert!(receiver.accepted().is_empty());
    // Exponential backoff: 5–10 s, then doubling up to 5–10 minutes apart — about a
    // dozen tries in the hour, not one per tick (360).
    assert!((8..=25).contains(&tries), "{tries} tries in an hour of outage");
    assert!(
        receiver.received().iter().all(|r| r.header("Rungs-Event-Seq") == receiver.received()[0].header("Rungs-Event-Seq")),
        "only the head is tried while it fails"
    );

    receiver.answer(200);
    let back = t;
    while receiver.accepted().len() < want.len() {
        assert!(t < back + chrono::Duration::minutes(11), "everything within the 10-minute cap after the receiver is back");
        clock.set(t);
        dispatcher.tick().await.unwrap();
        t += chrono::Duration::seconds(10);
    }
    check_accepted(&receiver.accepted(), &want, &sub.secret, t);
    // One more hour of ticks sends nothing more.
    for _ in 0..6 {
        t += chrono::Duration::minutes(10);
        clock.set(t);
        dispatcher.tick().await.unwrap();
    }
    assert_eq!(receiver.accepted().len(), want.len());
    let log = webhooks::deliveries(store.as_ref(), &viewer, Some(sub.subscription.id), None, None, Some(200)).await.unwrap();
    assert_eq!(log.len(), 30);
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Delivered));
    let head = log.iter().min_by_key(|d| d.seq).unwrap();
    let (_, attempts) = webhooks::delivery(store.as_ref(), &viewer, head.id).await.unwrap();
    assert_eq!(attempts.len(), tries + 1, "every try is in the delivery log");
    assert_eq!(attempts.last().unwrap().status, Some(200));
    assert!(attempts[..tries].iter().all(|a| a.status == Some(503) && a.error.as_deref().is_some_and(|e| e.contains("503"))));
    // The gaps grew: each wait at least as long as half the one before (jitter).
    let gaps: Vec<i64> = attempts.windows(2).map(|w| (w[1].at - w[0].at).num_seconds()).collect();
    assert!(gaps[..4].windows(2).all(|g| g[1] >= g[0]), "backing off: {gaps:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_instances_deliver_each_event_once() {
    let Some(pg) = PgDb::new().await else { return };
    let a = rungs_store::open(&pg.url).await.unwrap();
    let b = rungs_store::open(&pg.url).await.unwrap();
    let done = rungs_app::org::init(a.as_ref(), "Acme", "admin@acme.test", "Ada Admin").await.unwrap();
    let viewer = Viewer::system(done.org.id);
    let receiver = Receiver::start().await;
    let input = SubscriptionInput { url: receiver.url.clone(), description: None, kinds: vec![] };
    let sub = webhooks::create(a.as_ref(), &viewer, &input, Utc::now()).await.unwrap();
    let subject = done.admin.id.to_string();
    let config = |w: &str| Config { poll: Duration::from_millis(20), ..sim_config(w) };
    let da = Dispatcher::new(a.clone(), Arc::new(webhooks::SystemClock), config("instance-a")).spawn();
    let db_ = Dispatcher::new(b.clone(), Arc::new(webhooks::SystemClock), config("instance-b")).spawn();
    // Both instances append at once while both dispatch.
    let (wa, wb) = tokio::join!(win_inputs(a.as_ref(), &viewer, &subject, 60, "a"), win_inputs(b.as_ref(), &viewer, &subject, 60, "b"),);
    let want: HashSet<String> = wa.union(&wb).cloned().collect();
    wait_for("120 deliveries", 120, || receiver.accepted().len() >= 120).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    da.abort();
    db_.abort();
    check_accepted(&receiver.accepted(), &want, &sub.secret, Utc::now());
    assert_eq!(receiver.received().len(), 120, "nothing sent twice, nothing failed");
}
