//! `impl BadgeStore for PgStore` (`migrations/postgres/0008_badges.sql`): badge
//! definitions, and `badge_facts`, the ledger reduced to what badge rules read, in seq
//! order (the primary key `(org_id, seq)`), the server extracting the payload fields
//! rules ask about.

use chrono::{DateTime, Utc};
use rungs_core::badges::{BadgeDef, BadgeFact, BadgeStore, FactBody, StoredBadge, Tier};
use rungs_core::event::{Category, Magnitude};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use tokio_postgres::Row;
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db};

/// Largest chunk one `badge_facts` call returns.
const MAX_FACTS: u32 = 100_000;

const FACTS: &str = "SELECT seq, id, subject, actor, kind, occurred_at, recorded_at, target, \
       CASE kind WHEN 'micro_progression' THEN payload->>'category' WHEN 'milestone_completed' THEN payload->>'milestone' \
                 WHEN 'badge_awarded' THEN payload->>'badge' END, \
       CASE kind WHEN 'micro_progression' THEN payload->>'magnitude' WHEN 'recognition' THEN COALESCE(payload->>'points', '0') \
                 WHEN 'badge_awarded' THEN payload->>'tier' END, \
       CASE WHEN kind IN ('micro_progression', 'recognition') THEN competencies END \
     FROM events \
     WHERE org_id = $1 AND seq > $2 \
       AND kind IN ('micro_progression', 'recognition', 'milestone_completed', 'micro_promotion', 'validation', 'reversal', 'badge_awarded') \
     ORDER BY seq LIMIT $3";

fn some<T>(v: Option<T>, what: &str) -> StoreResult<T> {
    v.ok_or_else(|| StoreError::internal(format!("badge fact without {what}")))
}

fn word<T: serde::de::DeserializeOwned>(v: Option<String>, what: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(some(v, what)?)).map_err(StoreError::unexpected)
}

fn fact(row: &Row) -> StoreResult<BadgeFact> {
    let kind: &str = rows::get(row, 4)?;
    let a: Option<String> = rows::get(row, 8)?;
    let b: Option<String> = rows::get(row, 9)?;
    let target = || -> StoreResult<EventId> { Ok(EventId(some(rows::get::<Option<Uuid>>(row, 7)?, "a target")?)) };
    let body = match kind {
        "micro_progression" => FactBody::Win {
            category: word::<Category>(a, "a category")?,
            magnitude: word::<Magnitude>(b, "a magnitude")?,
            competencies: some(rows::get(row, 10)?, "competencies")?,
        },
        "recognition" => FactBody::Recognition {
            points: some(b, "points")?.parse().map_err(StoreError::unexpected)?,
            competencies: some(rows::get(row, 10)?, "competencies")?,
        },
        "milestone_completed" => FactBody::MilestoneCompleted { milestone: some(a, "a milestone")? },
        "micro_promotion" => FactBody::MicroPromotion,
        "validation" => FactBody::Validation { target: target()? },
        "reversal" => FactBody::Reversal { target: target()? },
        _ => FactBody::Award { badge: some(a, "a badge")?, tier: word::<Tier>(b, "a tier")? },
    };
    Ok(BadgeFact {
        seq: rows::get(row, 0)?,
        id: EventId(rows::get(row, 1)?),
        subject: PersonId(rows::get(row, 2)?),
        actor: rows::get::<Option<Uuid>>(row, 3)?.map(PersonId),
        occurred_at: rows::get(row, 5)?,
        recorded_at: rows::get(row, 6)?,
        body,
    })
}

#[async_trait::async_trait]
impl BadgeStore for PgStore {
    #[instrument(skip_all, fields(%org, badge = %def.key))]
    async fn save_badge(&self, org: OrgId, def: &BadgeDef, at: DateTime<Utc>) -> StoreResult<i64> {
        let body = serde_json::to_string(def).map_err(StoreError::unexpected)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        // The organization's row, locked: two saves take revisions one after the other.
        let exists = tx.query_opt("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE", &[&org.0]).await.db()?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let row = tx.query_one("SELECT COALESCE(MAX(revision), 0) + 1 FROM badges WHERE org_id = $1", &[&org.0]).await.db()?;
        let next: i64 = rows::get(&row, 0)?;
        tx.execute(
            "INSERT INTO badges (org_id, key, body, revision, updated_at) VALUES ($1, $2, $3::text::jsonb, $4, $5) \
             ON CONFLICT (org_id, key) DO UPDATE SET body = excluded.body, revision = excluded.revision, updated_at = excluded.updated_at",
            &[&org.0, &def.key, &body, &next, &at],
        )
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(next)
    }

    #[instrument(skip_all, fields(%org))]
    async fn badges(&self, org: OrgId) -> StoreResult<Vec<StoredBadge>> {
        let c = self.conn().await?;
        let found = c.query("SELECT body::text, revision, updated_at FROM badges WHERE org_id = $1 ORDER BY key", &[&org.0]).await.db()?;
        found
            .iter()
            .map(|r| {
                let body: &str = rows::get(r, 0)?;
                Ok(StoredBadge { def: serde_json::from_str(body).map_err(StoreError::unexpected)?, revision: rows::get(r, 1)?, updated_at: rows::get(r, 2)? })
            })
            .collect()
    }

    #[instrument(skip_all, fields(%org, after_seq))]
    async fn badge_facts(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<BadgeFact>> {
        let c = self.conn().await?;
        let n = i64::from(limit.clamp(1, MAX_FACTS));
        let stmt = c.prepare_cached(FACTS).await.db()?;
        c.query(&stmt, &[&org.0, &after_seq, &n]).await.db()?.iter().map(fact).collect()
    }
}
