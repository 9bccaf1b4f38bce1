//! The PostgreSQL side of the ingest benchmark (`--db postgres://ADMIN_URL`): a fresh
//! database per measurement, and the raw tokio-postgres baselines that mirror the
//! rusqlite ones (same rows, same tables and indexes, same transaction sizes).

use rungs_core::event::{EventBody, NewEvent};
use tokio_postgres::{Client, NoTls};

async fn connect(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect to PostgreSQL");
    tokio::spawn(conn);
    client
}

/// Create `rungs_bench_<name>` (dropping a leftover) and return its URL.
pub async fn fresh_database(admin: &str, name: &str) -> String {
    let db = format!("rungs_bench_{name}");
    let c = connect(admin).await;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await.expect("drop");
    c.batch_execute(&format!("CREATE DATABASE {db}")).await.expect("create");
    let (base, query) = admin.split_once('?').map_or((admin, None), |(b, q)| (b, Some(q)));
    let cut = base.rfind('/').filter(|&i| i > base.find("://").map_or(0, |j| j + 2)).unwrap_or(base.len());
    format!("{}/{db}{}", &base[..cut], query.map(|q| format!("?{q}")).unwrap_or_default())
}

const INSERT_EVENT: &str = "INSERT INTO events (org_id, seq, id, subject, actor, kind, occurred_at, recorded_at, payload, \
     competencies, evidence, idempotency_key, target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12, $13)";
const INSERT_PERSON: &str = "INSERT INTO people (id, org_id, name, email, department, hired_at, status, track, level, title, \
     level_since, micro_progressions, micro_promotions, promotions, recognitions_received, last_occurred_at, events_in_force) \
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $6, 0, 0, 0, 0, $6, 1)";

/// Raw pipelined inserts of events (plus one people row per hire) in one transaction,
/// numbering seqs from `first_seq`. Returns the next seq.
pub async fn baseline_insert(c: &mut Client, chunk: &[NewEvent], first_seq: i64) -> i64 {
    let tx = c.transaction().await.expect("begin");
    let (ev, person) = (tx.prepare(INSERT_EVENT).await.expect("prepare"), tx.prepare(INSERT_PERSON).await.expect("prepare"));
    let payloads: Vec<String> = chunk.iter().map(|e| e.body.payload_json().to_string()).collect();
    let mut writes = Vec::with_capacity(chunk.len() * 2);
    for (i, e) in chunk.iter().enumerate() {
        let (tx, ev, payload) = (&tx, &ev, &payloads[i]);
        let seq = first_seq + i as i64;
        writes.push(Box::pin(async move {
            tx.execute(
                ev,
                &[
                    &e.org_id.0,
                    &seq,
                    &e.id.0,
                    &e.subject.0,
                    &e.actor.map(|a| a.0),
                    &e.body.kind().as_str(),
                    &e.occurred_at,
                    &e.recorded_at,
                    payload,
                    &e.competencies,
                    &e.evidence,
                    &e.idempotency_key,
                    &e.body.target().map(|t| t.0),
                ],
            )
            .await
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, tokio_postgres::Error>> + Send + '_>>);
        if let EventBody::Hired(h) = &e.body {
            let person = &person;
            writes.push(Box::pin(async move {
                tx.execute(
                    person,
                    &[&e.subject.0, &e.org_id.0, &h.name, &h.email, &h.department, &e.occurred_at, &h.position.track, &h.position.level, &h.position.title],
                )
                .await
            }));
        }
    }
    futures_util::future::try_join_all(writes).await.expect("insert");
    tx.commit().await.expect("commit");
    first_seq + chunk.len() as i64
}

pub async fn client(url: &str) -> Client {
    connect(url).await
}
