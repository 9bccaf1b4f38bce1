//! `readiness_facts` for PostgreSQL: the events organization-wide readiness reads, in
//! seq order (the primary key `(org_id, seq)`), decoded straight into [`Fact`]s.
//! Validation and reversal targets come from the denormalised `target` column; only
//! wins and completions have their payload read, and only the fields readiness needs
//! are extracted by the server.

use chrono::{DateTime, Utc};
use deadpool_postgres::Object;
use rungs_core::event::Category;
use rungs_core::readiness::org::{Fact, FactBody};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use tokio_postgres::Row;
use uuid::Uuid;

use super::rows::Db;

/// Largest chunk one call returns.
pub(super) const MAX_FACTS: u32 = 100_000;

const SQL: &str = "SELECT seq, id, subject, kind, occurred_at, target, \
       CASE kind WHEN 'micro_progression' THEN payload->>'category' WHEN 'milestone_completed' THEN payload->>'track' END, \
       CASE kind WHEN 'milestone_completed' THEN payload->>'milestone' END, \
       CASE WHEN kind IN ('micro_progression', 'recognition') THEN competencies END, \
       actor, \
       CASE kind WHEN 'recognition' THEN (payload->>'across_teams')::boolean END \
     FROM events \
     WHERE org_id = $1 AND seq > $2 AND kind IN ('micro_progression', 'validation', 'reversal', 'milestone_completed', 'recognition') \
     ORDER BY seq LIMIT $3";

fn col<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> StoreResult<T> {
    row.try_get(idx).map_err(|e| StoreError::context(format!("column {idx}"), e))
}

fn some<T>(v: Option<T>, what: &str) -> StoreResult<T> {
    v.ok_or_else(|| StoreError::internal(format!("readiness fact without {what}")))
}

fn fact(row: &Row) -> StoreResult<Fact> {
    let kind: &str = col(row, 3)?;
    let subject = PersonId(col(row, 2)?);
    let body = match kind {
        "recognition" => {
            let giver = col::<Option<Uuid>>(row, 9)?.map(PersonId);
            let across: Option<bool> = col(row, 10)?;
            FactBody::Recognition { giver, competencies: some(col(row, 8)?, "competencies")?, across_teams: across.unwrap_or(false) }
        }
        "micro_progression" => {
            let category: String = some(col(row, 6)?, "a category")?;
            let category: Category = serde_json::from_value(serde_json::Value::String(category)).map_err(StoreError::unexpected)?;
            FactBody::Win { category, competencies: some(col(row, 8)?, "competencies")? }
        }
        "validation" => FactBody::Validation { target: EventId(some(col::<Option<Uuid>>(row, 5)?, "a target")?) },
        "reversal" => FactBody::Reversal { target: EventId(some(col::<Option<Uuid>>(row, 5)?, "a target")?) },
        _ => FactBody::MilestoneCompleted { track: some(col(row, 6)?, "a track")?, milestone: some(col(row, 7)?, "a milestone")? },
    };
    Ok(Fact { seq: col(row, 0)?, id: EventId(col(row, 1)?), subject, occurred_at: col::<DateTime<Utc>>(row, 4)?, body })
}

pub(super) async fn readiness_facts(c: &Object, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<Fact>> {
    let n = i64::from(limit.clamp(1, MAX_FACTS));
    let stmt = c.prepare_cached(SQL).await.db()?;
    c.query(&stmt, &[&org.0, &after_seq, &n]).await.db()?.iter().map(fact).collect()
}
