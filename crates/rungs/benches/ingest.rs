//! Ingestion benchmarks, each beside its baseline (PRODUCT.md, performance table):
//!
//! * `bulk`: N events (default 1,000,000) appended through `Store::append` in batches
//!   of 10,000 — the path `rungs import events` and the demo take — versus raw
//!   batched rusqlite inserts of the same rows into the same tables and indexes.
//!   Then the same events through `Store::bulk_load` into a new, empty store (the
//!   path `rungs import events` into a new database and the demo take).
//! * `post`: single-event `POST /api/v1/events` from 64 concurrent HTTP clients against
//!   a real server on loopback, versus one fsync'd SQLite transaction per event.
//!
//! * `timeline` (part of `bulk`): a person's timeline read (`subject_events` plus
//!   `person`) on the bulk-imported ledger, p50/p99 over random people.
//! * `instances` (PostgreSQL only): `post` with one, then two in-process servers, each
//!   with its own pool, on one database; the clients are split between them.
//!
//! Run: `cargo bench -p rungs --bench ingest -- [bulk|post|instances|all] [--events N]
//! [--requests N] [--keyed] [--db postgres://ADMIN_URL]`. Without `--db` everything runs on
//! SQLite; with a PostgreSQL URL each measurement gets a fresh database
//! (`rungs_bench_*`, created through that URL) and the baselines are raw
//! tokio-postgres inserts. Results go to standard output; copy them into
//! docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

#[path = "pg/mod.rs"]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rungs_core::event::*;
use rungs_core::person::{Organization, Position};
use rungs_core::store::{AppendBatch, Store};
use rungs_core::{EventId, OrgId, PersonId};

const BATCH: usize = 10_000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The PostgreSQL admin URL from `--db`, if the benchmark runs on PostgreSQL.
fn pg_admin() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).cloned()?;
    url.starts_with("postgres").then_some(url)
}

fn main() {
    let what = std::env::args().skip(1).find(|a| ["bulk", "post", "instances", "all"].contains(&a.as_str())).unwrap_or_else(|| "all".into());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("backend: {}\n", if pg_admin().is_some() { "postgres" } else { "sqlite" });
    if what == "bulk" || what == "all" {
        rt.block_on(bulk(arg("--events", 1_000_000)));
    }
    if what == "post" || what == "all" {
        rt.block_on(post(arg("--requests", 50_000), arg("--clients", 64), 1));
    }
    if (what == "instances" || what == "all") && pg_admin().is_some() {
        for instances in [1, 2] {
            rt.block_on(post(arg("--requests", 50_000), arg("--clients", 64), instances));
        }
    }
}

/// A realistic event stream: one hire per 50 events, then wins spread over everyone.
fn events(org: OrgId, n: usize) -> Vec<NewEvent> {
    let people = (n / 50).max(1);
    let ids: Vec<PersonId> = (0..people).map(|_| PersonId::new()).collect();
    let t0 = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
    let mut out = Vec::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        out.push(NewEvent {
            id: EventId::new(),
            org_id: org,
            subject: *id,
            actor: None,
            occurred_at: t0,
            recorded_at: t0,
            body: EventBody::Hired(Hired {
                name: format!("Person {i}"),
                email: format!("p{i}@bench.example"),
                manager_id: None,
                department: Some("Engineering".into()),
                location: None,
                position: Position { track: "engineering".into(), level: "e2".into(), title: "Engineer".into() },
                pay_band: None,
                sensitive: Default::default(),
            }),
            competencies: vec![],
            evidence: vec![],
            idempotency_key: None,
        });
    }
    let mut k = 0u64;
    while out.len() < n {
        k += 1;
        let subject = ids[(k.wrapping_mul(2_654_435_761) % people as u64) as usize];
        let at = t0 + chrono::Duration::seconds(k as i64);
        out.push(NewEvent {
            id: EventId::new(),
            org_id: org,
            subject,
            actor: Some(subject),
            occurred_at: at,
            recorded_at: at,
            body: EventBody::MicroProgression(MicroProgression {
                category: Category::Skill,
                magnitude: Magnitude::Nano,
                title: format!("Win number {k}"),
                description: None,
            }),
            competencies: vec!["testing".into()],
            evidence: vec![format!("https://git.example.com/pr/{k}")],
            idempotency_key: None,
        });
    }
    out
}

async fn fresh_store(dir: &std::path::Path, name: &str) -> (Arc<dyn Store>, OrgId, String) {
    let path = match pg_admin() {
        Some(admin) => pg::fresh_database(&admin, &name.replace(".db", "")).await,
        None => dir.join(name).to_string_lossy().into_owned(),
    };
    let store = rungs_store::open(&path).await.expect("open store");
    let org = Organization { id: OrgId::new(), name: "Bench".into(), created_at: Utc::now() };
    store.create_org(&org).await.expect("org");
    store.save_framework(org.id, &rungs_app::org::starter_framework()).await.expect("framework");
    (store, org.id, path)
}

async fn bulk(n: usize) {
    let dir = tempfile::tempdir().expect("tmp");
    println!("## bulk import of {n} events, batches of {BATCH}");

    // Rungs: Store::append, with checks and projections in the same transaction.
    let (store, org, _) = fresh_store(dir.path(), "rungs.db").await;
    let evs = events(org, n);
    let started = Instant::now();
    for chunk in evs.chunks(BATCH) {
        store.append(AppendBatch { org_id: org, events: chunk.to_vec(), claim: None }).await.expect("append");
    }
    let rungs_secs = started.elapsed().as_secs_f64();
    assert_eq!(store.stats().await.expect("stats").events as usize, n);
    let people: Vec<PersonId> = evs.iter().filter(|e| e.body.kind() == EventKind::Hired).map(|e| e.subject).collect();
    timeline(&store, org, &people).await;
    let mut appended = store.all_people(org).await.expect("people");
    drop(store);

    // Rungs: `Store::bulk_load` into an empty store (`rungs import events` into a new
    // database, the demo): the same plan against memory, one transaction, the
    // secondary indexes built after, `people` written once.
    let (store, org3, _) = fresh_store(dir.path(), "bulk.db").await;
    let evs3: Vec<NewEvent> = evs
        .iter()
        .cloned()
        .map(|mut e| {
            e.org_id = org3;
            e
        })
        .collect();
    let started = Instant::now();
    let mut source = rungs_core::ledger::bulk::Chunks(evs3.chunks(BATCH).map(<[NewEvent]>::to_vec));
    let loaded = store.bulk_load(org3, &mut source).await.expect("bulk load");
    let bulk_secs = started.elapsed().as_secs_f64();
    assert!(loaded.bulk || pg_admin().is_some(), "SQLite has a bulk path");
    drop(evs3);
    assert_eq!(store.stats().await.expect("stats").events as usize, n);
    // The same projection as the append path wrote, person for person.
    let mut bulked = store.all_people(org3).await.expect("people");
    for p in &mut bulked {
        p.org_id = org;
    }
    appended.sort_by_key(|p| p.id);
    bulked.sort_by_key(|p| p.id);
    assert!(appended == bulked, "the bulk load's people differ from the appends'");
    drop((appended, bulked));
    timeline(&store, org3, &people).await;
    drop(store);

    // Baseline: the same rows, raw prepared inserts, same tables and indexes, same
    // pragmas, same transaction size.
    let (store, org2, path) = fresh_store(dir.path(), "baseline.db").await;
    drop(store);
    let evs: Vec<NewEvent> = evs
        .into_iter()
        .map(|mut e| {
            e.org_id = org2;
            e
        })
        .collect();
    let started;
    if pg_admin().is_some() {
        let mut c = pg::client(&path).await;
        started = Instant::now();
        let mut seq = 1;
        for chunk in evs.chunks(BATCH) {
            seq = pg::baseline_insert(&mut c, chunk, seq).await;
        }
    } else {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;").expect("pragmas");
        started = Instant::now();
        for chunk in evs.chunks(BATCH) {
            baseline_insert(&conn, chunk);
        }
    }
    let base_secs = started.elapsed().as_secs_f64();
    // PostgreSQL: a raw binary COPY of the same rows too (the bulk load's baseline).
    let mut copy_secs = None;
    if pg_admin().is_some() {
        let (store, org4, path) = fresh_store(dir.path(), "copy.db").await;
        drop(store);
        let evs: Vec<NewEvent> = evs
            .iter()
            .cloned()
            .map(|mut e| {
                e.org_id = org4;
                e
            })
            .collect();
        let mut c = pg::client(&path).await;
        let started = Instant::now();
        let mut seq = 1;
        for chunk in evs.chunks(BATCH) {
            seq = pg::baseline_copy(&mut c, chunk, seq).await;
        }
        copy_secs = Some(started.elapsed().as_secs_f64());
    }

    let (r, b) = (n as f64 / rungs_secs, n as f64 / base_secs);
    println!("| path | seconds | events/s |");
    println!("|---|---|---|");
    let k = n as f64 / bulk_secs;
    println!("| Rungs `Store::append` | {rungs_secs:.2} | {r:.0} |");
    println!("| Rungs `Store::bulk_load` (empty store) | {bulk_secs:.2} | {k:.0} |");
    println!("| baseline: raw batched inserts | {base_secs:.2} | {b:.0} |");
    println!("ratio Rungs / baseline = {:.2} (target >= 0.5; and >= 50,000 events/s)", r / b);
    println!("ratio bulk load / baseline = {:.2} (target >= 2)", k / b);
    if let Some(copy_secs) = copy_secs {
        let c = n as f64 / copy_secs;
        println!("| baseline: raw binary COPY | {copy_secs:.2} | {c:.0} |");
        println!("ratio bulk load / raw COPY = {:.2} (target >= 0.8)", k / c);
    }
    println!();
}

/// A person's timeline as the API reads it (their events and their projection), for
/// 2,000 random people from 4 concurrent readers.
async fn timeline(store: &Arc<dyn Store>, org: OrgId, people: &[PersonId]) {
    let per = 500;
    let started = Instant::now();
    let tasks: Vec<_> = (0..4u64)
        .map(|r| {
            let (store, people) = (store.clone(), people.to_vec());
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per);
                for i in 0..per as u64 {
                    let id = people[((r * 7919 + i).wrapping_mul(2_654_435_761) % people.len() as u64) as usize];
                    let t = Instant::now();
                    let events = store.subject_events(org, id).await.expect("timeline");
                    store.person(org, id).await.expect("person");
                    assert!(!events.is_empty());
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = vec![];
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "timeline read (subject_events + person, ~{} events each, 4 readers): {:.0} reads/s, p50 {:.2} ms, p99 {:.2} ms\n",
        50,
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
}

/// Raw inserts of events, plus one people row per hire, in one transaction.
fn baseline_insert(conn: &rusqlite::Connection, chunk: &[NewEvent]) {
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut ev = conn
            .prepare_cached(
                "INSERT INTO events (id, org_id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, evidence, idempotency_key, target)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .expect("prepare events");
        let mut people = conn
            .prepare_cached(
                "INSERT INTO people (id, org_id, name, email, manager_id, department, location, hired_at, status, ended_at, end_reason,
                    track, level, title, scope, level_since, last_promotion_at, last_progression_at, micro_progressions, micro_promotions,
                    promotions, recognitions_received, pay_band, sensitive, last_occurred_at, events_in_force)
                 VALUES (?1, ?2, ?3, ?4, NULL, ?5, NULL, ?6, 'active', NULL, NULL, ?7, ?8, ?9, NULL, ?6, NULL, NULL, 0, 0, 0, 0, NULL, '{}', ?6, 1)",
            )
            .expect("prepare people");
        for e in chunk {
            ev.execute(rusqlite::params![
                e.id.as_bytes().as_slice(),
                e.org_id.as_bytes().as_slice(),
                e.subject.as_bytes().as_slice(),
                e.actor.map(|a| a.as_bytes().to_vec()),
                e.body.kind().as_str(),
                e.occurred_at.timestamp_micros(),
                e.recorded_at.timestamp_micros(),
                e.body.payload_json().to_string(),
                serde_json::to_string(&e.competencies).expect("json"),
                serde_json::to_string(&e.evidence).expect("json"),
                e.idempotency_key,
                e.body.target().map(|t| t.as_bytes().to_vec()),
            ])
            .expect("insert event");
            if let EventBody::Hired(h) = &e.body {
                people
                    .execute(rusqlite::params![
                        e.subject.as_bytes().as_slice(),
                        e.org_id.as_bytes().as_slice(),
                        h.name,
                        h.email,
                        h.department,
                        e.occurred_at.timestamp_micros(),
                        h.position.track,
                        h.position.level,
                        h.position.title,
                    ])
                    .expect("insert person");
            }
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
}

async fn post(requests: usize, clients: usize, instances: usize) {
    let dir = tempfile::tempdir().expect("tmp");
    println!("## single-event POST, {clients} concurrent clients, {requests} requests, {instances} server instance(s)");
    let (store, org, path) = fresh_store(dir.path(), "post.db").await;
    drop(store);
    // `init` needs an empty database; make the admin on the store we just created.
    let store = rungs_store::open(&path).await.expect("reopen");
    let admin = PersonId::new();
    let now = Utc::now();
    store
        .append(AppendBatch {
            org_id: org,
            events: vec![NewEvent {
                id: EventId::new(),
                org_id: org,
                subject: admin,
                actor: None,
                occurred_at: now,
                recorded_at: now,
                body: EventBody::Hired(Hired {
                    name: "Admin".into(),
                    email: "admin@bench.example".into(),
                    manager_id: None,
                    department: None,
                    location: None,
                    position: Position { track: "operations".into(), level: "o4".into(), title: "Lead".into() },
                    pay_band: None,
                    sensitive: Default::default(),
                }),
                competencies: vec![],
                evidence: vec![],
                idempotency_key: None,
            }],
            claim: None,
        })
        .await
        .expect("admin");
    let (_, token) = rungs_app::tokens::create(store.as_ref(), org, admin, rungs_core::person::Role::Admin, "bench").await.expect("token");
    // One server per instance, each on a store (pool) of its own, like separate processes.
    let mut urls = vec![];
    let mut servers = vec![];
    for i in 0..instances {
        let s = if i == 0 { store.clone() } else { rungs_store::open(&path).await.expect("another instance") };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        urls.push(format!("http://{}/api/v1/events", listener.local_addr().expect("addr")));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(rungs_web::serve(listener, rungs_web::AppState::new(s), async {
            let _ = stop_rx.await;
        }));
        servers.push((stop_tx, server));
    }

    // The notification job runs beside the server as under `rungs serve` (every 2 s it
    // reads the events past its cursor and moves the cursor): the POST path pays only
    // for sharing the store with it.
    let notifier = {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let _ = rungs_app::notifications::derive::run(store.as_ref(), org, Utc::now()).await;
            }
        })
    };

    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build().expect("client");
    let body = serde_json::to_vec(&serde_json::json!({
        "subject": admin.to_string(), "kind": "micro_progression",
        "payload": {"category": "skill", "magnitude": "nano", "title": "bench win"}
    }))
    .expect("json");
    // `--keyed`: every request carries its own `Idempotency-Key` (the keyed path: the
    // key's row claimed and its answer kept, beside the ledger's claim).
    let keyed = std::env::args().any(|a| a == "--keyed");
    let per = requests / clients;
    let started = Instant::now();
    let mut tasks = vec![];
    for c in 0..clients {
        let (client, url, body, token) = (client.clone(), urls[c % instances].clone(), body.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let t = Instant::now();
                let mut req = client.post(&url).bearer_auth(&token).header("content-type", "application/json");
                if keyed {
                    req = req.header("Idempotency-Key", format!("bench-{c}-{i}"));
                }
                let r = req.body(body.clone()).send().await.expect("send");
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = vec![];
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    let secs = started.elapsed().as_secs_f64();
    notifier.abort();
    for (stop_tx, server) in servers {
        let _ = stop_tx.send(());
        let _ = server.await;
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    let acked = lat.len();
    let stored = store.stats().await.expect("stats").events as usize - 1;
    assert_eq!(stored, acked, "every acknowledged event is in the ledger");
    let rate = acked as f64 / secs;

    // Baseline: one fsync'd transaction per event, one connection.
    let base_n = 2_000;
    let evs = events(org, base_n + base_n / 49 + 2);
    let wins: Vec<&NewEvent> = evs.iter().filter(|e| e.body.kind() == EventKind::MicroProgression).take(base_n).collect();
    let t;
    if pg_admin().is_some() {
        let mut c = pg::client(&path).await;
        t = Instant::now();
        // Seqs far above the benchmark's own, in the same table.
        for (i, e) in wins.iter().enumerate() {
            pg::baseline_insert(&mut c, std::slice::from_ref(*e), 1_000_000_000 + i as i64).await;
        }
    } else {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;").expect("pragmas");
        t = Instant::now();
        for e in &wins {
            baseline_insert(&conn, std::slice::from_ref(*e));
        }
    }
    let base_rate = wins.len() as f64 / t.elapsed().as_secs_f64();

    println!("| path | events/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    let how = if pg_admin().is_some() { "one transaction each, per-org head lock" } else { "group commit" };
    let how = if keyed { format!("{how}, each with an Idempotency-Key") } else { how.to_string() };
    println!("| Rungs POST /api/v1/events ({how}) | {rate:.0} | {:.2} | {:.2} |", pct(0.50), pct(0.99));
    println!("| baseline: one fsync'd transaction per event | {base_rate:.0} | | |");
    println!("ratio Rungs / baseline = {:.2} (target >= 8,000 events/s, p99 <= 20 ms)\n", rate / base_rate);
}
