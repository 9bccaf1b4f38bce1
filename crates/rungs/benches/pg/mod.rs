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

const COPY_EVENTS: &str = "COPY events (org_id, seq, id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, \
     evidence, idempotency_key, target) FROM STDIN (FORMAT binary)";
const COPY_PEOPLE: &str = "COPY people (id, org_id, name, email, department, hired_at, status, track, level, title, level_since, \
     micro_progressions, micro_promotions, promotions, recognitions_received, last_occurred_at, events_in_force) FROM STDIN (FORMAT binary)";

/// Raw binary `COPY` of the same rows (events, plus one people row per hire) in one
/// transaction, into the same tables with every index: the baseline of the bulk load.
/// Returns the next seq.
pub async fn baseline_copy(c: &mut Client, chunk: &[NewEvent], first_seq: i64) -> i64 {
    use tokio_postgres::binary_copy::BinaryCopyInWriter;
    use tokio_postgres::types::{Json, Type};
    let tx = c.transaction().await.expect("begin");
    {
        let sink = tx.copy_in(COPY_EVENTS).await.expect("copy events");
        let types = [
            Type::UUID,
            Type::INT8,
            Type::UUID,
            Type::UUID,
            Type::UUID,
            Type::TEXT,
            Type::TIMESTAMPTZ,
            Type::TIMESTAMPTZ,
            Type::JSONB,
            Type::TEXT_ARRAY,
            Type::TEXT_ARRAY,
            Type::TEXT,
            Type::UUID,
        ];
        let w = BinaryCopyInWriter::new(sink, &types);
        futures_util::pin_mut!(w);
        for (i, e) in chunk.iter().enumerate() {
            let seq = first_seq + i as i64;
            let (actor, target, kind) = (e.actor.map(|a| a.0), e.body.target().map(|t| t.0), e.body.kind().as_str());
            let payload = Json(e.body.payload_json());
            w.as_mut()
                .write(&[
                    &e.org_id.0,
                    &seq,
                    &e.id.0,
                    &e.subject.0,
                    &actor,
                    &kind,
                    &e.occurred_at,
                    &e.recorded_at,
                    &payload,
                    &e.competencies,
                    &e.evidence,
                    &e.idempotency_key,
                    &target,
                ])
                .await
                .expect("copy event");
        }
        w.finish().await.expect("finish events");
    }
    let hires: Vec<_> = chunk.iter().filter_map(|e| if let EventBody::Hired(h) = &e.body { Some((e, h)) } else { None }).collect();
    if !hires.is_empty() {
        let sink = tx.copy_in(COPY_PEOPLE).await.expect("copy people");
        let types = [
            Type::UUID,
            Type::UUID,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TIMESTAMPTZ,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TIMESTAMPTZ,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::TIMESTAMPTZ,
            Type::INT8,
        ];
        let w = BinaryCopyInWriter::new(sink, &types);
        futures_util::pin_mut!(w);
        for (e, h) in hires {
            w.as_mut()
                .write(&[
                    &e.subject.0,
                    &e.org_id.0,
                    &h.name,
                    &h.email,
                    &h.department,
                    &e.occurred_at,
                    &"active",
                    &h.position.track,
                    &h.position.level,
                    &h.position.title,
                    &e.occurred_at,
                    &0i64,
                    &0i64,
                    &0i64,
                    &0i64,
                    &e.occurred_at,
                    &1i64,
                ])
                .await
                .expect("copy person");
        }
        w.finish().await.expect("finish people");
    }
    tx.commit().await.expect("commit");
    first_seq + chunk.len() as i64
}
