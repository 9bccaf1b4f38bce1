//! One append batch, run by the writer thread inside its savepoint: idempotency,
//! ledger checks ([`projection::check_append`]), the insert, and the incremental
//! people projection with the same folds a rebuild uses.
//!
//! Speed matters here (bulk import targets 50k events/s), so within a batch each
//! subject is read from `people` at most once and written back at most once, and a
//! subject that needs a refold (reversal, backdated event) is refolded once at the end
//! of the batch rather than after every such event.

use std::collections::HashMap;
use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension, params};
use rungs_core::event::{Event, EventBody, NewEvent};
use rungs_core::person::Person;
use rungs_core::projection::{self, AppendContext};
use rungs_core::store::{AppendBatch, Appended, IdempotencyClaim, StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId, ValidationError};

use super::rows::{self, Db, EVENT_COLS, PERSON_COLS, micros};

// Hot statements, formatted once rather than on every call.
static EVENT_BY_ID: LazyLock<String> = LazyLock::new(|| format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1 AND org_id = ?2"));
static EVENT_BY_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {EVENT_COLS} FROM events WHERE org_id = ?1 AND idempotency_key = ?2"));
static PERSON_BY_ID: LazyLock<String> = LazyLock::new(|| format!("SELECT {PERSON_COLS} FROM people WHERE id = ?1 AND org_id = ?2"));

/// People as the `people` table holds them after the writer's last commit, kept by the
/// writer thread across batches so a bulk import does not re-read every person it
/// touches. Only the writer writes `people`, so the cache stays true as long as it is
/// updated after each commit and cleared when anything else may have written: another
/// process (`PRAGMA data_version` changes) or a non-append job such as a rebuild.
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

    /// Take in the states a committed transaction wrote.
    pub(crate) fn commit(&mut self, written: Vec<Person>) {
        if self.people.len() + written.len() > CACHE_LIMIT {
            self.people.clear();
        }
        for p in written {
            self.people.insert(p.id, p);
        }
    }
}

/// Append `batch` on `conn`, which is inside a transaction (savepoint) the caller
/// commits or rolls back; on `Err` the caller rolls back, so partial work is harmless.
/// Also returns the people it wrote, for the caller to put in `cache` once committed.
pub(crate) fn append_batch(conn: &Connection, batch: AppendBatch, cache: &PeopleCache) -> StoreResult<(Appended, Vec<Person>)> {
    let AppendBatch { org_id, events, claim } = batch;
    if events.is_empty() && claim.is_none() {
        return Err(ValidationError::single("events", "must contain at least one event").into());
    }
    if let Some(c) = &claim
        && let Some(done) = claimed(conn, org_id, c)?
    {
        return Ok((done, Vec::new()));
    }
    // A claim alone (`events` empty) falls through: nothing to append, the claim is
    // recorded below, so a request whose writes are not ledger events keeps its key.
    let many = events.len() > 1;
    // A repeated event key replays the stored event only when that is unambiguous:
    // a lone event with no request-level claim (e.g. a re-run import line).
    let may_replay = !many && claim.is_none();
    let at = |i: usize, e: StoreError| if many { e.nested(&format!("events[{i}]")) } else { e };
    let mut b = Batch { conn, org: org_id, cache, people: HashMap::new(), emails: HashMap::new(), touched: Vec::new() };
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.into_iter().enumerate() {
        match b.append(i, e, may_replay).map_err(|e| at(i, e))? {
            Step::Appended(e) => out.push(e),
            Step::Replayed(e) => return Ok((Appended { events: vec![e], replayed: true }, Vec::new())),
        }
    }
    let written = b.flush().map_err(|(i, e)| at(i, e))?;
    revoke_departed(conn, org_id, &out)?;
    if let Some(c) = claim {
        let ids: Vec<String> = out.iter().map(|e| e.id.to_string()).collect();
        conn.prepare_cached(
            "INSERT INTO idempotency (org_id, scope, key, fingerprint, event_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                org_id.as_bytes(),
                c.scope,
                c.key,
                c.fingerprint,
                serde_json::to_string(&ids).unwrap_or_default(),
                chrono::Utc::now().timestamp_micros()
            ])
        })
        .db()?;
    }
    Ok((Appended { events: out, replayed: false }, written))
}

/// A departure ends the person's access in the same transaction: their API tokens are
/// revoked (as of the event's recording) and their sessions deleted.
fn revoke_departed(conn: &Connection, org: OrgId, events: &[Event]) -> StoreResult<()> {
    for e in events.iter().filter(|e| matches!(e.body, EventBody::Departure(_))) {
        let (org, person) = (org.as_bytes(), e.subject.as_bytes());
        conn.prepare_cached("UPDATE tokens SET revoked_at = ?3 WHERE org_id = ?1 AND person_id = ?2 AND revoked_at IS NULL")
            .and_then(|mut s| s.execute(params![org, person, micros(e.recorded_at)]))
            .db()?;
        conn.prepare_cached("DELETE FROM sessions WHERE org_id = ?1 AND person_id = ?2").and_then(|mut s| s.execute(params![org, person])).db()?;
    }
    Ok(())
}

/// A claim seen before: replay its events, or refuse a different request.
fn claimed(conn: &Connection, org: OrgId, c: &IdempotencyClaim) -> StoreResult<Option<Appended>> {
    let found: Option<(String, String)> = conn
        .prepare_cached("SELECT fingerprint, event_ids FROM idempotency WHERE org_id = ?1 AND scope = ?2 AND key = ?3")
        .and_then(|mut s| s.query_row(params![org.as_bytes(), c.scope, c.key], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .db()?;
    let Some((fingerprint, ids)) = found else { return Ok(None) };
    if fingerprint != c.fingerprint {
        return Err(StoreError::Conflict {
            field: "Idempotency-Key".into(),
            reason: "was already used with a different request".into(),
        });
    }
    let ids: Vec<EventId> = serde_json::from_str(&ids).map_err(StoreError::unexpected)?;
    let mut events = Vec::with_capacity(ids.len());
    for id in ids {
        events.push(event_by_id(conn, org, id)?.ok_or_else(|| StoreError::unexpected("claimed event is missing"))?);
    }
    Ok(Some(Appended { events, replayed: true }))
}

pub(crate) fn event_by_id(conn: &Connection, org: OrgId, id: EventId) -> StoreResult<Option<Event>> {
    conn.prepare_cached(&EVENT_BY_ID)
        .and_then(|mut s| s.query_row(params![id.as_bytes(), org.as_bytes()], rows::event).optional())
        .db()
}

/// Every event of one subject, in ledger order (for refolds and timelines).
pub(crate) fn subject_events(conn: &Connection, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>> {
    let mut s = conn.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE subject = ?1 AND org_id = ?2 ORDER BY seq")).db()?;
    s.query_map(params![subject.as_bytes(), org.as_bytes()], rows::event).db()?.collect::<rusqlite::Result<_>>().db()
}

enum Step {
    Appended(Event),
    Replayed(Event),
}

/// A subject's state while the batch runs.
struct Cached {
    /// `None`: not hired (yet).
    person: Option<Person>,
    /// Events were appended that the incremental fold cannot take; refold at flush.
    /// `person` then still holds the earlier state, whose `hired_at` stays right
    /// (a hire cannot be reversed).
    stale: bool,
    /// Index of the last event of the batch about this subject, to name it in errors.
    last: usize,
    /// The indexed columns (name, email, manager) as the `people` row has them, when
    /// there is a row: if they are unchanged at flush, a narrower UPDATE suffices.
    stored: Option<(String, String, Option<PersonId>)>,
}

struct Batch<'c> {
    conn: &'c Connection,
    org: OrgId,
    cache: &'c PeopleCache,
    people: HashMap<PersonId, Cached>,
    /// Email -> person for cached people, so the in-batch email check is a lookup.
    /// May hold outdated entries; they are verified against `people`.
    emails: HashMap<String, PersonId>,
    /// Subjects with changes to write, in first-touched order.
    touched: Vec<PersonId>,
}

impl Batch<'_> {
    fn append(&mut self, i: usize, mut e: NewEvent, may_replay: bool) -> StoreResult<Step> {
        if e.org_id != self.org {
            return Err(ValidationError::single("org_id", "does not match the organization of the request").into());
        }
        e.occurred_at = rows::truncate(e.occurred_at);
        e.recorded_at = rows::truncate(e.recorded_at);
        if let Some(key) = &e.idempotency_key
            && let Some(existing) = self.event_by_key(key)?
        {
            if may_replay {
                return Ok(Step::Replayed(existing));
            }
            return Err(StoreError::Conflict { field: "idempotency_key".into(), reason: "was already used for another event".into() });
        }
        self.load(e.subject)?;
        let target = match e.body.target() {
            Some(t) => Some((event_by_id(self.conn, self.org, t)?, self.is_reversed(t)?)),
            None => None,
        };
        let cached = &self.people[&e.subject];
        let ctx = AppendContext {
            subject: cached.person.as_ref(),
            target: target.as_ref().and_then(|(t, _)| t.as_ref()),
            target_reversed: target.as_ref().is_some_and(|(_, r)| *r),
        };
        projection::check_append(&e, &ctx)?;
        // A non-hire dated before the hire would make the fold start without a hire
        // and lose the person; refuse it here (it belongs in check_append).
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
        let seq = self.insert(&e)?;
        let ev = e.into_event(seq);
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
        Ok(Step::Appended(ev))
    }

    /// Put the subject in the cache, reading `people` on a miss.
    fn load(&mut self, id: PersonId) -> StoreResult<()> {
        if self.people.contains_key(&id) {
            return Ok(());
        }
        let person = match self.cache.people.get(&id) {
            Some(p) if p.org_id == self.org => Some(p.clone()),
            _ => self
                .conn
                .prepare_cached(&PERSON_BY_ID)
                .and_then(|mut s| s.query_row(params![id.as_bytes(), self.org.as_bytes()], rows::person).optional())
                .db()?,
        };
        let stored = person.as_ref().map(|p| (p.name.clone(), p.email.clone(), p.manager_id));
        if let Some(p) = &person {
            self.emails.insert(p.email.clone(), id);
        }
        // `last == usize::MAX` marks "not touched by this batch yet".
        self.people.insert(id, Cached { person, stale: false, last: usize::MAX, stored });
        Ok(())
    }

    /// Refuse an email another person of the org already has. Cached people are
    /// authoritative over their (possibly outdated) row in `people`.
    fn check_email(&self, email: &str, subject: PersonId) -> StoreResult<()> {
        let conflict = || StoreError::Conflict { field: "payload.email".into(), reason: "is already used by another person".into() };
        if let Some(&id) = self.emails.get(email)
            && let Some(c) = self.people.get(&id)
            && c.person.as_ref().is_some_and(|p| p.email == email)
            && id != subject
        {
            return Err(conflict());
        }
        let row: Option<[u8; 16]> = self
            .conn
            .prepare_cached("SELECT id FROM people WHERE org_id = ?1 AND email = ?2")
            .and_then(|mut s| s.query_row(params![self.org.as_bytes(), email], |r| r.get(0)).optional())
            .db()?;
        match row.map(PersonId::from_bytes) {
            Some(id) if id != subject && !self.people.contains_key(&id) => Err(conflict()),
            _ => Ok(()),
        }
    }

    fn event_by_key(&self, key: &str) -> StoreResult<Option<Event>> {
        self.conn
            .prepare_cached(&EVENT_BY_KEY)
            .and_then(|mut s| s.query_row(params![self.org.as_bytes(), key], rows::event).optional())
            .db()
    }

    fn is_reversed(&self, target: EventId) -> StoreResult<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM events WHERE target = ?1 AND kind = 'reversal'")
            .and_then(|mut s| s.exists(params![target.as_bytes()]))
            .db()
    }

    /// Insert the row; SQLite assigns `seq` (the rowid).
    fn insert(&self, e: &NewEvent) -> StoreResult<i64> {
        let mut s = self
            .conn
            .prepare_cached(
                "INSERT INTO events (id, org_id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, \
                 evidence, idempotency_key, target) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .db()?;
        s.execute(params![
            e.id.as_bytes(),
            e.org_id.as_bytes(),
            e.subject.as_bytes(),
            e.actor.as_ref().map(PersonId::as_bytes),
            e.body.kind().as_str(),
            micros(e.occurred_at),
            micros(e.recorded_at),
            rows::payload_json(&e.body),
            rows::list_json(&e.competencies),
            rows::list_json(&e.evidence),
            e.idempotency_key,
            e.body.target().as_ref().map(EventId::as_bytes),
        ])
        .db()?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Refold stale subjects and write every touched person once. Errors carry the
    /// index of the last event about the person concerned.
    fn flush(&mut self) -> Result<Vec<Person>, (usize, StoreError)> {
        let mut written = Vec::with_capacity(self.touched.len());
        for id in std::mem::take(&mut self.touched) {
            let Some(c) = self.people.get_mut(&id) else { continue };
            let i = c.last;
            if c.stale {
                let events = subject_events(self.conn, self.org, id).map_err(|e| (i, e))?;
                c.person = projection::fold(&events);
                c.stale = false;
            }
            let Some(p) = &c.person else {
                return Err((i, StoreError::unexpected(format!("no hire in force for {id} after refold"))));
            };
            let unchanged = c.stored.as_ref().is_some_and(|(n, e, m)| *n == p.name && *e == p.email && *m == p.manager_id);
            let r = if unchanged { rows::update_person_unindexed(self.conn, p) } else { rows::upsert_person(self.conn, p) };
            r.db().map_err(|e| (i, e))?;
            written.push(p.clone());
        }
        Ok(written)
    }
}
