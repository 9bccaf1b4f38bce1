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
//! database), and writes with pipelined statements.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::{Object, Transaction};
use futures_util::future::try_join_all;
use rungs_core::event::{Event, EventBody, NewEvent};
use rungs_core::person::Person;
use rungs_core::projection::{self, AppendContext};
use rungs_core::store::{AppendBatch, Appended, IdempotencyClaim, StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId, ValidationError};
use uuid::Uuid;

use super::rows::{self, Db, EVENT_COLS, PERSON_COLS, PersonParams, UPSERT_PERSON};
use crate::sqlite::rows::{payload_json, truncate};

const INSERT_EVENT: &str = "INSERT INTO events (org_id, seq, id, subject, actor, kind, occurred_at, recorded_at, payload, \
     competencies, evidence, idempotency_key, target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12, $13)";

/// Lock the organization's ledger head; `None` when the organization does not exist.
pub(crate) async fn lock_head(tx: &Transaction<'_>, org: OrgId) -> StoreResult<Option<i64>> {
    let row = tx.query_opt("SELECT last_seq FROM ledger_heads WHERE org_id = $1 FOR UPDATE", &[&org.0]).await.db()?;
    row.map(|r| rows::get(&r, 0)).transpose()
}

pub(crate) async fn append_batch(conn: &mut Object, batch: AppendBatch) -> StoreResult<Appended> {
    let AppendBatch { org_id, events, claim } = batch;
    if events.is_empty() {
        return Err(ValidationError::single("events", "must contain at least one event").into());
    }
    let tx = conn.transaction().await.db()?;
    let head = lock_head(&tx, org_id).await?;
    if let Some(c) = &claim
        && let Some(done) = claimed(&tx, org_id, c).await?
    {
        return Ok(done);
    }
    let many = events.len() > 1;
    let may_replay = !many && claim.is_none();
    let at = |i: usize, e: StoreError| if many { e.nested(&format!("events[{i}]")) } else { e };
    let mut b = Batch::preload(&tx, org_id, head, &events).await?;
    for (i, e) in events.into_iter().enumerate() {
        match b.append(i, e, may_replay).map_err(|e| at(i, e))? {
            Step::Appended => {}
            Step::Replayed(e) => return Ok(Appended { events: vec![*e], replayed: true }),
        }
    }
    b.write(&tx).await.map_err(|(i, e)| match i {
        Some(i) => at(i, e),
        None => e,
    })?;
    let n = b.out.len() as i64;
    tx.execute("UPDATE ledger_heads SET last_seq = last_seq + $2, events = events + $2 WHERE org_id = $1", &[&org_id.0, &n])
        .await
        .db()?;
    if let Some(c) = claim {
        let ids: Vec<Uuid> = b.out.iter().map(|e| e.id.0).collect();
        tx.execute(
            "INSERT INTO idempotency (org_id, scope, key, fingerprint, event_ids, created_at) VALUES ($1, $2, $3, $4, $5, now())",
            &[&org_id.0, &c.scope, &c.key, &c.fingerprint, &ids],
        )
        .await
        .db()?;
    }
    tx.commit().await.db()?;
    Ok(Appended { events: b.out, replayed: false })
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
    async fn preload(tx: &Transaction<'_>, org: OrgId, head: Option<i64>, events: &[NewEvent]) -> StoreResult<Batch> {
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
            async { tx.query(&people_sql, &[&org.0, &subjects]).await },
            async { if keys.is_empty() { Ok(vec![]) } else { tx.query(&keys_sql, &[&org.0, &keys]).await } },
            async { if targets.is_empty() { Ok(vec![]) } else { tx.query(&targets_sql, &[&org.0, &targets]).await } },
            async {
                if targets.is_empty() {
                    Ok(vec![])
                } else {
                    tx.query("SELECT target FROM events WHERE target = ANY($1) AND kind = 'reversal'", &[&targets]).await
                }
            },
            async {
                if emails.is_empty() { Ok(vec![]) } else { tx.query("SELECT email, id FROM people WHERE org_id = $1 AND email = ANY($2)", &[&org.0, &emails]).await }
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

    /// Insert the events, refold stale subjects, write each touched person once.
    /// Errors carry the index of the event concerned when one is known.
    async fn write(&mut self, tx: &Transaction<'_>) -> Result<(), (Option<usize>, StoreError)> {
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
        let touched = std::mem::take(&mut self.touched);
        for id in &touched {
            let Some(c) = self.people.get_mut(id) else { continue };
            if c.stale {
                let events = subject_events(tx, self.org, *id).await.map_err(|e| (Some(c.last), e))?;
                c.person = projection::fold(&events);
                c.stale = false;
            }
        }
        let mut people = Vec::with_capacity(touched.len());
        for id in &touched {
            let Some(c) = self.people.get(id) else { continue };
            let Some(p) = &c.person else {
                return Err((Some(c.last), StoreError::unexpected(format!("no hire in force for {id} after refold"))));
            };
            people.push((c.last, p));
        }
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

/// Every event of one subject, in ledger order.
pub(crate) async fn subject_events<C: deadpool_postgres::GenericClient>(c: &C, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE subject = $1 AND org_id = $2 ORDER BY seq");
    let stmt = c.prepare_cached(&sql).await.db()?;
    rows::events(&c.query(&stmt, &[&subject.0, &org.0]).await.db()?)
}
