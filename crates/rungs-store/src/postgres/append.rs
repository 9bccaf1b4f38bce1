//! One append batch in one PostgreSQL transaction, with the semantics of the SQLite
//! writer (`sqlite/append.rs`): idempotency claim, per-event idempotency keys,
//! `check_append` for each event in order, an in-batch person cache, a refold at the
//! end for reversed or backdated subjects, each touched person written once, email
//! uniqueness as `Conflict { payload.email }`, events dated before the hire refused.
//!
//! Round trips are what cost on a network database, so the batch takes its
//! organization's ledger head lock, then reads everything it needs (subjects,
//! existing keys, targets, reversals, emails) in five pipelined queries, checks
//! every event in memory in order (earlier events of the same batch shadow the
//! database), and writes each table with one multi-row statement (`unnest` of one
//! array per column).
//!
//! Past 600 lines on purpose: the pipelined reads, the in-memory checks and the
//! multi-row writes share one `Batch` state and must stay in step with each other
//! and with `sqlite/append.rs`; split apart they would be harder to compare.
//!
//! Small batches reach this file through the appender (`group.rs`), which runs all
//! the small batches waiting for one organization in one transaction:
//! [`append_group`].

use std::collections::{HashMap, HashSet};

use deadpool_postgres::{Object, Transaction};
use futures_util::future::try_join_all;
use rungs_core::event::{Event, EventBody, NewEvent};
use rungs_core::person::Person;
use rungs_core::projection::{self, AppendContext};
use rungs_core::store::{AppendBatch, Appended, IdempotencyClaim, StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId, ValidationError};
use uuid::Uuid;

use super::rows::{self, Db, EVENT_COLS, EventArrays, INSERT_EVENTS, PERSON_COLS, PeopleArrays, PersonParams, UPSERT_PEOPLE, UPSERT_PERSON};
use crate::sqlite::rows::{payload_json, truncate};

const LOCK_HEAD: &str = "SELECT last_seq FROM ledger_heads WHERE org_id = $1 FOR UPDATE";
const ADVANCE_HEAD: &str = "UPDATE ledger_heads SET last_seq = last_seq + $2, events = events + $2 WHERE org_id = $1";
const INSERT_CLAIM: &str =
    "INSERT INTO idempotency (org_id, scope, key, fingerprint, event_ids, created_at) VALUES ($1, $2, $3, $4, $5, now())";

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
    if batch.events.is_empty() && batch.claim.is_none() {
        return Err(ValidationError::single("events", "must contain at least one event").into());
    }
    let tx = conn.transaction().await.db()?;
    let r = append_in(&tx, batch).await?;
    tx.commit().await.db()?;
    Ok(r)
}

/// One batch inside the caller's transaction: lock the head (again, if the caller
/// holds it already), check, write, advance the head. On `Err` the caller rolls back.
async fn append_in(tx: &Transaction<'_>, batch: AppendBatch) -> StoreResult<Appended> {
    let AppendBatch { org_id, events, claim } = batch;
    if events.is_empty() && claim.is_none() {
        return Err(ValidationError::single("events", "must contain at least one event").into());
    }
    let head = lock_head(tx, org_id).await?;
    if let Some(c) = &claim
        && let Some(done) = claimed(tx, org_id, c).await?
    {
        return Ok(done);
    }
    // A claim alone: a request whose writes are not ledger events keeps its key here.
    if let (Some(c), true) = (&claim, events.is_empty()) {
        insert_claim(tx, org_id, c, &[]).await?;
        return Ok(Appended { events: vec![], replayed: false });
    }
    let many = events.len() > 1;
    let may_replay = !many && claim.is_none();
    let at = |i: usize, e: StoreError| if many { e.nested(&format!("events[{i}]")) } else { e };
    let refs: Vec<&NewEvent> = events.iter().collect();
    let mut b = Batch::preload(tx, org_id, head, &refs).await?;
    for (i, e) in events.into_iter().enumerate() {
        match b.append(i, e, may_replay).map_err(|e| at(i, e))? {
            Step::Appended => {}
            Step::Replayed(e) => return Ok(Appended { events: vec![*e], replayed: true }),
        }
    }
    let n = b.out.len() as i64;
    let ids: Vec<Uuid> = b.out.iter().map(|e| e.id.0).collect();
    b.write(tx, true).await.map_err(|(i, e)| match i {
        Some(i) => at(i, e),
        None => e,
    })?;
    // The head and the claim, pipelined (after the rows: a failed write may roll back
    // to its savepoint, and must not take these with it).
    tokio::try_join!(advance_head(tx, org_id, n), async {
        match &claim {
            Some(c) => insert_claim(tx, org_id, c, &ids).await,
            None => Ok(()),
        }
    })?;
    Ok(Appended { events: b.out, replayed: false })
}

async fn advance_head(tx: &Transaction<'_>, org: OrgId, n: i64) -> StoreResult<()> {
    let stmt = tx.prepare_cached(ADVANCE_HEAD).await.db()?;
    tx.execute(&stmt, &[&org.0, &n]).await.db().map(drop)
}

async fn insert_claim(tx: &Transaction<'_>, org: OrgId, c: &IdempotencyClaim, ids: &[Uuid]) -> StoreResult<()> {
    let stmt = tx.prepare_cached(INSERT_CLAIM).await.db()?;
    tx.execute(&stmt, &[&org.0, &c.scope, &c.key, &c.fingerprint, &ids]).await.db().map(drop)
}

/// Several small batches of one organization in ONE transaction (group commit): the
/// head is locked once, everything the batches read is loaded in one pipelined round,
/// each batch is checked in memory in order against the state the earlier ones left
/// (a failing batch's effects are undone and it gets its own error), and the
/// survivors are written with one statement per table. Returns one result per batch;
/// `Err` means the transaction is broken and nothing may be acknowledged. The caller
/// commits, then replies.
///
/// Whatever the in-memory pass cannot decide exactly as separate transactions would
/// (a claim or idempotency key already used in the group or the database, a subject
/// a backdated event left to refold, a write the database refuses) goes the slow way:
/// that batch and the rest of the group run one by one, each in a savepoint, with the
/// single-batch code, after the fast part is written (or instead of it, rolled back).
pub(crate) async fn append_group(tx: &Transaction<'_>, org: OrgId, batches: Vec<AppendBatch>) -> StoreResult<Vec<StoreResult<Appended>>> {
    // The lock first, alone: nothing may be read before it is held.
    let head = lock_head(tx, org).await?;
    let refs: Vec<&NewEvent> = batches.iter().flat_map(|b| &b.events).collect();
    let (scopes, keys): (Vec<&str>, Vec<&str>) = batches.iter().filter_map(|b| b.claim.as_ref()).map(|c| (c.scope.as_str(), c.key.as_str())).unzip();
    let (_, mut b, stored) = tokio::try_join!(
        async { tx.batch_execute("SAVEPOINT grp").await.db() },
        Batch::preload(tx, org, head, &refs),
        async {
            if scopes.is_empty() {
                Ok(vec![])
            } else {
                query(tx, "SELECT scope, key FROM idempotency WHERE org_id = $1 AND (scope, key) IN (SELECT * FROM unnest($2::text[], $3::text[]))", &[&org.0, &scopes, &keys])
                    .await
                    .db()
            }
        },
    )?;
    drop(refs);
    let mut claimed = HashSet::new();
    for r in &stored {
        claimed.insert((rows::get::<String>(r, 0)?, rows::get::<String>(r, 1)?));
    }
    let mut results: Vec<StoreResult<Appended>> = Vec::with_capacity(batches.len());
    let mut claims: Vec<(&IdempotencyClaim, Vec<Uuid>)> = Vec::new();
    let mut cut = batches.len();
    for (j, batch) in batches.iter().enumerate() {
        let slow = batch.events.is_empty()
            || batch.claim.as_ref().is_some_and(|c| !claimed.insert((c.scope.clone(), c.key.clone())))
            || batch.events.iter().any(|e| {
                e.idempotency_key.as_ref().is_some_and(|k| b.keys.contains(k)) || b.people.get(&e.subject).is_some_and(|c| c.stale)
            });
        if slow {
            cut = j;
            break;
        }
        let many = batch.events.len() > 1;
        let may_replay = !many && batch.claim.is_none();
        let mark = b.mark(&batch.events);
        let mut outcome = Ok(None);
        for (i, e) in batch.events.iter().enumerate() {
            match b.append(i, e.clone(), may_replay) {
                Ok(Step::Appended) => {}
                Ok(Step::Replayed(e)) => {
                    outcome = Ok(Some(*e));
                    break;
                }
                Err(e) => {
                    outcome = Err(if many { e.nested(&format!("events[{i}]")) } else { e });
                    break;
                }
            }
        }
        match outcome {
            Ok(None) => {
                let events = b.out[mark.out..].to_vec();
                if let Some(c) = &batch.claim {
                    claims.push((c, events.iter().map(|e| e.id.0).collect()));
                }
                results.push(Ok(Appended { events, replayed: false }));
            }
            Ok(Some(e)) => results.push(Ok(Appended { events: vec![e], replayed: true })),
            Err(e) => {
                b.rollback(mark);
                results.push(Err(e));
            }
        }
    }
    if !b.out.is_empty() {
        let n = b.out.len() as i64;
        // Rows, head and claims in one pipelined flight; on any refusal the savepoint
        // takes it all back.
        let written = tokio::try_join!(
            async { b.write(tx, false).await.map_err(|(_, e)| e) },
            advance_head(tx, org, n),
            try_join_all(claims.iter().map(|(c, ids)| insert_claim(tx, org, c, ids))),
        );
        if let Err(e) = written {
            tracing::debug!(error = %e, "group write refused; running its batches one by one");
            tx.batch_execute("ROLLBACK TO SAVEPOINT grp").await.db()?;
            results.clear();
            cut = 0;
        }
    }
    drop(claims);
    for batch in batches.into_iter().skip(cut) {
        results.push(in_savepoint(tx, batch).await?);
    }
    Ok(results)
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

/// Where a batch of a group started, and what it may change, to undo it if it fails.
struct Mark {
    out: usize,
    touched: usize,
    next_seq: Option<i64>,
    people: Vec<(PersonId, Cached)>,
    emails: Vec<(String, Option<PersonId>)>,
}

/// A claim seen before: replay its events, or refuse a different request.
async fn claimed(tx: &Transaction<'_>, org: OrgId, c: &IdempotencyClaim) -> StoreResult<Option<Appended>> {
    let row = tx
        .query_opt("SELECT fingerprint, event_ids FROM idempotency WHERE org_id = $1 AND scope = $2 AND key = $3", &[&org.0, &c.scope, &c.key])
        .await
        .db()?;
    let Some(row) = row else { return Ok(None) };
    let fingerprint: String = rows::get(&row, 0)?;
    if fingerprint != c.fingerprint {
        return Err(StoreError::Conflict {
            field: "Idempotency-Key".into(),
            reason: "was already used with a different request".into(),
        });
    }
    let ids: Vec<Uuid> = rows::get(&row, 1)?;
    let found = rows::events(&tx.query(&format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND id = ANY($2)"), &[&org.0, &ids]).await.db()?)?;
    let mut by_id: HashMap<EventId, Event> = found.into_iter().map(|e| (e.id, e)).collect();
    let events = ids.iter().map(|id| by_id.remove(&EventId(*id)).ok_or_else(|| StoreError::unexpected("claimed event is missing"))).collect::<StoreResult<_>>()?;
    Ok(Some(Appended { events, replayed: true }))
}

enum Step {
    Appended,
    Replayed(Box<Event>),
}

/// A subject's state while the batch runs (see `sqlite/append.rs`).
#[derive(Clone)]
struct Cached {
    person: Option<Person>,
    stale: bool,
    last: usize,
}

struct Batch {
    org: OrgId,
    /// `None`: the organization does not exist; the first insert is refused.
    next_seq: Option<i64>,
    people: HashMap<PersonId, Cached>,
    /// Email -> person for cached people (may be outdated; verified on use).
    emails: HashMap<String, PersonId>,
    /// `people` rows by email at the start of the batch (only the emails it sets).
    stored_emails: HashMap<String, PersonId>,
    /// Events with an idempotency key already in the ledger, by key.
    keyed: HashMap<String, Event>,
    /// Targets already in the ledger, by id, and which of them are reversed.
    targets: HashMap<EventId, Event>,
    reversed: HashSet<EventId>,
    /// This batch's events in order; `by_id` and `keys` index them.
    out: Vec<Event>,
    by_id: HashMap<EventId, usize>,
    keys: HashSet<String>,
    touched: Vec<PersonId>,
}

impl Batch {
    async fn preload(tx: &Transaction<'_>, org: OrgId, head: Option<i64>, events: &[&NewEvent]) -> StoreResult<Batch> {
        let subjects: Vec<Uuid> = events.iter().map(|e| e.subject.0).collect::<HashSet<_>>().into_iter().collect();
        let keys: Vec<&str> = events.iter().filter_map(|e| e.idempotency_key.as_deref()).collect();
        let targets: Vec<Uuid> = events.iter().filter_map(|e| e.body.target().map(|t| t.0)).collect();
        let emails: Vec<&str> = events
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::Hired(h) => Some(h.email.as_str()),
                EventBody::ProfileUpdated(u) => u.email.as_deref(),
                _ => None,
            })
            .collect();
        let people_sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = $1 AND id = ANY($2)");
        let keys_sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND idempotency_key = ANY($2)");
        let targets_sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND id = ANY($2)");
        // Queries with nothing to look up are not sent. The five run pipelined.
        let (people, keyed, found, reversed, stored) = tokio::try_join!(
            async { query(tx, &people_sql, &[&org.0, &subjects]).await },
            async { if keys.is_empty() { Ok(vec![]) } else { query(tx, &keys_sql, &[&org.0, &keys]).await } },
            async { if targets.is_empty() { Ok(vec![]) } else { query(tx, &targets_sql, &[&org.0, &targets]).await } },
            async {
                if targets.is_empty() {
                    Ok(vec![])
                } else {
                    query(tx, "SELECT target FROM events WHERE target = ANY($1) AND kind = 'reversal'", &[&targets]).await
                }
            },
            async {
                if emails.is_empty() {
                    Ok(vec![])
                } else {
                    query(tx, "SELECT email, id FROM people WHERE org_id = $1 AND email = ANY($2)", &[&org.0, &emails]).await
                }
            },
        )
        .db()?;
        let mut b = Batch {
            org,
            next_seq: head.map(|h| h + 1),
            people: HashMap::with_capacity(subjects.len()),
            emails: HashMap::new(),
            stored_emails: HashMap::new(),
            keyed: rows::events(&keyed)?.into_iter().filter_map(|e| e.idempotency_key.clone().map(|k| (k, e))).collect(),
            targets: rows::events(&found)?.into_iter().map(|e| (e.id, e)).collect(),
            reversed: reversed.iter().map(|r| rows::get::<Uuid>(r, 0).map(EventId)).collect::<StoreResult<_>>()?,
            out: Vec::with_capacity(events.len()),
            by_id: HashMap::new(),
            keys: HashSet::new(),
            touched: Vec::new(),
        };
        for r in &stored {
            b.stored_emails.insert(rows::get(r, 0)?, PersonId(rows::get(r, 1)?));
        }
        for r in &people {
            let p = rows::person(r)?;
            b.emails.insert(p.email.clone(), p.id);
            b.people.insert(p.id, Cached { person: Some(p), stale: false, last: usize::MAX });
        }
        for s in subjects {
            b.people.entry(PersonId(s)).or_insert(Cached { person: None, stale: false, last: usize::MAX });
        }
        Ok(b)
    }

    fn append(&mut self, i: usize, mut e: NewEvent, may_replay: bool) -> StoreResult<Step> {
        if e.org_id != self.org {
            return Err(ValidationError::single("org_id", "does not match the organization of the request").into());
        }
        e.occurred_at = truncate(e.occurred_at);
        e.recorded_at = truncate(e.recorded_at);
        if let Some(key) = &e.idempotency_key {
            if self.keys.contains(key) {
                // An earlier event of this batch has it: never a replay (the batch has several events).
                return Err(StoreError::Conflict { field: "idempotency_key".into(), reason: "was already used for another event".into() });
            }
            if let Some(existing) = self.keyed.get(key) {
                if may_replay {
                    return Ok(Step::Replayed(Box::new(existing.clone())));
                }
                return Err(StoreError::Conflict { field: "idempotency_key".into(), reason: "was already used for another event".into() });
            }
        }
        let target = e.body.target().map(|t| {
            let ev = self.by_id.get(&t).map(|&j| &self.out[j]).or_else(|| self.targets.get(&t));
            (ev, self.reversed.contains(&t))
        });
        let cached = &self.people[&e.subject];
        let ctx = AppendContext {
            subject: cached.person.as_ref(),
            target: target.as_ref().and_then(|(t, _)| *t),
            target_reversed: target.as_ref().is_some_and(|(_, r)| *r),
        };
        projection::check_append(&e, &ctx)?;
        if let Some(p) = &cached.person
            && !matches!(e.body, EventBody::Hired(_))
            && e.occurred_at < p.hired_at
        {
            return Err(ValidationError::single("occurred_at", "is before the person was hired").into());
        }
        match &e.body {
            EventBody::Hired(h) => self.check_email(&h.email, e.subject)?,
            EventBody::ProfileUpdated(u) if u.email.is_some() => self.check_email(u.email.as_deref().unwrap_or_default(), e.subject)?,
            _ => {}
        }
        // The insert would fail on the foreign key: the organization does not exist.
        let seq = self.next_seq.ok_or(StoreError::NotFound)?;
        self.next_seq = Some(seq + 1);
        let ev = e.into_event(seq);
        if let EventBody::Reversal(r) = &ev.body {
            self.reversed.insert(r.target);
        }
        if let Some(k) = &ev.idempotency_key {
            self.keys.insert(k.clone());
        }
        let c = self.people.get_mut(&ev.subject).ok_or_else(|| StoreError::unexpected("subject not cached"))?;
        match &mut c.person {
            None => c.person = projection::hire(&ev),
            Some(_) if c.stale => {}
            Some(p) if projection::needs_refold(p, &ev) => c.stale = true,
            Some(p) => projection::apply(p, &ev),
        }
        if !c.stale
            && let Some(p) = &c.person
            && matches!(ev.body, EventBody::Hired(_) | EventBody::ProfileUpdated(_))
        {
            self.emails.insert(p.email.clone(), p.id);
        }
        if c.last == usize::MAX {
            self.touched.push(ev.subject);
        }
        c.last = i;
        self.by_id.insert(ev.id, self.out.len());
        self.out.push(ev);
        Ok(Step::Appended)
    }

    /// Remember what appending `events` may change (see [`Batch::rollback`]).
    fn mark(&self, events: &[NewEvent]) -> Mark {
        let mut m = Mark { out: self.out.len(), touched: self.touched.len(), next_seq: self.next_seq, people: Vec::new(), emails: Vec::new() };
        let email = |e: &str, m: &mut Mark| m.emails.push((e.to_string(), self.emails.get(e).copied()));
        for e in events {
            if !m.people.iter().any(|(id, _)| *id == e.subject)
                && let Some(c) = self.people.get(&e.subject)
            {
                if let Some(p) = &c.person {
                    email(&p.email, &mut m);
                }
                m.people.push((e.subject, c.clone()));
            }
            match &e.body {
                EventBody::Hired(h) => email(&h.email, &mut m),
                EventBody::ProfileUpdated(u) if u.email.is_some() => email(u.email.as_deref().unwrap_or_default(), &mut m),
                _ => {}
            }
        }
        m
    }

    /// Undo a failed batch of a group: the in-memory state is as if it never ran.
    fn rollback(&mut self, m: Mark) {
        for ev in self.out.drain(m.out..) {
            if self.by_id.get(&ev.id).is_some_and(|&j| j >= m.out) {
                self.by_id.remove(&ev.id);
            }
            if let EventBody::Reversal(r) = &ev.body {
                self.reversed.remove(&r.target);
            }
            if let Some(k) = &ev.idempotency_key {
                self.keys.remove(k);
            }
        }
        self.touched.truncate(m.touched);
        self.next_seq = m.next_seq;
        for (id, c) in m.people {
            self.people.insert(id, c);
        }
        for (email, was) in m.emails.into_iter().rev() {
            match was {
                Some(id) => self.emails.insert(email, id),
                None => self.emails.remove(&email),
            };
        }
    }

    /// Refuse an email another person of the org has; cached people are
    /// authoritative over their (possibly outdated) stored row.
    fn check_email(&self, email: &str, subject: PersonId) -> StoreResult<()> {
        let conflict = || StoreError::Conflict { field: "payload.email".into(), reason: "is already used by another person".into() };
        if let Some(&id) = self.emails.get(email)
            && let Some(c) = self.people.get(&id)
            && c.person.as_ref().is_some_and(|p| p.email == email)
            && id != subject
        {
            return Err(conflict());
        }
        match self.stored_emails.get(email) {
            Some(&id) if id != subject && !self.people.contains_key(&id) => Err(conflict()),
            _ => Ok(()),
        }
    }

    /// Insert the events, refold stale subjects, write each touched person once: one
    /// multi-row statement per table. Errors carry the index (in `out`) of the event
    /// concerned when one is known; with `exact`, a failed multi-row statement is
    /// rolled back to a savepoint and redone row by row to find that event.
    async fn write(&mut self, tx: &Transaction<'_>, exact: bool) -> Result<(), (Option<usize>, StoreError)> {
        self.write_events(tx, exact).await?;
        revoke_departed(tx, self.org, &self.out).await.map_err(|e| (None, e))
    }

    async fn write_events(&mut self, tx: &Transaction<'_>, exact: bool) -> Result<(), (Option<usize>, StoreError)> {
        let exact = exact && (self.out.len() > 1 || self.touched.len() > 1);
        if exact {
            tx.batch_execute("SAVEPOINT rows").await.db().map_err(|e| (None, e))?;
        }
        match self.write_many(tx).await {
            Ok(()) => Ok(()),
            Err(Failed::Refold(i, e)) => Err((Some(i), e)),
            Err(Failed::Insert(e)) if !exact => Err((if self.out.len() == 1 { Some(0) } else { None }, e)),
            Err(Failed::Upsert(e)) if !exact => {
                let last = if self.touched.len() == 1 { self.people.get(&self.touched[0]).map(|c| c.last) } else { None };
                Err((last, e))
            }
            Err(Failed::Insert(e) | Failed::Upsert(e)) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT rows").await.db().map_err(|e| (None, e))?;
                tracing::debug!(error = %e, "multi-row write failed; redoing it row by row to name the event");
                self.write_rows(tx).await
            }
        }
    }

    /// Refold the stale subjects (after the events are in) and collect the people to write.
    fn people_to_write(&self) -> Result<Vec<(usize, &Person)>, Indexed> {
        let mut people = Vec::with_capacity(self.touched.len());
        for id in &self.touched {
            let Some(c) = self.people.get(id) else { continue };
            let Some(p) = &c.person else {
                return Err((Some(c.last), StoreError::unexpected(format!("no hire in force for {id} after refold"))));
            };
            people.push((c.last, p));
        }
        Ok(people)
    }

    async fn refold(&mut self, tx: &Transaction<'_>) -> Result<(), (usize, StoreError)> {
        let stale: Vec<(PersonId, usize)> =
            self.touched.iter().filter_map(|id| self.people.get(id).filter(|c| c.stale).map(|c| (*id, c.last))).collect();
        let org = self.org;
        let folds = try_join_all(stale.iter().map(|&(id, last)| async move {
            subject_events(tx, org, id).await.map(|events| (id, projection::fold(&events))).map_err(|e| (last, e))
        }))
        .await?;
        for (id, person) in folds {
            if let Some(c) = self.people.get_mut(&id) {
                c.person = person;
                c.stale = false;
            }
        }
        Ok(())
    }

    async fn write_many(&mut self, tx: &Transaction<'_>) -> Result<(), Failed> {
        let org = self.org.0;
        let events = EventArrays::new(self.out.iter());
        let insert = async {
            let stmt = tx.prepare_cached(INSERT_EVENTS).await.db()?;
            tx.execute(&stmt, &events.params(&org)).await.db()
        };
        if self.touched.iter().any(|id| self.people.get(id).is_some_and(|c| c.stale)) {
            insert.await.map_err(Failed::Insert)?;
            self.refold(tx).await.map_err(|(i, e)| Failed::Refold(i, e))?;
            let people = self.people_to_write().map_err(|(i, e)| Failed::Refold(i.unwrap_or(0), e))?;
            upsert_people(tx, &people).await.map_err(Failed::Upsert)?;
        } else {
            // Nothing to refold: both statements go out pipelined.
            let people = self.people_to_write().map_err(|(i, e)| Failed::Refold(i.unwrap_or(0), e))?;
            let (i, u) = tokio::join!(insert, upsert_people(tx, &people));
            i.map_err(Failed::Insert)?;
            u.map_err(Failed::Upsert)?;
        }
        Ok(())
    }

    /// The row-at-a-time write (pipelined), whose errors name their event.
    async fn write_rows(&mut self, tx: &Transaction<'_>) -> Result<(), (Option<usize>, StoreError)> {
        let insert = tx.prepare_cached(INSERT_EVENT).await.db().map_err(|e| (None, e))?;
        let payloads: Vec<String> = self.out.iter().map(|e| payload_json(&e.body)).collect();
        let kinds: Vec<&str> = self.out.iter().map(|e| e.kind().as_str()).collect();
        let inserts = self.out.iter().enumerate().map(|(i, e)| {
            let (insert, payload, kind) = (&insert, &payloads[i], &kinds[i]);
            async move {
                tx.execute(
                    insert,
                    &[
                        &e.org_id.0,
                        &e.seq,
                        &e.id.0,
                        &e.subject.0,
                        &e.actor.map(|a| a.0),
                        kind,
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
                .map_err(|err| (Some(i), err))
            }
        });
        try_join_all(inserts).await?;
        self.refold(tx).await.map_err(|(i, e)| (Some(i), e))?;
        let people = self.people_to_write()?;
        let upsert = tx.prepare_cached(UPSERT_PERSON).await.db().map_err(|e| (None, e))?;
        let params: Vec<PersonParams> = people.iter().map(|(_, p)| PersonParams::new(p)).collect();
        let writes = people.iter().zip(&params).map(|((i, p), pp)| {
            let upsert = &upsert;
            async move { tx.execute(upsert, &pp.params(p)).await.db().map_err(|e| (Some(*i), e)) }
        });
        try_join_all(writes).await?;
        Ok(())
    }
}

/// A departure ends the person's access in the same transaction: their API tokens are
/// revoked and their sessions deleted. One statement, sent only when the batch has a
/// departure.
async fn revoke_departed(tx: &Transaction<'_>, org: OrgId, events: &[Event]) -> StoreResult<()> {
    let people: Vec<Uuid> = events.iter().filter(|e| matches!(e.body, EventBody::Departure(_))).map(|e| e.subject.0).collect();
    if people.is_empty() {
        return Ok(());
    }
    let stmt = tx.prepare_cached(REVOKE_DEPARTED).await.db()?;
    tx.execute(&stmt, &[&org.0, &people]).await.db().map(drop)
}

const REVOKE_DEPARTED: &str = "WITH ended AS (DELETE FROM sessions WHERE org_id = $1 AND person_id = ANY($2)) \
     UPDATE tokens SET revoked_at = now() WHERE org_id = $1 AND person_id = ANY($2) AND revoked_at IS NULL";

async fn upsert_people(tx: &Transaction<'_>, people: &[(usize, &Person)]) -> StoreResult<u64> {
    if people.is_empty() {
        return Ok(0);
    }
    let arrays = PeopleArrays::new(people.iter().map(|(_, p)| *p));
    let stmt = tx.prepare_cached(&UPSERT_PEOPLE).await.db()?;
    tx.execute(&stmt, &arrays.params()).await.db()
}

/// An error and the index (in `out`) of the event it is about, when known.
type Indexed = (Option<usize>, StoreError);

enum Failed {
    Insert(StoreError),
    Upsert(StoreError),
    Refold(usize, StoreError),
}

async fn query(tx: &Transaction<'_>, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let stmt = tx.prepare_cached(sql).await?;
    tx.query(&stmt, params).await
}

/// Every event of one subject, in ledger order.
pub(crate) async fn subject_events<C: deadpool_postgres::GenericClient>(c: &C, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE subject = $1 AND org_id = $2 ORDER BY seq");
    let stmt = c.prepare_cached(&sql).await.db()?;
    rows::events(&c.query(&stmt, &[&subject.0, &org.0]).await.db()?)
}
