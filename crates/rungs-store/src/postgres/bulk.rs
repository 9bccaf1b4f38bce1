//! The PostgreSQL bulk load into an organization's empty ledger (`Store::bulk_load`;
//! the rules and the in-memory state are `rungs_core::ledger::bulk`).
//!
//! One transaction, holding the organization's ledger head lock throughout:
//!
//! 1. refuse a ledger that is not empty (`last_seq > 0`); note whether the
//!    organization has webhook subscriptions (a new one has none: then no outbox rows);
//! 2. when the whole `events` table is empty (a new deployment), drop the secondary
//!    indexes no check reads ([`DEFERRED`]) and keep their definitions from
//!    `pg_indexes`; otherwise other organizations use them, and they stay;
//! 3. per chunk: the snapshot from memory plus the targets and spending read through
//!    the kept indexes, the pure plan, its events sent by binary `COPY`;
//! 4. at the end: every `people` row (multi-row statements of 5,000), the head moved
//!    once, the dropped indexes created again, commit.
//!
//! An error or a crash before the commit leaves the ledger empty with every index:
//! PostgreSQL's DDL is transactional.

use bytes::BytesMut;
use deadpool_postgres::Transaction;
use futures_util::pin_mut;
use rungs_core::event::Event;
use rungs_core::event::NewEvent;
use rungs_core::ledger::bulk::{BulkLoaded, BulkState, EventSource};
use rungs_core::ledger::codec::payload_json;
use rungs_core::ledger::{self, Plan, SnapshotRequest};
use rungs_core::person::Person;
use rungs_core::store::{AppendBatch, StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use uuid::Uuid;

use super::append;
use super::rows::{self, Db, EVENT_COLS, PeopleArrays, UPSERT_PEOPLE};

/// Indexes of `events` no check of a bulk load reads, built after the rows when the
/// table was empty (see the module comment).
const DEFERRED: [&str; 2] = ["events_by_subject", "events_recognition_feed"];

/// People rows per multi-row statement at the end.
const PEOPLE_PER_STATEMENT: usize = 5_000;

const COPY_EVENTS: &str = "COPY events (org_id, seq, id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, \
     evidence, idempotency_key, target) FROM STDIN (FORMAT binary)";

const COPY_TYPES: [Type; 13] = [
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

/// JSON text sent as `jsonb` in binary form (a version byte, then the text), so the
/// payload the codec wrote is not parsed again on the way.
#[derive(Debug)]
struct Jsonb<'a>(&'a str);

impl ToSql for Jsonb<'_> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&[1]);
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }

    to_sql_checked!();
}

impl super::PgStore {
    /// `Store::bulk_load` on PostgreSQL.
    pub(crate) async fn bulk(&self, org: OrgId, source: &mut dyn EventSource) -> StoreResult<BulkLoaded> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        let head = append::lock_head(&tx, org).await?.ok_or(StoreError::NotFound)?;
        if head > 0 {
            return Err(StoreError::Conflict { field: "events".into(), reason: "a bulk load needs an empty ledger".into() });
        }
        let outbox: bool = rows::get(&tx.query_one("SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE org_id = $1)", &[&org.0]).await.db()?, 0)?;
        let deferred = drop_deferred(&tx).await?;
        let mut state = BulkState::new(org, head);
        let mut chunk_no = 0usize;
        while let Some(events) = source.next().await? {
            let c = chunk_no;
            chunk_no += 1;
            if !events.is_empty() {
                chunk(&tx, org, &mut state, events, outbox).await.map_err(|e| e.nested(&format!("chunk[{c}]")))?;
            }
        }
        let events = state.events();
        let last = head + events as i64;
        let people: Vec<Person> = state.into_people().collect();
        for part in people.chunks(PEOPLE_PER_STATEMENT) {
            let arrays = PeopleArrays::new(part.iter());
            let stmt = tx.prepare_cached(&UPSERT_PEOPLE).await.db()?;
            tx.execute(&stmt, &arrays.params()).await.db()?;
        }
        let n = events as i64;
        tx.execute("UPDATE ledger_heads SET last_seq = $2, events = events + $3 WHERE org_id = $1", &[&org.0, &last, &n]).await.db()?;
        for sql in &deferred {
            tx.batch_execute(sql).await.db()?;
        }
        tx.commit().await.db()?;
        Ok(BulkLoaded { events, people: people.len() as u64, bulk: true })
    }
}

/// Drop the [`DEFERRED`] indexes when no organization has an event; their
/// definitions to create them again.
async fn drop_deferred(tx: &Transaction<'_>) -> StoreResult<Vec<String>> {
    let empty: bool = rows::get(&tx.query_one("SELECT NOT EXISTS (SELECT 1 FROM events)", &[]).await.db()?, 0)?;
    if !empty {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = DEFERRED.to_vec();
    let found = tx
        .query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events' AND indexname = ANY($1)", &[&names])
        .await
        .db()?;
    let mut out = Vec::with_capacity(found.len());
    for row in &found {
        let (name, def): (String, String) = (rows::get(row, 0)?, rows::get(row, 1)?);
        tx.batch_execute(&format!("DROP INDEX {name}")).await.db()?;
        out.push(def);
    }
    Ok(out)
}

/// Plan one chunk against memory and the kept indexes, and COPY its events.
async fn chunk(tx: &Transaction<'_>, org: OrgId, state: &mut BulkState, events: Vec<NewEvent>, outbox: bool) -> StoreResult<()> {
    let batch = AppendBatch { org_id: org, events, claim: None };
    let request = SnapshotRequest::new(org, std::slice::from_ref(&batch));
    let (mut snapshot, fetch) = state.snapshot(&request);
    // Targets and spending as an append loads them; nothing else from the database.
    let narrow = SnapshotRequest { org, targets: request.targets.clone(), spending: request.spending.clone(), ..SnapshotRequest::default() };
    let stored = append::load(tx, &narrow, snapshot.head).await?;
    snapshot.targets = stored.targets;
    snapshot.reversed = stored.reversed;
    snapshot.validated = stored.validated;
    snapshot.spent = stored.spent;
    let seqs: Vec<i64> = fetch.keyed.iter().map(|(_, s)| *s).collect();
    for e in by_seqs(tx, org, &seqs).await? {
        if let Some(k) = e.idempotency_key.clone() {
            snapshot.keyed.insert(k, e);
        }
    }
    // Refolds ask for whole histories: load them first, then plan without a round trip.
    let mut missing: Vec<PersonId> = Vec::new();
    let plan = loop {
        for id in missing.drain(..) {
            let mut h = by_seqs(tx, org, state.seqs_of(id)).await?;
            h.sort_by_key(|e| e.seq);
            snapshot.histories.insert(id, h);
        }
        match ledger::plan(&snapshot, org, std::slice::from_ref(&batch)) {
            Ok(plan) => break plan,
            Err(ledger::MissingHistories(ids)) => missing = ids,
        }
    };
    copy_events(tx, org, &plan).await?;
    if outbox {
        let (seqs, ids, kinds): (Vec<i64>, Vec<Uuid>, Vec<&str>) =
            plan.outbox().map(|e| (e.seq, e.id.0, e.body.kind().as_str())).fold((vec![], vec![], vec![]), |(mut a, mut b, mut c), (x, y, z)| {
                a.push(x);
                b.push(y);
                c.push(z);
                (a, b, c)
            });
        let sql = "INSERT INTO webhook_outbox (org_id, seq, event_id, kind) SELECT $1, * FROM unnest($2::bigint[], $3::uuid[], $4::text[])";
        tx.execute(sql, &[&org.0, &seqs, &ids, &kinds]).await.db()?;
    }
    if !plan.revoke_credentials_of.is_empty() {
        let ids: Vec<Uuid> = plan.revoke_credentials_of.iter().map(|p| p.0).collect();
        tx.execute("UPDATE tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE org_id = $1 AND person_id = ANY($2)", &[&org.0, &ids]).await.db()?;
        tx.execute("DELETE FROM sessions WHERE org_id = $1 AND person_id = ANY($2)", &[&org.0, &ids]).await.db()?;
    }
    state.wrote(&plan);
    for r in plan.into_results() {
        r?;
    }
    Ok(())
}

/// Stored events of `org` by seq (the primary key), in any order.
async fn by_seqs(tx: &Transaction<'_>, org: OrgId, seqs: &[i64]) -> StoreResult<Vec<Event>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = tx.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND seq = ANY($2)")).await.db()?;
    rows::events(&tx.query(&stmt, &[&org.0, &seqs]).await.db()?)
}

/// The plan's events through one binary `COPY`.
async fn copy_events(tx: &Transaction<'_>, org: OrgId, plan: &Plan) -> StoreResult<()> {
    if plan.events.is_empty() {
        return Ok(());
    }
    let sink = tx.copy_in(COPY_EVENTS).await.db()?;
    let writer = BinaryCopyInWriter::new(sink, &COPY_TYPES);
    pin_mut!(writer);
    for planned in &plan.events {
        let e = &planned.event;
        let payload = payload_json(&e.body);
        let (actor, target) = (e.actor.map(|a| a.0), e.body.target().map(|t| t.0));
        let kind = e.body.kind().as_str();
        writer
            .as_mut()
            .write(&[
                &org.0,
                &e.seq,
                &e.id.0,
                &e.subject.0,
                &actor,
                &kind,
                &e.occurred_at,
                &e.recorded_at,
                &Jsonb(&payload),
                &e.competencies,
                &e.evidence,
                &e.idempotency_key,
                &target,
            ])
            .await
            .db()?;
    }
    writer.finish().await.db()?;
    Ok(())
}
