//! The SQLite half of an append, run by the writer thread inside its transaction:
//! load the snapshot the plan asks for ([`load`]) and write the plan it returns
//! ([`write`]). Every rule lives in [`rungs_core::ledger::plan`].
//!
//! Speed matters here (bulk import targets 50k events/s): each subject is read from
//! `people` at most once per plan (from the writer's [`PeopleCache`] when it can)
//! and written back once, with a narrower UPDATE when its indexed columns did not
//! change.

use std::collections::HashMap;
use std::sync::LazyLock;

use rungs_core::event::Event;
use rungs_core::ledger::codec::{list_json, micros, payload_json};
use rungs_core::ledger::{self, MissingHistories, Origin, Plan, Snapshot, SnapshotRequest, StoredClaim};
use rungs_core::person::Person;
use rungs_core::store::{AppendBatch, StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{self, Db, EVENT_COLS, PERSON_COLS};

// Hot statements, formatted once rather than on every call.
static EVENT_BY_ID: LazyLock<String> = LazyLock::new(|| format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1 AND org_id = ?2"));
static EVENT_BY_KEY: LazyLock<String> = LazyLock::new(|| format!("SELECT {EVENT_COLS} FROM events WHERE org_id = ?1 AND idempotency_key = ?2"));
static PERSON_BY_ID: LazyLock<String> = LazyLock::new(|| format!("SELECT {PERSON_COLS} FROM people WHERE id = ?1 AND org_id = ?2"));

/// People as the `people` table holds them in the writer's transaction, kept by the
/// writer thread across batches so a bulk import does not re-read every person it
/// touches. Only the writer writes `people`, so the cache stays true as long as it
/// takes in what each write wrote and is cleared when anything else may have
/// written: another process (`PRAGMA data_version` changes), a non-append job such
/// as a rebuild, or a transaction that did not commit.
#[derive(Default)]
pub(crate) struct PeopleCache {
    people: HashMap<PersonId, Person>,
}

/// Beyond this many people the cache is dropped and refilled: it bounds memory
/// (~50 MB) for organizations far larger than the 100,000 people we design for.
const CACHE_LIMIT: usize = 200_000;

impl PeopleCache {
    pub(crate) fn clear(&mut self) {
        self.people.clear();
    }

    /// Take in the people a plan wrote.
    pub(crate) fn wrote(&mut self, plan: &Plan) {
        if self.people.len() + plan.people.len() > CACHE_LIMIT {
            self.people.clear();
        }
        for p in &plan.people {
            self.people.insert(p.person.id, p.person.clone());
        }
    }
}

/// Plan `batches` (all of `org`) against the ledger as `conn`'s transaction sees it.
pub(crate) fn plan(conn: &Connection, org: OrgId, batches: &[AppendBatch], cache: &PeopleCache) -> StoreResult<Plan> {
    let mut request = SnapshotRequest::new(org, batches);
    let mut snapshot = load(conn, &request, cache)?;
    loop {
        match ledger::plan(&snapshot, org, batches) {
            Ok(plan) => return Ok(plan),
            Err(MissingHistories(ids)) => {
                for id in &ids {
                    snapshot.histories.insert(*id, subject_events(conn, org, *id)?);
                }
                request.histories.extend(ids);
            }
        }
    }
}

/// Load what `r` asks for: one indexed lookup per subject (unless cached), key,
/// target, email and claim.
pub(crate) fn load(conn: &Connection, r: &SnapshotRequest, cache: &PeopleCache) -> StoreResult<Snapshot> {
    let org = r.org;
    let mut s = Snapshot { head: head(conn, org)?, ..Snapshot::default() };
    for &id in &r.subjects {
        let person = match cache.people.get(&id) {
            Some(p) if p.org_id == org => Some(p.clone()),
            _ => conn.prepare_cached(&PERSON_BY_ID).and_then(|mut st| st.query_row(params![id.as_bytes(), org.as_bytes()], rows::person).optional()).db()?,
        };
        if let Some(p) = person {
            s.people.insert(id, p);
        }
    }
    for key in &r.keys {
        let found = conn.prepare_cached(&EVENT_BY_KEY).and_then(|mut st| st.query_row(params![org.as_bytes(), key], rows::event).optional()).db()?;
        if let Some(e) = found {
            s.keyed.insert(key.clone(), e);
        }
    }
    load_targets(conn, org, &r.targets, &mut s)?;
    for email in &r.emails {
        let row: Option<[u8; 16]> = conn
            .prepare_cached("SELECT id FROM people WHERE org_id = ?1 AND email = ?2")
            .and_then(|mut st| st.query_row(params![org.as_bytes(), email], |row| row.get(0)).optional())
            .db()?;
        if let Some(id) = row {
            s.emails.insert(email.clone(), PersonId::from_bytes(id));
        }
    }
    for (scope, key) in &r.claims {
        if let Some(c) = claim(conn, org, scope, key)? {
            s.claims.insert((scope.clone(), key.clone()), c);
        }
    }
    for &id in &r.histories {
        s.histories.insert(id, subject_events(conn, org, id)?);
    }
    load_spending(conn, org, &r.spending, &mut s)?;
    Ok(s)
}

/// The requested targets: each stored event, whether a reversal already targets it,
/// and its validations in force (shared with the bulk load).
pub(crate) fn load_targets(conn: &Connection, org: OrgId, targets: &[EventId], s: &mut Snapshot) -> StoreResult<()> {
    for &t in targets {
        if let Some(e) = event_by_id(conn, org, t)? {
            s.targets.insert(t, e);
        }
        let reversed =
            conn.prepare_cached("SELECT 1 FROM events WHERE target = ?1 AND kind = 'reversal'").and_then(|mut st| st.exists(params![t.as_bytes()])).db()?;
        if reversed {
            s.reversed.insert(t);
        }
        let mut st = conn.prepare_cached("SELECT validator FROM validations WHERE target = ?1").db()?;
        for v in st.query_map(params![t.as_bytes()], |row| row.get::<_, [u8; 16]>(0)).db()? {
            s.validated.insert((t, PersonId::from_bytes(v.db()?)));
        }
    }
    Ok(())
}

/// The requested spending of recognition allowances (shared with the bulk load).
pub(crate) fn load_spending(conn: &Connection, org: OrgId, spending: &[rungs_core::recognition::SpendKey], s: &mut Snapshot) -> StoreResult<()> {
    for k in spending {
        let n = super::recognition::spent(conn, org, k)?;
        if n > 0 {
            s.spent.insert(*k, n);
        }
    }
    Ok(())
}

/// The last seq of the ledger (one `events` table for every organization), or
/// `None` when `org` does not exist.
pub(crate) fn head(conn: &Connection, org: OrgId) -> StoreResult<Option<i64>> {
    let (exists, last): (bool, i64) = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1), (SELECT COALESCE(max(seq), 0) FROM events)")
        .and_then(|mut st| st.query_row([org.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?))))
        .db()?;
    Ok(exists.then_some(last))
}

/// A stored request-level claim and its events.
fn claim(conn: &Connection, org: OrgId, scope: &str, key: &str) -> StoreResult<Option<StoredClaim>> {
    let found: Option<(String, String)> = conn
        .prepare_cached("SELECT fingerprint, event_ids FROM idempotency WHERE org_id = ?1 AND scope = ?2 AND key = ?3")
        .and_then(|mut st| st.query_row(params![org.as_bytes(), scope, key], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .db()?;
    let Some((fingerprint, ids)) = found else { return Ok(None) };
    let ids: Vec<EventId> = serde_json::from_str(&ids).map_err(StoreError::unexpected)?;
    let mut events = Vec::with_capacity(ids.len());
    for id in ids {
        events.push(event_by_id(conn, org, id)?.ok_or_else(|| StoreError::internal("claimed event is missing"))?);
    }
    Ok(Some(StoredClaim { fingerprint, events }))
}

pub(crate) fn event_by_id(conn: &Connection, org: OrgId, id: EventId) -> StoreResult<Option<Event>> {
    conn.prepare_cached(&EVENT_BY_ID).and_then(|mut s| s.query_row(params![id.as_bytes(), org.as_bytes()], rows::event).optional()).db()
}

/// Every event of one subject, in ledger order (for refolds and timelines).
pub(crate) fn subject_events(conn: &Connection, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>> {
    let mut s = conn.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE subject = ?1 AND org_id = ?2 ORDER BY seq")).db()?;
    s.query_map(params![subject.as_bytes(), org.as_bytes()], rows::event).db()?.collect::<rusqlite::Result<_>>().db()
}

/// A write the database refused, and the event it is about when one is known.
pub(crate) type Refused = (Option<Origin>, StoreError);

/// Write `plan` in `conn`'s transaction: its events (and their webhook outbox rows),
/// people and claims, and the revocation of departed people's credentials. On `Err` the caller rolls back.
pub(crate) fn write(conn: &Connection, org: OrgId, plan: &Plan) -> Result<(), Refused> {
    insert_events(conn, plan, true)?;
    write_rest(conn, org, plan)
}

/// Insert `plan`'s events, and their webhook outbox rows when `outbox`.
pub(crate) fn insert_events(conn: &Connection, plan: &Plan, outbox: bool) -> Result<(), Refused> {
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO events (seq, id, org_id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, \
             evidence, idempotency_key, target) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .db()
        .map_err(|e| (None, e))?;
    for planned in &plan.events {
        let e = &planned.event;
        insert
            .execute(params![
                e.seq,
                e.id.as_bytes(),
                e.org_id.as_bytes(),
                e.subject.as_bytes(),
                e.actor.as_ref().map(PersonId::as_bytes),
                e.body.kind().as_str(),
                micros(e.occurred_at),
                micros(e.recorded_at),
                payload_json(&e.body),
                list_json(&e.competencies),
                list_json(&e.evidence),
                e.idempotency_key,
                e.body.target().as_ref().map(EventId::as_bytes),
            ])
            .db()
            .map_err(|err| (Some(planned.origin), err))?;
    }
    if !outbox {
        return Ok(());
    }
    // The webhook outbox: one row per event, in this transaction (migration 0012).
    let mut outbox = conn.prepare_cached("INSERT INTO webhook_outbox (seq, org_id, event_id, kind) VALUES (?1, ?2, ?3, ?4)").db().map_err(|e| (None, e))?;
    for e in plan.outbox() {
        outbox.execute(params![e.seq, e.org_id.as_bytes(), e.id.as_bytes(), e.body.kind().as_str()]).db().map_err(|err| (None, err))?;
    }
    Ok(())
}

/// Write `plan`'s people, claims and revocations.
fn write_rest(conn: &Connection, org: OrgId, plan: &Plan) -> Result<(), Refused> {
    // Emails given up in this plan first, so another person may take them (rare).
    for p in plan.people.iter().filter(|p| p.email_moved) {
        conn.prepare_cached("UPDATE people SET email = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![p.person.id.as_bytes(), ledger::parked_email(p.person.id)]))
            .db()
            .map_err(|e| (Some(p.origin), e))?;
    }
    for p in &plan.people {
        let r = if p.indexed_changed { rows::upsert_person(conn, &p.person) } else { rows::update_person_unindexed(conn, &p.person) };
        r.db().map_err(|e| (Some(p.origin), e))?;
    }
    for c in &plan.claims {
        let ids: Vec<String> = c.event_ids.iter().map(ToString::to_string).collect();
        conn.prepare_cached("INSERT INTO idempotency (org_id, scope, key, fingerprint, event_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .and_then(|mut s| {
                s.execute(params![
                    org.as_bytes(),
                    c.scope,
                    c.key,
                    c.fingerprint,
                    serde_json::to_string(&ids).unwrap_or_default(),
                    chrono::Utc::now().timestamp_micros()
                ])
            })
            .db()
            .map_err(|e| (None, e))?;
    }
    for &person in &plan.revoke_credentials_of {
        revoke_credentials(conn, org, person).map_err(|e| (None, e))?;
    }
    Ok(())
}

/// A departed person's API tokens stop working (a token revoked earlier keeps its
/// first revocation time) and their browser sessions end, in the departure's
/// transaction.
pub(crate) fn revoke_credentials(conn: &Connection, org: OrgId, person: PersonId) -> StoreResult<()> {
    let now = micros(chrono::Utc::now());
    conn.prepare_cached("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?3) WHERE org_id = ?1 AND person_id = ?2")
        .and_then(|mut s| s.execute(params![org.as_bytes(), person.as_bytes(), now]))
        .db()?;
    conn.prepare_cached("DELETE FROM sessions WHERE org_id = ?1 AND person_id = ?2")
        .and_then(|mut s| s.execute(params![org.as_bytes(), person.as_bytes()]))
        .db()?;
    Ok(())
}

impl super::SqliteStore {
    /// The snapshot the append plan would be given for `request` now, read in a
    /// write transaction like an append's (for tests and diagnostics).
    pub async fn snapshot(&self, request: &SnapshotRequest) -> StoreResult<Snapshot> {
        let r = request.clone();
        self.writer.exec(move |tx| load(tx, &r, &PeopleCache::default())).await
    }
}
