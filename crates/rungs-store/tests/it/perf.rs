//! A quick, ignored throughput check of bulk append against raw inserts of the same
//! rows (the real benchmark is `cargo bench -p rungs --bench ingest`). Run with
//! `cargo test -p rungs-store --release -- --ignored --nocapture bulk_import`.

use std::time::Instant;

use rungs_core::event::NewEvent;
use rungs_core::store::AppendBatch;
use rungs_core::{EventId, PersonId};

use crate::support::*;

fn stream(org: rungs_core::OrgId, n: usize) -> Vec<NewEvent> {
    let people = (n / 50).max(1);
    let ids: Vec<PersonId> = (0..people).map(|_| PersonId::new()).collect();
    let mut out: Vec<NewEvent> = ids.iter().enumerate().map(|(i, id)| event(org, *id, day(0), hired(&format!("P {i}"), &format!("p{i}@x.example")))).collect();
    let mut k = 0u64;
    while out.len() < n {
        k += 1;
        let subject = ids[(k.wrapping_mul(2_654_435_761) % people as u64) as usize];
        let mut e = event(org, subject, day(0) + chrono::Duration::seconds(k as i64), win(&format!("Win number {k}")));
        e.actor = Some(subject);
        e.competencies = vec!["testing".into()];
        e.evidence = vec![format!("https://git.example.com/pr/{k}")];
        out.push(e);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "throughput measurement; run in release"]
async fn bulk_import_keeps_up_with_raw_inserts() {
    let n: usize = std::env::var("RUNGS_PERF_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let db = SqliteDb::new().await;
    let org = new_org(&db.store).await;
    let evs = stream(org, n);
    let t = Instant::now();
    for chunk in evs.chunks(10_000) {
        db.store.append(AppendBatch { org_id: org, events: chunk.to_vec(), claim: None }).await.unwrap();
    }
    let ours = t.elapsed().as_secs_f64();

    let base = SqliteDb::new().await;
    let org2 = new_org(&base.store).await;
    drop(base.store);
    let conn = rusqlite::Connection::open(base.dir.path().join("rungs.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;").unwrap();
    let evs: Vec<NewEvent> = evs.into_iter().map(|e| NewEvent { org_id: org2, id: EventId::new(), ..e }).collect();
    let t = Instant::now();
    for chunk in evs.chunks(10_000) {
        conn.execute_batch("BEGIN").unwrap();
        let mut ev = conn
            .prepare_cached(
                "INSERT INTO events (id, org_id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, evidence, idempotency_key, target)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .unwrap();
        for e in chunk {
            ev.execute(rusqlite::params![
                e.id.as_bytes(),
                e.org_id.as_bytes(),
                e.subject.as_bytes(),
                e.actor.map(|a| *a.as_bytes()),
                e.body.kind().as_str(),
                e.occurred_at.timestamp_micros(),
                e.recorded_at.timestamp_micros(),
                e.body.payload_json().to_string(),
                serde_json::to_string(&e.competencies).unwrap(),
                serde_json::to_string(&e.evidence).unwrap(),
                e.idempotency_key,
                e.body.target().map(|t| *t.as_bytes()),
            ])
            .unwrap();
        }
        drop(ev);
        conn.execute_batch("COMMIT").unwrap();
    }
    let raw = t.elapsed().as_secs_f64();
    let (r, b) = (n as f64 / ours, n as f64 / raw);
    println!("append: {ours:.2}s {r:.0} ev/s; raw inserts (events only): {raw:.2}s {b:.0} ev/s; ratio {:.2}", r / b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "throughput measurement; run in release"]
async fn concurrent_single_appends_share_commits() {
    let db = SqliteDb::new().await;
    let store = db.store.clone();
    let org = new_org(&store).await;
    let mut people = vec![];
    for i in 0..64 {
        people.push(hire(&store, org, &format!("P {i}")).await);
    }
    let per_client = 500;
    let t = Instant::now();
    let tasks: Vec<_> = people
        .iter()
        .map(|who| {
            let (store, who) = (store.clone(), *who);
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let s = Instant::now();
                    append1(&store, event(org, who, day(1) + chrono::Duration::seconds(i as i64), win("w"))).await;
                    lat.push(s.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = vec![];
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    let p99 = lat[lat.len() * 99 / 100];
    println!("64 clients x {per_client} single appends: {:.0} events/s, p99 {p99:?}", lat.len() as f64 / secs);
}
