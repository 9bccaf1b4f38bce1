//! Row mapping for the SQLite backend, and the one place rusqlite errors become
//! [`StoreError`]s. Ids are 16-byte BLOBs, times INTEGER microseconds UTC, payloads and
//! lists JSON text (see `migrations/sqlite/0001_ledger.sql`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventKind};
use rungs_core::ledger::Constraint;
use rungs_core::ledger::codec;
use rungs_core::person::{Organization, Person, PersonStatus, Position, Role};
use rungs_core::store::{ScimGroup, ScimIdentity, StoreError, StoreResult, TokenRecord, TokenScope};
use rungs_core::{EventId, OrgId, PersonId, TokenId};
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, Row, ffi, params};

use crate::people_sql::{ON_ID_CONFLICT_UPDATE, PEOPLE_COLUMNS};

/// The shared encodings, re-exported for this backend's modules.
pub(crate) use rungs_core::ledger::codec::{list_json, micros};

fn bad(idx: usize, ty: Type, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, e.into())
}

pub(crate) fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let us: i64 = row.get(idx)?;
    DateTime::from_timestamp_micros(us).ok_or_else(|| bad(idx, Type::Integer, "time out of range"))
}

pub(crate) fn opt_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<i64>>(idx)? {
        None => Ok(None),
        Some(us) => DateTime::from_timestamp_micros(us).map(Some).ok_or_else(|| bad(idx, Type::Integer, "time out of range")),
    }
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s = row.get_ref(idx)?.as_str()?;
    serde_json::from_str(s).map_err(|e| bad(idx, Type::Text, e))
}

/// Columns of `events`, in the order [`event`] reads them.
pub(crate) const EVENT_COLS: &str = "seq, id, org_id, subject, actor, kind, occurred_at, recorded_at, payload, competencies, evidence, idempotency_key";

pub(crate) fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    let kind = row.get_ref(5)?.as_str()?;
    let kind = EventKind::parse(kind).ok_or_else(|| bad(5, Type::Text, format!("unknown event kind '{kind}'")))?;
    let payload = row.get_ref(8)?.as_str()?;
    let body = codec::parse_payload(kind.as_str(), payload).map_err(|e| bad(8, Type::Text, e))?;
    Ok(Event {
        seq: row.get(0)?,
        id: EventId::from_bytes(row.get(1)?),
        org_id: OrgId::from_bytes(row.get(2)?),
        subject: PersonId::from_bytes(row.get(3)?),
        actor: row.get::<_, Option<[u8; 16]>>(4)?.map(PersonId::from_bytes),
        occurred_at: time(row, 6)?,
        recorded_at: time(row, 7)?,
        body,
        competencies: json(row, 9)?,
        evidence: json(row, 10)?,
        idempotency_key: row.get(11)?,
    })
}

/// Columns of `people`, in the order [`person`] reads and [`upsert_person`] writes them.
pub(crate) const PERSON_COLS: &str = PEOPLE_COLUMNS;

pub(crate) fn person(row: &Row<'_>) -> rusqlite::Result<Person> {
    let status = row.get_ref(8)?.as_str()?;
    let status = PersonStatus::parse(status).ok_or_else(|| bad(8, Type::Text, format!("unknown status '{status}'")))?;
    Ok(Person {
        id: PersonId::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        name: row.get(2)?,
        email: row.get(3)?,
        manager_id: row.get::<_, Option<[u8; 16]>>(4)?.map(PersonId::from_bytes),
        department: row.get(5)?,
        location: row.get(6)?,
        hired_at: time(row, 7)?,
        status,
        ended_at: opt_time(row, 9)?,
        end_reason: row.get(10)?,
        position: Position { track: row.get(11)?, level: row.get(12)?, title: row.get(13)? },
        scope: row.get(14)?,
        level_since: time(row, 15)?,
        last_promotion_at: opt_time(row, 16)?,
        last_progression_at: opt_time(row, 17)?,
        micro_progressions: row.get(18)?,
        micro_promotions: row.get(19)?,
        promotions: row.get(20)?,
        recognitions_received: row.get(21)?,
        pay_band: row.get(22)?,
        sensitive: json::<BTreeMap<String, String>>(row, 23)?,
        last_occurred_at: time(row, 24)?,
        events_in_force: row.get(25)?,
    })
}

/// Insert or update a person row. An upsert on `id`, never `INSERT OR REPLACE`:
/// REPLACE would silently delete *another* person whose email collides, where we
/// want the `UNIQUE (org_id, email)` error.
pub(crate) fn upsert_person(conn: &Connection, p: &Person) -> rusqlite::Result<()> {
    // Built once: this runs for every person a batch touches.
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "INSERT INTO people ({PEOPLE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, \
             ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26) {ON_ID_CONFLICT_UPDATE}"
        )
    });
    let sensitive = codec::sensitive_json(p);
    conn.prepare_cached(&SQL)?.execute(params![
        p.id.as_bytes(),
        p.org_id.as_bytes(),
        p.name,
        p.email,
        p.manager_id.as_ref().map(PersonId::as_bytes),
        p.department,
        p.location,
        micros(p.hired_at),
        p.status.as_str(),
        p.ended_at.map(micros),
        p.end_reason,
        p.position.track,
        p.position.level,
        p.position.title,
        p.scope,
        micros(p.level_since),
        p.last_promotion_at.map(micros),
        p.last_progression_at.map(micros),
        p.micro_progressions,
        p.micro_promotions,
        p.promotions,
        p.recognitions_received,
        p.pay_band,
        sensitive,
        micros(p.last_occurred_at),
        p.events_in_force,
    ])?;
    Ok(())
}

/// Update the columns no index covers. The common case on append (a win bumps a
/// counter) then rewrites one row instead of also deleting and re-inserting the
/// entries of the three people indexes, which a full upsert does: on a bulk import
/// that halves the cost of keeping the projection.
pub(crate) fn update_person_unindexed(conn: &Connection, p: &Person) -> rusqlite::Result<()> {
    let sql = "UPDATE people SET department = ?2, location = ?3, hired_at = ?4, status = ?5, ended_at = ?6, \
               end_reason = ?7, track = ?8, level = ?9, title = ?10, scope = ?11, level_since = ?12, \
               last_promotion_at = ?13, last_progression_at = ?14, micro_progressions = ?15, micro_promotions = ?16, \
               promotions = ?17, recognitions_received = ?18, pay_band = ?19, sensitive = ?20, last_occurred_at = ?21, \
               events_in_force = ?22 WHERE id = ?1";
    let sensitive = codec::sensitive_json(p);
    conn.prepare_cached(sql)?.execute(params![
        p.id.as_bytes(),
        p.department,
        p.location,
        micros(p.hired_at),
        p.status.as_str(),
        p.ended_at.map(micros),
        p.end_reason,
        p.position.track,
        p.position.level,
        p.position.title,
        p.scope,
        micros(p.level_since),
        p.last_promotion_at.map(micros),
        p.last_progression_at.map(micros),
        p.micro_progressions,
        p.micro_promotions,
        p.promotions,
        p.recognitions_received,
        p.pay_band,
        sensitive,
        micros(p.last_occurred_at),
        p.events_in_force,
    ])?;
    Ok(())
}

pub(crate) const ORG_COLS: &str = "id, name, created_at";

pub(crate) fn org(row: &Row<'_>) -> rusqlite::Result<Organization> {
    Ok(Organization { id: OrgId::from_bytes(row.get(0)?), name: row.get(1)?, created_at: time(row, 2)? })
}

pub(crate) const TOKEN_COLS: &str = "id, org_id, person_id, role, label, hash, created_at, revoked_at, scope";

pub(crate) fn token(row: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    let role = row.get_ref(3)?.as_str()?;
    let role = Role::parse(role).ok_or_else(|| bad(3, Type::Text, format!("unknown role '{role}'")))?;
    let scope = row.get_ref(8)?.as_str()?;
    let scope = TokenScope::parse(scope).ok_or_else(|| bad(8, Type::Text, format!("unknown token scope '{scope}'")))?;
    Ok(TokenRecord {
        scope,
        id: TokenId::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        person_id: PersonId::from_bytes(row.get(2)?),
        role,
        label: row.get(4)?,
        hash: row.get(5)?,
        created_at: time(row, 6)?,
        revoked_at: opt_time(row, 7)?,
    })
}

pub(crate) const SCIM_COLS: &str = "org_id, person_id, user_name, external_id, employee_number, given_name, family_name, deleted, emails";

pub(crate) fn scim_identity(row: &Row<'_>) -> rusqlite::Result<ScimIdentity> {
    Ok(ScimIdentity {
        org_id: OrgId::from_bytes(row.get(0)?),
        person_id: PersonId::from_bytes(row.get(1)?),
        user_name: row.get(2)?,
        external_id: row.get(3)?,
        employee_number: row.get(4)?,
        given_name: row.get(5)?,
        family_name: row.get(6)?,
        deleted: row.get(7)?,
        emails: row
            .get::<_, Option<String>>(8)?
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, e.into()))?,
    })
}

pub(crate) const SCIM_GROUP_COLS: &str = "org_id, id, name, external_id";

pub(crate) fn scim_group(row: &Row<'_>) -> rusqlite::Result<ScimGroup> {
    Ok(ScimGroup { org_id: OrgId::from_bytes(row.get(0)?), id: row.get(1)?, name: row.get(2)?, external_id: row.get(3)? })
}

/// Map a driver error to the store's vocabulary. Constraint names are recognised
/// here, once, so callers match on `StoreError::Conflict { field }`, never on text.
pub(crate) fn db_error(e: rusqlite::Error) -> StoreError {
    if let Some(reason) = unavailable(&e) {
        return StoreError::unavailable(reason, e);
    }
    match &e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(f, msg) if f.code == ErrorCode::ConstraintViolation => match f.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => constraint(msg.as_deref().unwrap_or_default()).conflict(),
            // Every foreign key points at `organizations`: the tenant does not exist.
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::NotFound,
            _ => StoreError::unexpected(e),
        },
        _ => StoreError::unexpected(e),
    }
}

/// Why the database cannot take writes now, for the errors that say so: the disk or
/// the file, not the request (a retry may succeed once the operator acts).
fn unavailable(e: &rusqlite::Error) -> Option<&'static str> {
    let rusqlite::Error::SqliteFailure(f, _) = e else { return None };
    Some(match f.code {
        ErrorCode::DiskFull => "the disk holding the database is full (SQLITE_FULL)",
        ErrorCode::ReadOnly => "the database file is read-only (SQLITE_READONLY)",
        ErrorCode::SystemIoFailure => "an I/O error on the database file (SQLITE_IOERR)",
        ErrorCode::CannotOpen => "the database file cannot be opened (SQLITE_CANTOPEN)",
        ErrorCode::PermissionDenied => "permission denied on the database file (SQLITE_PERM)",
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => "the database is locked by another process (SQLITE_BUSY)",
        ErrorCode::FileLockingProtocolFailed => "the database file cannot be locked (SQLITE_PROTOCOL)",
        _ => return None,
    })
}

/// Which constraint a UNIQUE failure is, from SQLite's message ("UNIQUE constraint
/// failed: people.org_id, people.email"); what it means is in [`Constraint`].
fn constraint(msg: &str) -> Constraint {
    match msg.rsplit(": ").next().unwrap_or_default() {
        "people.org_id, people.email" => Constraint::PersonEmail,
        "events.org_id, events.idempotency_key" => Constraint::EventIdempotencyKey,
        "events.target" | "index 'events_reversed_once'" => Constraint::EventReversedOnce,
        "validations.target, validations.validator" => Constraint::ValidatedOnce,
        "events.id" => Constraint::EventId,
        "people.id" => Constraint::PersonId,
        "organizations.id" => Constraint::OrganizationId,
        "tokens.id" => Constraint::TokenId,
        "tokens.hash" => Constraint::TokenHash,
        "scim_identities.org_id, scim_identities.user_key" => Constraint::ScimUserName,
        "scim_groups.org_id, scim_groups.name" => Constraint::ScimGroupName,
        "idempotency.org_id, idempotency.scope, idempotency.key" => Constraint::IdempotencyKey,
        "applications.opportunity_id, applications.applicant_id" => Constraint::Application,
        "promotion_cycles.org_id, promotion_cycles.name" => Constraint::CycleName,
        "promotion_cases.cycle_id, promotion_cases.subject_id" => Constraint::CaseOnce,
        "promotion_slots.cycle_id, promotion_slots.budget, promotion_slots.slot" => Constraint::BudgetSlot,
        "promotion_transitions.case_id, promotion_transitions.seq" | "promotion_slots.case_id" => Constraint::CaseMoved,
        _ => Constraint::Other,
    }
}

/// `?`-friendly mapping: `conn.execute(..).db()?`.
pub(crate) trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> StoreResult<T> {
        self.map_err(db_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: std::os::raw::c_int) -> StoreError {
        db_error(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None))
    }

    #[test]
    fn a_disk_or_file_that_cannot_write_is_unavailable_and_says_why() {
        for (code, says) in [
            (ffi::SQLITE_FULL, "full"),
            (ffi::SQLITE_READONLY, "read-only"),
            (ffi::SQLITE_IOERR, "I/O error"),
            (ffi::SQLITE_IOERR_WRITE, "I/O error"),
            (ffi::SQLITE_CANTOPEN, "cannot be opened"),
            (ffi::SQLITE_BUSY, "locked"),
        ] {
            let e = failure(code);
            assert!(matches!(&e, StoreError::Unavailable { reason, source: Some(_) } if reason.contains(says)), "{code}: {e}");
        }
        assert!(matches!(failure(ffi::SQLITE_CORRUPT), StoreError::Unexpected(_)));
    }
}
