//! `readiness_facts` for SQLite: the events organization-wide readiness reads, in seq
//! order, decoded straight into [`Fact`]s. The scan walks the table in rowid (seq)
//! order, which is the table's own order: sequential pages, no index lookups per row.
//! Validation and reversal targets come from the denormalised `target` column, and
//! only wins and completions have their payload read (of recognition, one field).

use chrono::DateTime;
use rungs_core::event::Category;
use rungs_core::readiness::org::{Fact, FactBody};
use rungs_core::store::StoreResult;
use rungs_core::{EventId, OrgId, PersonId};
use rusqlite::types::Type;
use rusqlite::{Connection, Row, params};

use super::rows::Db;

/// Largest chunk one call returns.
pub(super) const MAX_FACTS: u32 = 100_000;

const SQL: &str = "SELECT seq, id, subject, kind, occurred_at, target, \
       CASE WHEN kind IN ('micro_progression', 'milestone_completed') THEN payload \
            WHEN kind = 'recognition' THEN json_object('across_teams', json_extract(payload, '$.across_teams')) END, \
       CASE WHEN kind IN ('micro_progression', 'recognition') THEN competencies END, \
       actor \
     FROM events \
     WHERE org_id = ?1 AND seq > ?2 AND kind IN ('micro_progression', 'validation', 'reversal', 'milestone_completed', 'recognition') \
     ORDER BY seq LIMIT ?3";

/// The fields of a win's payload readiness needs (the stored payload has more).
#[derive(serde::Deserialize)]
struct WinPayload {
    category: Category,
}

/// What readiness needs of a recognition's payload: whether it crossed teams.
#[derive(serde::Deserialize)]
struct RecognitionPayload {
    #[serde(default)]
    across_teams: Option<bool>,
}

#[derive(serde::Deserialize)]
struct CompletionPayload {
    milestone: String,
    track: String,
}

fn bad(idx: usize, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e.into())
}

fn json<'a, T: serde::Deserialize<'a>>(row: &'a Row<'_>, idx: usize) -> rusqlite::Result<T> {
    serde_json::from_str(row.get_ref(idx)?.as_str()?).map_err(|e| bad(idx, e))
}

fn target(row: &Row<'_>) -> rusqlite::Result<EventId> {
    row.get::<_, Option<[u8; 16]>>(5)?.map(EventId::from_bytes).ok_or_else(|| bad(5, "a validation or reversal without a target"))
}

fn fact(row: &Row<'_>) -> rusqlite::Result<Fact> {
    let subject = PersonId::from_bytes(row.get(2)?);
    let body = match row.get_ref(3)?.as_str()? {
        "recognition" => {
            let giver = row.get::<_, Option<[u8; 16]>>(8)?.map(PersonId::from_bytes);
            let p: RecognitionPayload = json(row, 6)?;
            FactBody::Recognition { giver, competencies: json(row, 7)?, across_teams: p.across_teams.unwrap_or(false) }
        }
        "micro_progression" => {
            let p: WinPayload = json(row, 6)?;
            FactBody::Win { category: p.category, competencies: json(row, 7)? }
        }
        "validation" => FactBody::Validation { target: target(row)? },
        "reversal" => FactBody::Reversal { target: target(row)? },
        _ => {
            let p: CompletionPayload = json(row, 6)?;
            FactBody::MilestoneCompleted { track: p.track, milestone: p.milestone }
        }
    };
    let us: i64 = row.get(4)?;
    Ok(Fact {
        seq: row.get(0)?,
        id: EventId::from_bytes(row.get(1)?),
        subject,
        occurred_at: DateTime::from_timestamp_micros(us).ok_or_else(|| bad(4, "time out of range"))?,
        body,
    })
}

pub(super) fn readiness_facts(conn: &Connection, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<Fact>> {
    let mut s = conn.prepare_cached(SQL).db()?;
    s.query_map(params![org.as_bytes(), after_seq, limit.clamp(1, MAX_FACTS)], fact).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
}
