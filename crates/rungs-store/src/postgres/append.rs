//! The PostgreSQL half of an append: take the organization's ledger head lock, load
//! the snapshot the plan asks for ([`load`]) and write the plan it returns
//! ([`write`]). Every rule lives in [`rungs_core::ledger::plan`].
//!
//! Round trips are what cost on a network database, so the snapshot is read in one
//! pipelined round (people, keys, targets, reversals, emails, claims, histories) and
//! each table is written with one multi-row statement (`unnest` of one array per
//! column).
//!
//! Small batches reach this file through the appender (`group.rs`), which runs all
//! the small batches waiting for one organization in one transaction:
//! [`append_group`].

use deadpool_postgres::{Object, Transaction};
use futures_util::future::try_join_all;
use rungs_core::event::Event;
use rungs_core::ledger::codec::payload_json;
use rungs_core::ledger::{self, MissingHistories, Plan, PlannedClaim, PlannedEvent, PlannedPerson, Snapshot, SnapshotRequest, StoredClaim};
use rungs_core::store::{AppendBatch, Appended, StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use uuid::Uuid;

use super::rows::{self, Db, EVENT_COLS, EventArrays, INSERT_EVENTS, PERSON_COLS, PeopleArrays, PersonParams, UPSERT_PEOPLE, UPSERT_PERSON};

const LOCK_HEAD: &str = "SELECT last_seq FROM ledger_heads WHERE org_id = $1 FOR UPDATE";
const ADVANCE_HEAD: &str = "UPDATE ledger_heads SET last_seq = last_seq + $2, events = events + $2 WHERE org_id = $1";
const INSERT_CLAIM: &str = "INSERT INTO idempotency (org_id, scope, key, fingerprint, event_ids, created_at) VALUES ($1, $2, $3, $4, $5, now())";

const INSERT_EVENT: &str = "INSERT INTO events (org_id, seq, id, subject, actor, kind, occurred_at, recorded_at, payload, \
     competencies, evidence, idempotency_key, target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12, $13)";

/// Lock the organization's ledger head; `None` when the organization does not exist.
pub(crate) async fn lock_head(tx: &Transaction<'_>, org: OrgId) -> StoreResult<Option<i64>> {
    let stmt = tx.prepare_cached(LOCK_HEAD).await.db()?;
    let row = tx.query_opt(&stmt, &[&org.0]).await.db()?;
    row.map(|r| rows::get(&r, 0)).transpose()
}

/// One batch in a transaction of its own.
pub(crate) async fn append_batch(conn: &mut Object, batch: AppendBatch) -> StoreResult<Appended> {
    let tx = conn.transaction().await.db()?;
    let r = append_in(&tx, batch).await?;
    tx.commit().await.db()?;
    Ok(r)
}

/// One batch inside the caller's transaction: lock the head (again, if the caller
/// holds it already), plan, write. On `Err` the caller rolls back.
async fn append_in(tx: &Transaction<'_>, batch: AppendBatch) -> StoreResult<Appended> {
    let (org, n) = (batch.org_id, batch.events.len());
    let head = lock_head(tx, org).await?;
    let batches = [batch];
    let plan = plan(tx, org, head, &batches).await?;
    write(tx, org, &plan, true).await.map_err(|(origin, e)| match origin {
        Some(o) => ledger::at(n, o.index, e),
        None => e,
    })?;
    plan.into_results().pop().unwrap_or_else(|| Err(StoreError::internal("the plan has no answer")))
}

/// Several small batches of one organization in ONE transaction (group commit): the
/// head is locked once, the snapshot loaded in one pipelined round, the batches
/// planned together (each answered exactly as in a transaction of its own) and
/// written with one statement per table. Returns one result per batch; `Err` means
/// the transaction is broken and nothing may be acknowledged. The caller commits,
/// then replies.
///
/// When the database refuses the write, it is rolled back to a savepoint and the
/// batches run one by one, each in a savepoint, so each gets its own answer.
pub(crate) async fn append_group(tx: &Transaction<'_>, org: OrgId, batches: Vec<AppendBatch>) -> StoreResult<Vec<StoreResult<Appended>>> {
    // The lock first, alone: nothing may be read before it is held.
    let head = lock_head(tx, org).await?;
    let (_, plan) = tokio::try_join!(async { tx.batch_execute("SAVEPOINT grp").await.db() }, plan(tx, org, head, &batches))?;
    match write(tx, org, &plan, false).await {
        Ok(()) => Ok(plan.into_results()),
        Err((_, e)) => {
            tracing::debug!(error = %e, "group write refused; running its batches one by one");
            tx.batch_execute("ROLLBACK TO SAVEPOINT grp").await.db()?;
            let mut results = Vec::with_capacity(batches.len());
            for batch in batches {
                results.push(in_savepoint(tx, batch).await?);
            }
            Ok(results)
        }
    }
}

/// One batch between SAVEPOINT and RELEASE, rolled back to the savepoint on error.
/// The outer `Err` means the transaction itself is broken.
async fn in_savepoint(tx: &Transaction<'_>, batch: AppendBatch) -> StoreResult<StoreResult<Appended>> {
    tx.batch_execute("SAVEPOINT batch").await.db()?;
    let r = append_in(tx, batch).await;
    if r.is_err() {
        tx.batch_execute("ROLLBACK TO SAVEPOINT batch").await.db()?;
    }
    tx.batch_execute("RELEASE SAVEPOINT batch").await.db()?;
    Ok(r)
}

/// Plan `batches` (all of `org`, whose head is locked at `head`).
async fn plan(tx: &Transaction<'_>, org: OrgId, head: Option<i64>, batches: &[AppendBatch]) -> StoreResult<Plan> {
    let request = SnapshotRequest::new(org, batches);
    let mut snapshot = load(tx, &request, head).await?;
    loop {
        match ledger::plan(&snapshot, org, batches) {
            Ok(plan) => return Ok(plan),
            Err(MissingHistories(ids)) => snapshot.histories.extend(histories(tx, org, &ids).await?),
        }
    }
}

async fn query(tx: &Transaction<'_>, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> StoreResult<Vec<tokio_postgres::Row>> {
    let stmt = tx.prepare_cached(sql).await.db()?;
    tx.query(&stmt, params).await.db()
}

async fn nothing() -> StoreResult<Vec<tokio_postgres::Row>> {
    Ok(Vec::new())
}

/// Load what `r` asks for in one pipelined round; lookups with nothing to look up
/// are not sent.
pub(crate) async fn load(tx: &Transaction<'_>, r: &SnapshotRequest, head: Option<i64>) -> StoreResult<Snapshot> {
    let org = r.org.0;
    let subjects: Vec<Uuid> = r.subjects.iter().map(|s| s.0).collect();
    let targets: Vec<Uuid> = r.targets.iter().map(|t| t.0).collect();
    let (scopes, keys): (Vec<&str>, Vec<&str>) = r.claims.iter().map(|(s, k)| (s.as_str(), k.as_str())).unzip();
    let people_sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = $1 AND id = ANY($2)");
    let keys_sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND idempotency_key = ANY($2)");
    let targets_sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND id = ANY($2)");
    let (people, keyed, found, reversed, validated, emails, claims, histories, spent) = tokio::try_join!(
        async { query(tx, &people_sql, &[&org, &subjects]).await },
        async { if r.keys.is_empty() { nothing().await } else { query(tx, &keys_sql, &[&org, &r.keys]).await } },
        async { if targets.is_empty() { nothing().await } else { query(tx, &targets_sql, &[&org, &targets]).await } },
        async {
            if targets.is_empty() {
                nothing().await
            } else {
                query(tx, "SELECT target FROM events WHERE target = ANY($1) AND kind = 'reversal'", &[&targets]).await
            }
        },
        async {
            if targets.is_empty() { nothing().await } else { query(tx, "SELECT target, validator FROM validations WHERE target = ANY($1)", &[&targets]).await }
        },
        async {
            if r.emails.is_empty() {
                nothing().await
            } else {
                query(tx, "SELECT email, id FROM people WHERE org_id = $1 AND email = ANY($2)", &[&org, &r.emails]).await
            }
        },
        async {
            if scopes.is_empty() {
                nothing().await
            } else {
                let sql = "SELECT scope, key, fingerprint, event_ids FROM idempotency WHERE org_id = $1 \
                           AND (scope, key) IN (SELECT * FROM unnest($2::text[], $3::text[]))";
                query(tx, sql, &[&org, &scopes, &keys]).await
            }
        },
        async { if r.histories.is_empty() { Ok(Vec::new()) } else { histories(tx, r.org, &r.histories).await } },
        // Only recognition asks for spending: other appends send nothing more.
        try_join_all(r.spending.iter().map(|k| async move { super::recognition::spent(tx, r.org, k).await.map(|n| (*k, n)) })),
    )?;
    let mut s = Snapshot { head, histories: histories.into_iter().collect(), ..Snapshot::default() };
    s.spent = spent.into_iter().filter(|(_, n)| *n > 0).collect();
    for row in &people {
        let p = rows::person(row)?;
        s.people.insert(p.id, p);
    }
    s.keyed = rows::events(&keyed)?.into_iter().filter_map(|e| e.idempotency_key.clone().map(|k| (k, e))).collect();
    s.targets = rows::events(&found)?.into_iter().map(|e| (e.id, e)).collect();
    s.reversed = reversed.iter().map(|row| rows::get::<Uuid>(row, 0).map(EventId)).collect::<StoreResult<_>>()?;
    for row in &validated {
        s.validated.insert((EventId(rows::get(row, 0)?), PersonId(rows::get(row, 1)?)));
    }
    for row in &emails {
        s.emails.insert(rows::get(row, 0)?, PersonId(rows::get(row, 1)?));
    }
    for row in &claims {
        let ids: Vec<Uuid> = rows::get(row, 3)?;
        let claim = StoredClaim { fingerprint: rows::get(row, 2)?, events: claimed_events(tx, r.org, &ids).await? };
        s.claims.insert((rows::get(row, 0)?, rows::get(row, 1)?), claim);
    }
    Ok(s)
}

/// A stored claim's events, in the claim's order.
async fn claimed_events(tx: &Transaction<'_>, org: OrgId, ids: &[Uuid]) -> StoreResult<Vec<Event>> {
    let found = rows::events(&query(tx, &format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND id = ANY($2)"), &[&org.0, &ids]).await?)?;
    let mut by_id: std::collections::HashMap<EventId, Event> = found.into_iter().map(|e| (e.id, e)).collect();
    ids.iter().map(|id| by_id.remove(&EventId(*id)).ok_or_else(|| StoreError::internal("claimed event is missing"))).collect()
}

/// The stored events of `subjects`, each subject's in ledger order.
async fn histories(tx: &Transaction<'_>, org: OrgId, subjects: &[PersonId]) -> StoreResult<Vec<(PersonId, Vec<Event>)>> {
    let ids: Vec<Uuid> = subjects.iter().map(|s| s.0).collect();
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND subject = ANY($2) ORDER BY seq");
    let mut out: Vec<(PersonId, Vec<Event>)> = subjects.iter().map(|s| (*s, Vec::new())).collect();
    for e in rows::events(&query(tx, &sql, &[&org.0, &ids]).await?)? {
        if let Some((_, h)) = out.iter_mut().find(|(s, _)| *s == e.subject) {
            h.push(e);
        }
    }
    Ok(out)
}

/// A write the database refused, and the event it is about when one is known.
type Refused = (Option<ledger::Origin>, StoreError);

/// Write `plan`: its events and people (one multi-row statement each), the head,
/// the webhook outbox rows, the claims and the revocation of departed people's credentials. With `exact`, a refused multi-row statement is rolled back to a
/// savepoint and redone row by row to name the event concerned.
async fn write(tx: &Transaction<'_>, org: OrgId, plan: &Plan, exact: bool) -> Result<(), Refused> {
    if plan.is_empty() {
        return Ok(());
    }
    // Emails given up in this plan first, so another person may take them (rare).
    let moving: Vec<Uuid> = plan.people.iter().filter(|p| p.email_moved).map(|p| p.person.id.0).collect();
    if !moving.is_empty() {
        let parked: Vec<String> = plan.people.iter().filter(|p| p.email_moved).map(|p| ledger::parked_email(p.person.id)).collect();
        let sql = "UPDATE people SET email = m.parked FROM unnest($2::uuid[], $3::text[]) AS m(id, parked) WHERE people.org_id = $1 AND people.id = m.id";
        query_execute(tx, sql, &[&org.0, &moving, &parked]).await.map_err(|e| (None, e))?;
    }
    let n = plan.events.len() as i64;
    let head_and_claims = async {
        tokio::try_join!(
            advance_head(tx, org, n),
            insert_outbox(tx, org, plan),
            try_join_all(plan.claims.iter().map(|c| insert_claim(tx, org, c))),
            revoke_credentials(tx, org, &plan.revoke_credentials_of),
        )
        .map(drop)
    };
    if exact {
        // The head and claims after the rows: a refused write rolls back to its
        // savepoint, and must not take these with it.
        write_rows(tx, org, plan, true).await?;
        head_and_claims.await.map_err(|e| (None, e))
    } else {
        // Rows, head and claims in one pipelined flight; on any refusal the caller's
        // savepoint takes it all back.
        tokio::try_join!(write_rows(tx, org, plan, false), async { head_and_claims.await.map_err(|e| (None, e)) }).map(drop)
    }
}

/// The webhook outbox rows of the plan's events (migration 0012), one statement.
async fn insert_outbox(tx: &Transaction<'_>, org: OrgId, plan: &Plan) -> StoreResult<()> {
    if plan.events.is_empty() {
        return Ok(());
    }
    let (mut seqs, mut ids, mut kinds) = (Vec::with_capacity(plan.events.len()), Vec::with_capacity(plan.events.len()), Vec::with_capacity(plan.events.len()));
    for e in plan.outbox() {
        seqs.push(e.seq);
        ids.push(e.id.0);
        kinds.push(e.body.kind().as_str());
    }
    let sql = "INSERT INTO webhook_outbox (org_id, seq, event_id, kind) SELECT $1, * FROM unnest($2::bigint[], $3::uuid[], $4::text[])";
    query_execute(tx, sql, &[&org.0, &seqs, &ids, &kinds]).await.map(drop)
}

async fn advance_head(tx: &Transaction<'_>, org: OrgId, n: i64) -> StoreResult<()> {
    let stmt = tx.prepare_cached(ADVANCE_HEAD).await.db()?;
    tx.execute(&stmt, &[&org.0, &n]).await.db().map(drop)
}

/// Departed people's API tokens stop working (a token revoked earlier keeps its
/// first revocation time) and their browser sessions end, in the departure's
/// transaction.
async fn revoke_credentials(tx: &Transaction<'_>, org: OrgId, people: &[PersonId]) -> StoreResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
    let revoke = "UPDATE tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE org_id = $1 AND person_id = ANY($2)";
    let end = "DELETE FROM sessions WHERE org_id = $1 AND person_id = ANY($2)";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&org.0, &ids];
    tokio::try_join!(query_execute(tx, revoke, &params), query_execute(tx, end, &params)).map(drop)
}

async fn query_execute(tx: &Transaction<'_>, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> StoreResult<u64> {
    let stmt = tx.prepare_cached(sql).await.db()?;
    tx.execute(&stmt, params).await.db()
}

async fn insert_claim(tx: &Transaction<'_>, org: OrgId, c: &PlannedClaim) -> StoreResult<()> {
    let ids: Vec<Uuid> = c.event_ids.iter().map(|e| e.0).collect();
    let stmt = tx.prepare_cached(INSERT_CLAIM).await.db()?;
    tx.execute(&stmt, &[&org.0, &c.scope, &c.key, &c.fingerprint, &ids]).await.db().map(drop)
}

async fn write_rows(tx: &Transaction<'_>, org: OrgId, plan: &Plan, exact: bool) -> Result<(), Refused> {
    let exact = exact && (plan.events.len() > 1 || plan.people.len() > 1);
    if exact {
        tx.batch_execute("SAVEPOINT rows").await.db().map_err(|e| (None, e))?;
    }
    let events = EventArrays::new(plan.events.iter().map(|e| &e.event));
    let insert = async {
        let stmt = tx.prepare_cached(INSERT_EVENTS).await.db()?;
        tx.execute(&stmt, &events.params(&org.0)).await.db()
    };
    let (inserted, upserted) = tokio::join!(insert, upsert_people(tx, &plan.people));
    let only = |rows: usize, origin: Option<ledger::Origin>| if rows == 1 { origin } else { None };
    let e = match (inserted, upserted) {
        (Ok(_), Ok(_)) => return Ok(()),
        (Err(e), _) if !exact => return Err((only(plan.events.len(), plan.events.first().map(|e| e.origin)), e)),
        (Ok(_), Err(e)) if !exact => return Err((only(plan.people.len(), plan.people.first().map(|p| p.origin)), e)),
        (Err(e), _) | (Ok(_), Err(e)) => e,
    };
    tx.batch_execute("ROLLBACK TO SAVEPOINT rows").await.db().map_err(|e| (None, e))?;
    tracing::debug!(error = %e, "multi-row write failed; redoing it row by row to name the event");
    rows_one_by_one(tx, &plan.events, &plan.people).await
}

async fn upsert_people(tx: &Transaction<'_>, people: &[PlannedPerson]) -> StoreResult<u64> {
    if people.is_empty() {
        return Ok(0);
    }
    let arrays = PeopleArrays::new(people.iter().map(|p| &p.person));
    let stmt = tx.prepare_cached(&UPSERT_PEOPLE).await.db()?;
    tx.execute(&stmt, &arrays.params()).await.db()
}

/// The row-at-a-time write (pipelined), whose errors name their event.
async fn rows_one_by_one(tx: &Transaction<'_>, events: &[PlannedEvent], people: &[PlannedPerson]) -> Result<(), Refused> {
    let insert = tx.prepare_cached(INSERT_EVENT).await.db().map_err(|e| (None, e))?;
    let payloads: Vec<String> = events.iter().map(|e| payload_json(&e.event.body)).collect();
    let inserts = events.iter().zip(&payloads).map(|(planned, payload)| {
        let (insert, e, kind) = (&insert, &planned.event, planned.event.kind().as_str());
        async move {
            tx.execute(
                insert,
                &[
                    &e.org_id.0,
                    &e.seq,
                    &e.id.0,
                    &e.subject.0,
                    &e.actor.map(|a| a.0),
                    &kind,
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
            .db()
            .map_err(|err| (Some(planned.origin), err))
        }
    });
    try_join_all(inserts).await?;
    let upsert = tx.prepare_cached(&UPSERT_PERSON).await.db().map_err(|e| (None, e))?;
    let params: Vec<PersonParams> = people.iter().map(|p| PersonParams::new(&p.person)).collect();
    let writes = people.iter().zip(&params).map(|(p, pp)| {
        let upsert = &upsert;
        async move { tx.execute(upsert, &pp.params(&p.person)).await.db().map_err(|e| (Some(p.origin), e)) }
    });
    try_join_all(writes).await?;
    Ok(())
}

/// Every event of one subject, in ledger order.
pub(crate) async fn subject_events<C: deadpool_postgres::GenericClient>(c: &C, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE subject = $1 AND org_id = $2 ORDER BY seq");
    let stmt = c.prepare_cached(&sql).await.db()?;
    rows::events(&c.query(&stmt, &[&subject.0, &org.0]).await.db()?)
}

impl super::PgStore {
    /// The snapshot the append plan would be given for `request` now, read under the
    /// ledger head lock like an append's (for tests and diagnostics).
    pub async fn snapshot(&self, request: &SnapshotRequest) -> StoreResult<Snapshot> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        let head = lock_head(&tx, request.org).await?;
        let s = load(&tx, request, head).await?;
        tx.commit().await.db()?;
        Ok(s)
    }
}
