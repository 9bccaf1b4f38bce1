//! Row mapping for the PostgreSQL backend, and the one place driver errors become
//! [`StoreError`]s. ids are `uuid`, times `timestamptz`, payloads `jsonb`, lists
//! `text[]` (see `migrations/postgres/0001_ledger.sql`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rungs_core::event::{Event, EventKind};
use rungs_core::ledger::{Constraint, codec};
use rungs_core::person::{Organization, Person, PersonStatus, Position, Role};
use rungs_core::store::{ScimGroup, ScimIdentity, StoreError, StoreResult, TokenRecord, TokenScope};
use rungs_core::{EventId, OrgId, PersonId, TokenId};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use crate::people_sql::{ON_ID_CONFLICT_UPDATE, PEOPLE_COLUMNS};

/// Columns of `events`, in the order [`event`] reads them. The payload is read as
/// text and parsed once straight into the tagged body, as the SQLite backend does.
pub(crate) const EVENT_COLS: &str = "seq, id, org_id, subject, actor, kind, occurred_at, recorded_at, payload::text, competencies, evidence, idempotency_key";

fn col<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> StoreResult<T> {
    row.try_get(idx).map_err(|e| StoreError::context(format!("column {idx}"), e))
}

pub(crate) fn event(row: &Row) -> StoreResult<Event> {
    let kind: &str = col(row, 5)?;
    let kind = EventKind::parse(kind).ok_or_else(|| StoreError::internal(format!("unknown event kind '{kind}'")))?;
    let payload: &str = col(row, 8)?;
    let body = codec::parse_payload(kind.as_str(), payload).map_err(StoreError::unexpected)?;
    Ok(Event {
        seq: col(row, 0)?,
        id: EventId(col(row, 1)?),
        org_id: OrgId(col(row, 2)?),
        subject: PersonId(col(row, 3)?),
        actor: col::<Option<Uuid>>(row, 4)?.map(PersonId),
        occurred_at: col(row, 6)?,
        recorded_at: col(row, 7)?,
        body,
        competencies: col(row, 9)?,
        evidence: col(row, 10)?,
        idempotency_key: col(row, 11)?,
    })
}

pub(crate) fn events(rows: &[Row]) -> StoreResult<Vec<Event>> {
    rows.iter().map(event).collect()
}

/// Columns of `people`, in the order [`person`] reads and the upsert writes them.
pub(crate) const PERSON_COLS: &str = "id, org_id, name, email, manager_id, department, location, hired_at, status, ended_at, \
     end_reason, track, level, title, scope, level_since, last_promotion_at, last_progression_at, micro_progressions, \
     micro_promotions, promotions, recognitions_received, pay_band, sensitive::text, last_occurred_at, events_in_force";

fn count(row: &Row, idx: usize) -> StoreResult<u32> {
    let n: i64 = col(row, idx)?;
    u32::try_from(n).map_err(StoreError::unexpected)
}

pub(crate) fn person(row: &Row) -> StoreResult<Person> {
    let status: &str = col(row, 8)?;
    let status = PersonStatus::parse(status).ok_or_else(|| StoreError::internal(format!("unknown status '{status}'")))?;
    let sensitive: &str = col(row, 23)?;
    Ok(Person {
        id: PersonId(col(row, 0)?),
        org_id: OrgId(col(row, 1)?),
        name: col(row, 2)?,
        email: col(row, 3)?,
        manager_id: col::<Option<Uuid>>(row, 4)?.map(PersonId),
        department: col(row, 5)?,
        location: col(row, 6)?,
        hired_at: col(row, 7)?,
        status,
        ended_at: col(row, 9)?,
        end_reason: col(row, 10)?,
        position: Position { track: col(row, 11)?, level: col(row, 12)?, title: col(row, 13)? },
        scope: col(row, 14)?,
        level_since: col(row, 15)?,
        last_promotion_at: col(row, 16)?,
        last_progression_at: col(row, 17)?,
        micro_progressions: count(row, 18)?,
        micro_promotions: count(row, 19)?,
        promotions: count(row, 20)?,
        recognitions_received: count(row, 21)?,
        pay_band: col(row, 22)?,
        sensitive: serde_json::from_str::<BTreeMap<String, String>>(sensitive).map_err(StoreError::unexpected)?,
        last_occurred_at: col(row, 24)?,
        events_in_force: count(row, 25)?,
    })
}

/// Insert or update a person row: an upsert on `id`, so an email collision with
/// another person is the `people_email_unique` error, never a silent replacement.
pub(crate) static UPSERT_PERSON: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO people ({PEOPLE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19, $20, $21, $22, $23, $24::text::jsonb, $25, $26) {ON_ID_CONFLICT_UPDATE}"
    )
});

/// The owned parameters of [`UPSERT_PERSON`] for one person.
pub(crate) struct PersonParams {
    ids: [Option<Uuid>; 3],
    counts: [i64; 5],
    status: &'static str,
    sensitive: String,
}

impl PersonParams {
    pub(crate) fn new(p: &Person) -> Self {
        let sensitive = codec::sensitive_json(p);
        PersonParams {
            ids: [Some(p.id.0), Some(p.org_id.0), p.manager_id.map(|m| m.0)],
            counts: [
                i64::from(p.micro_progressions),
                i64::from(p.micro_promotions),
                i64::from(p.promotions),
                i64::from(p.recognitions_received),
                i64::from(p.events_in_force),
            ],
            status: p.status.as_str(),
            sensitive,
        }
    }

    pub(crate) fn params<'a>(&'a self, p: &'a Person) -> [&'a (dyn tokio_postgres::types::ToSql + Sync); 26] {
        [
            &self.ids[0],
            &self.ids[1],
            &p.name,
            &p.email,
            &self.ids[2],
            &p.department,
            &p.location,
            &p.hired_at,
            &self.status,
            &p.ended_at,
            &p.end_reason,
            &p.position.track,
            &p.position.level,
            &p.position.title,
            &p.scope,
            &p.level_since,
            &p.last_promotion_at,
            &p.last_progression_at,
            &self.counts[0],
            &self.counts[1],
            &self.counts[2],
            &self.counts[3],
            &p.pay_band,
            &self.sensitive,
            &p.last_occurred_at,
            &self.counts[4],
        ]
    }
}

pub(crate) const ORG_COLS: &str = "id, name, created_at";

pub(crate) fn org(row: &Row) -> StoreResult<Organization> {
    Ok(Organization { id: OrgId(col(row, 0)?), name: col(row, 1)?, created_at: col(row, 2)? })
}

pub(crate) const TOKEN_COLS: &str = "id, org_id, person_id, role, label, hash, created_at, revoked_at, scope";

pub(crate) fn role(row: &Row, idx: usize) -> StoreResult<Role> {
    let s: &str = col(row, idx)?;
    Role::parse(s).ok_or_else(|| StoreError::internal(format!("unknown role '{s}'")))
}

pub(crate) fn hash32(row: &Row, idx: usize) -> StoreResult<[u8; 32]> {
    let b: &[u8] = col(row, idx)?;
    b.try_into().map_err(|_| StoreError::internal("a stored hash is not 32 bytes"))
}

pub(crate) fn token(row: &Row) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: TokenId(col(row, 0)?),
        org_id: OrgId(col(row, 1)?),
        person_id: PersonId(col(row, 2)?),
        role: role(row, 3)?,
        label: col(row, 4)?,
        hash: hash32(row, 5)?,
        created_at: col(row, 6)?,
        revoked_at: col(row, 7)?,
        scope: {
            let s: &str = col(row, 8)?;
            TokenScope::parse(s).ok_or_else(|| StoreError::internal(format!("unknown token scope '{s}'")))?
        },
    })
}

pub(crate) const SCIM_COLS: &str = "org_id, person_id, user_name, external_id, employee_number, given_name, family_name, deleted, emails";

pub(crate) fn scim_identity(row: &Row) -> StoreResult<ScimIdentity> {
    Ok(ScimIdentity {
        org_id: OrgId(col(row, 0)?),
        person_id: PersonId(col(row, 1)?),
        user_name: col(row, 2)?,
        external_id: col(row, 3)?,
        employee_number: col(row, 4)?,
        given_name: col(row, 5)?,
        family_name: col(row, 6)?,
        deleted: col(row, 7)?,
        emails: col::<Option<String>>(row, 8)?.map(|s| serde_json::from_str(&s)).transpose().map_err(StoreError::unexpected)?,
    })
}

pub(crate) const SCIM_GROUP_COLS: &str = "org_id, id, name, external_id";

pub(crate) fn scim_group(row: &Row) -> StoreResult<ScimGroup> {
    Ok(ScimGroup { org_id: OrgId(col(row, 0)?), id: col(row, 1)?, name: col(row, 2)?, external_id: col(row, 3)? })
}

pub(crate) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> StoreResult<T> {
    col(row, idx)
}

/// Map a driver error to the store's vocabulary, once: constraint names become
/// the shared [`Constraint`] table's `Conflict { field }`.
pub(crate) fn db_error(e: tokio_postgres::Error) -> StoreError {
    if let Some(reason) = unavailable(&e) {
        return StoreError::unavailable(reason, e);
    }
    let Some(db) = e.as_db_error() else { return StoreError::unexpected(e) };
    let code = db.code();
    if *code == SqlState::FOREIGN_KEY_VIOLATION {
        // Every foreign key points at `organizations`: the tenant does not exist.
        return StoreError::NotFound;
    }
    if *code != SqlState::UNIQUE_VIOLATION {
        return StoreError::unexpected(e);
    }
    constraint(db.constraint().unwrap_or_default()).conflict()
}

/// Which constraint a unique violation is, from its PostgreSQL name; what it means
/// is in [`Constraint`].
fn constraint(name: &str) -> Constraint {
    match name {
        "people_email_unique" => Constraint::PersonEmail,
        "events_idempotency_key" => Constraint::EventIdempotencyKey,
        "events_reversed_once" => Constraint::EventReversedOnce,
        "validations_pkey" => Constraint::ValidatedOnce,
        "events_id_key" => Constraint::EventId,
        "people_pkey" => Constraint::PersonId,
        "organizations_pkey" => Constraint::OrganizationId,
        "tokens_pkey" => Constraint::TokenId,
        "tokens_hash_unique" => Constraint::TokenHash,
        "scim_identities_user_key" => Constraint::ScimUserName,
        "scim_groups_name" => Constraint::ScimGroupName,
        "idempotency_pkey" => Constraint::IdempotencyKey,
        "applications_opportunity_id_applicant_id_key" => Constraint::Application,
        "promotion_cycles_name" => Constraint::CycleName,
        "promotion_cases_once" => Constraint::CaseOnce,
        "promotion_slots_pkey" => Constraint::BudgetSlot,
        "promotion_transitions_pkey" | "promotion_slots_case_id_key" => Constraint::CaseMoved,
        _ => Constraint::Other,
    }
}

/// Why PostgreSQL cannot take writes now, for the errors that say so: the server, its
/// disk or the connection, not the request (a retry may succeed).
fn unavailable(e: &tokio_postgres::Error) -> Option<String> {
    let Some(db) = e.as_db_error() else {
        // No answer from the server: the connection closed or an I/O error.
        let io = std::error::Error::source(e).is_some_and(<dyn std::error::Error + 'static>::is::<std::io::Error>);
        return (e.is_closed() || io).then(|| format!("the connection to PostgreSQL was lost: {e}"));
    };
    let code = db.code().code();
    let what = match code {
        "53100" => "PostgreSQL's disk is full",
        "25006" => "the PostgreSQL database is read-only (a standby, or default_transaction_read_only)",
        "53000" | "53200" => "PostgreSQL is out of resources",
        "53300" => "PostgreSQL has too many connections",
        "57P01" | "57P02" | "57P03" => "PostgreSQL is shutting down or starting up",
        "58030" => "an I/O error on the PostgreSQL server",
        c if c.starts_with("08") => "the connection to PostgreSQL failed",
        _ => return None,
    };
    Some(format!("{what} (SQLSTATE {code})"))
}

/// A connection could not be had from the pool: the server is unreachable, refuses
/// connections or is slower than the pool's wait.
pub(crate) fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    StoreError::unavailable(format!("no PostgreSQL connection: {e}"), e)
}

/// `?`-friendly mapping: `tx.execute(..).await.db()?`.
pub(crate) trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(db_error)
    }
}

/// Many events in one statement: one array per column, `unnest`ed server-side. Lists
/// go as PostgreSQL array literals (`unnest` of a `text[][]` would flatten them).
pub(crate) const INSERT_EVENTS: &str = "INSERT INTO events (org_id, seq, id, subject, actor, kind, occurred_at, \
     recorded_at, payload, competencies, evidence, idempotency_key, target) \
     SELECT $1, seq, id, subject, actor, kind, occurred_at, recorded_at, payload::jsonb, competencies::text[], \
     evidence::text[], idempotency_key, target \
     FROM unnest($2::int8[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::timestamptz[], $8::timestamptz[], \
     $9::text[], $10::text[], $11::text[], $12::text[], $13::uuid[]) \
     AS u(seq, id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, evidence, idempotency_key, target)";

/// A list of strings as a PostgreSQL array literal, every element quoted.
fn array_literal(items: &[String]) -> String {
    let mut s = String::with_capacity(2 + items.iter().map(|i| i.len() + 3).sum::<usize>());
    s.push('{');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push('"');
        for ch in item.chars() {
            if ch == '"' || ch == '\\' {
                s.push('\\');
            }
            s.push(ch);
        }
        s.push('"');
    }
    s.push('}');
    s
}

/// The column arrays of [`INSERT_EVENTS`] for events of one organization.
pub(crate) struct EventArrays {
    seq: Vec<i64>,
    id: Vec<Uuid>,
    subject: Vec<Uuid>,
    actor: Vec<Option<Uuid>>,
    kind: Vec<&'static str>,
    occurred_at: Vec<chrono::DateTime<chrono::Utc>>,
    recorded_at: Vec<chrono::DateTime<chrono::Utc>>,
    payload: Vec<String>,
    competencies: Vec<String>,
    evidence: Vec<String>,
    key: Vec<Option<String>>,
    target: Vec<Option<Uuid>>,
}

impl EventArrays {
    pub(crate) fn new<'a>(events: impl ExactSizeIterator<Item = &'a Event>) -> Self {
        let n = events.len();
        let mut a = EventArrays {
            seq: Vec::with_capacity(n),
            id: Vec::with_capacity(n),
            subject: Vec::with_capacity(n),
            actor: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            occurred_at: Vec::with_capacity(n),
            recorded_at: Vec::with_capacity(n),
            payload: Vec::with_capacity(n),
            competencies: Vec::with_capacity(n),
            evidence: Vec::with_capacity(n),
            key: Vec::with_capacity(n),
            target: Vec::with_capacity(n),
        };
        for e in events {
            a.seq.push(e.seq);
            a.id.push(e.id.0);
            a.subject.push(e.subject.0);
            a.actor.push(e.actor.map(|x| x.0));
            a.kind.push(e.kind().as_str());
            a.occurred_at.push(e.occurred_at);
            a.recorded_at.push(e.recorded_at);
            a.payload.push(codec::payload_json(&e.body));
            a.competencies.push(array_literal(&e.competencies));
            a.evidence.push(array_literal(&e.evidence));
            a.key.push(e.idempotency_key.clone());
            a.target.push(e.body.target().map(|t| t.0));
        }
        a
    }

    pub(crate) fn params<'a>(&'a self, org: &'a Uuid) -> [&'a (dyn tokio_postgres::types::ToSql + Sync); 13] {
        [
            org,
            &self.seq,
            &self.id,
            &self.subject,
            &self.actor,
            &self.kind,
            &self.occurred_at,
            &self.recorded_at,
            &self.payload,
            &self.competencies,
            &self.evidence,
            &self.key,
            &self.target,
        ]
    }
}

/// [`UPSERT_PERSON`] for many people in one statement (each id at most once).
pub(crate) static UPSERT_PEOPLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO people ({PEOPLE_COLUMNS}) SELECT id, org_id, name, email, manager_id, department, location, hired_at, \
         status, ended_at, end_reason, track, level, title, scope, level_since, last_promotion_at, last_progression_at, \
         micro_progressions, micro_promotions, promotions, recognitions_received, pay_band, sensitive::jsonb, \
         last_occurred_at, events_in_force FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], \
         $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[], \
         $14::text[], $15::text[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::int8[], $20::int8[], \
         $21::int8[], $22::int8[], $23::text[], $24::text[], $25::timestamptz[], $26::int8[]) AS u(id, org_id, name, \
         email, manager_id, department, location, hired_at, status, ended_at, end_reason, track, level, title, scope, \
         level_since, last_promotion_at, last_progression_at, micro_progressions, micro_promotions, promotions, \
         recognitions_received, pay_band, sensitive, last_occurred_at, events_in_force) {ON_ID_CONFLICT_UPDATE}"
    )
});

type Time = chrono::DateTime<chrono::Utc>;

/// The column arrays of [`UPSERT_PEOPLE`].
#[derive(Default)]
pub(crate) struct PeopleArrays<'a> {
    id: Vec<Uuid>,
    org_id: Vec<Uuid>,
    name: Vec<&'a str>,
    email: Vec<&'a str>,
    manager_id: Vec<Option<Uuid>>,
    department: Vec<Option<&'a str>>,
    location: Vec<Option<&'a str>>,
    hired_at: Vec<Time>,
    status: Vec<&'static str>,
    ended_at: Vec<Option<Time>>,
    end_reason: Vec<Option<&'a str>>,
    track: Vec<&'a str>,
    level: Vec<&'a str>,
    title: Vec<&'a str>,
    scope: Vec<Option<&'a str>>,
    level_since: Vec<Time>,
    last_promotion_at: Vec<Option<Time>>,
    last_progression_at: Vec<Option<Time>>,
    counts: [Vec<i64>; 5],
    pay_band: Vec<Option<&'a str>>,
    sensitive: Vec<String>,
    last_occurred_at: Vec<Time>,
}

impl<'a> PeopleArrays<'a> {
    pub(crate) fn new(people: impl Iterator<Item = &'a Person>) -> Self {
        let mut a = PeopleArrays::default();
        for p in people {
            let pp = PersonParams::new(p);
            a.id.push(p.id.0);
            a.org_id.push(p.org_id.0);
            a.name.push(&p.name);
            a.email.push(&p.email);
            a.manager_id.push(p.manager_id.map(|m| m.0));
            a.department.push(p.department.as_deref());
            a.location.push(p.location.as_deref());
            a.hired_at.push(p.hired_at);
            a.status.push(pp.status);
            a.ended_at.push(p.ended_at);
            a.end_reason.push(p.end_reason.as_deref());
            a.track.push(&p.position.track);
            a.level.push(&p.position.level);
            a.title.push(&p.position.title);
            a.scope.push(p.scope.as_deref());
            a.level_since.push(p.level_since);
            a.last_promotion_at.push(p.last_promotion_at);
            a.last_progression_at.push(p.last_progression_at);
            for (v, c) in a.counts.iter_mut().zip(pp.counts) {
                v.push(c);
            }
            a.pay_band.push(p.pay_band.as_deref());
            a.sensitive.push(pp.sensitive);
            a.last_occurred_at.push(p.last_occurred_at);
        }
        a
    }

    pub(crate) fn params(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 26] {
        [
            &self.id,
            &self.org_id,
            &self.name,
            &self.email,
            &self.manager_id,
            &self.department,
            &self.location,
            &self.hired_at,
            &self.status,
            &self.ended_at,
            &self.end_reason,
            &self.track,
            &self.level,
            &self.title,
            &self.scope,
            &self.level_since,
            &self.last_promotion_at,
            &self.last_progression_at,
            &self.counts[0],
            &self.counts[1],
            &self.counts[2],
            &self.counts[3],
            &self.pay_band,
            &self.sensitive,
            &self.last_occurred_at,
            &self.counts[4],
        ]
    }
}
