//! `impl BadgeStore for SqliteStore` (`migrations/sqlite/0008_badges.sql`): badge
//! definitions, and `badge_facts`, the ledger reduced to what badge rules read, in
//! rowid (seq) order like `readiness_facts`: sequential pages, the payload read only
//! for the kinds whose payload a rule asks about.

use chrono::{DateTime, Utc};
use rungs_core::badges::{BadgeDef, BadgeFact, BadgeStore, FactBody, StoredBadge, Tier};
use rungs_core::event::{Category, Magnitude};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use rusqlite::types::Type;
use rusqlite::{Connection, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, micros};

/// Largest chunk one `badge_facts` call returns.
const MAX_FACTS: u32 = 100_000;

const FACTS: &str = "SELECT seq, id, subject, actor, kind, occurred_at, recorded_at, target, \
       CASE WHEN kind IN ('micro_progression', 'recognition', 'milestone_completed', 'badge_awarded') THEN payload END, \
       CASE WHEN kind IN ('micro_progression', 'recognition') THEN competencies END \
     FROM events \
     WHERE org_id = ?1 AND seq > ?2 \
       AND kind IN ('micro_progression', 'recognition', 'milestone_completed', 'micro_promotion', 'validation', 'reversal', 'badge_awarded') \
     ORDER BY seq LIMIT ?3";

#[derive(serde::Deserialize)]
struct Win {
    category: Category,
    magnitude: Magnitude,
}

#[derive(serde::Deserialize)]
struct Points {
    #[serde(default)]
    points: u32,
}

#[derive(serde::Deserialize)]
struct Completion {
    milestone: String,
}

#[derive(serde::Deserialize)]
struct Award {
    badge: String,
    tier: Tier,
}

fn bad(idx: usize, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e.into())
}

fn json<'a, T: serde::Deserialize<'a>>(row: &'a Row<'_>, idx: usize) -> rusqlite::Result<T> {
    serde_json::from_str(row.get_ref(idx)?.as_str()?).map_err(|e| bad(idx, e))
}

fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(row.get(idx)?).ok_or_else(|| bad(idx, "time out of range"))
}

fn target(row: &Row<'_>) -> rusqlite::Result<EventId> {
    row.get::<_, Option<[u8; 16]>>(7)?.map(EventId::from_bytes).ok_or_else(|| bad(7, "a validation or reversal without a target"))
}

fn fact(row: &Row<'_>) -> rusqlite::Result<BadgeFact> {
    let body = match row.get_ref(4)?.as_str()? {
        "micro_progression" => {
            let w: Win = json(row, 8)?;
            FactBody::Win { category: w.category, magnitude: w.magnitude, competencies: json(row, 9)? }
        }
        "recognition" => FactBody::Recognition { points: json::<Points>(row, 8)?.points, competencies: json(row, 9)? },
        "milestone_completed" => FactBody::MilestoneCompleted { milestone: json::<Completion>(row, 8)?.milestone },
        "micro_promotion" => FactBody::MicroPromotion,
        "validation" => FactBody::Validation { target: target(row)? },
        "reversal" => FactBody::Reversal { target: target(row)? },
        _ => {
            let a: Award = json(row, 8)?;
            FactBody::Award { badge: a.badge, tier: a.tier }
        }
    };
    Ok(BadgeFact {
        seq: row.get(0)?,
        id: EventId::from_bytes(row.get(1)?),
        subject: PersonId::from_bytes(row.get(2)?),
        actor: row.get::<_, Option<[u8; 16]>>(3)?.map(PersonId::from_bytes),
        occurred_at: time(row, 5)?,
        recorded_at: time(row, 6)?,
        body,
    })
}

fn facts(conn: &Connection, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<BadgeFact>> {
    let mut s = conn.prepare_cached(FACTS).db()?;
    s.query_map(params![org.as_bytes(), after_seq, limit.clamp(1, MAX_FACTS)], fact).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
}

#[async_trait::async_trait]
impl BadgeStore for SqliteStore {
    #[instrument(skip_all, fields(%org, badge = %def.key))]
    async fn save_badge(&self, org: OrgId, def: &BadgeDef, at: DateTime<Utc>) -> StoreResult<i64> {
        let body = serde_json::to_string(def).map_err(StoreError::unexpected)?;
        let key = def.key.clone();
        self.writer
            .exec(move |tx| {
                let exists = tx.prepare_cached("SELECT 1 FROM organizations WHERE id = ?1").and_then(|mut s| s.exists([org.as_bytes()])).db()?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
                let next: i64 = tx.query_row("SELECT COALESCE(MAX(revision), 0) + 1 FROM badges WHERE org_id = ?1", [org.as_bytes()], |r| r.get(0)).db()?;
                tx.execute(
                    "INSERT INTO badges (org_id, key, body, revision, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (org_id, key) DO UPDATE SET body = excluded.body, revision = excluded.revision, updated_at = excluded.updated_at",
                    params![org.as_bytes(), key, body, next, micros(at)],
                )
                .db()?;
                Ok(next)
            })
            .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn badges(&self, org: OrgId) -> StoreResult<Vec<StoredBadge>> {
        self.read(move |c| {
            let mut s = c.prepare_cached("SELECT body, revision, updated_at FROM badges WHERE org_id = ?1 ORDER BY key").db()?;
            let rows = s
                .query_map([org.as_bytes()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            rows.into_iter()
                .map(|(body, revision, us)| {
                    Ok(StoredBadge {
                        def: serde_json::from_str(&body).map_err(StoreError::unexpected)?,
                        revision,
                        updated_at: DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::internal("time out of range"))?,
                    })
                })
                .collect()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, after_seq))]
    async fn badge_facts(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<BadgeFact>> {
        self.read(move |c| facts(c, org, after_seq, limit)).await
    }
}
