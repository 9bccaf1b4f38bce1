//! `impl RecognitionStore for PgStore` (`migrations/postgres/0008_recognition.sql`),
//! and the spending lookup the append snapshot shares ([`spent`]).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use rungs_core::recognition::{FeedItem, FeedQuery, Flow, Policy, Received, RecognitionStore, SpendKey};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db, EVENT_COLS};

/// Recognition in force: no reversal targets it (the partial unique index on
/// `target` answers this).
const IN_FORCE: &str = "NOT EXISTS (SELECT 1 FROM events v WHERE v.target = e.id AND v.kind = 'reversal')";
const POINTS: &str = "COALESCE((e.payload->>'points')::int8, 0)";

static SPENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT COALESCE(SUM({POINTS}), 0)::int8 FROM events e \
         WHERE e.org_id = $1 AND e.kind = 'recognition' AND e.actor = $2 AND e.occurred_at >= $3 AND e.occurred_at < $4 \
         AND ($5::uuid IS NULL OR e.subject = $5) AND {IN_FORCE}"
    )
});

static FEED: LazyLock<String> = LazyLock::new(|| {
    let cols = EVENT_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
    format!(
        "SELECT {cols}, g.name, r.name FROM events e LEFT JOIN people g ON g.id = e.actor LEFT JOIN people r ON r.id = e.subject \
         WHERE e.org_id = $1 AND e.kind = 'recognition' AND e.seq < $2 AND ($3::uuid IS NULL OR e.actor = $3 OR e.subject = $3) AND {IN_FORCE} \
         ORDER BY e.seq DESC LIMIT $4"
    )
});

/// What `k` describes, as the append snapshot loads it.
pub(crate) async fn spent<C: GenericClient>(c: &C, org: OrgId, k: &SpendKey) -> StoreResult<u64> {
    let stmt = c.prepare_cached(&SPENT).await.db()?;
    let receiver: Option<Uuid> = k.receiver.map(|r| r.0);
    let row = c.query_one(&stmt, &[&org.0, &k.giver.0, &k.period_start, &k.period_end, &receiver]).await.db()?;
    let n: i64 = rows::get(&row, 0)?;
    Ok(n.max(0) as u64)
}

#[async_trait::async_trait]
impl RecognitionStore for PgStore {
    #[instrument(skip_all, fields(%org))]
    async fn recognition_policy(&self, org: OrgId) -> StoreResult<Option<Policy>> {
        let c = self.conn().await?;
        let row = c.query_opt("SELECT body::text FROM recognition_policies WHERE org_id = $1", &[&org.0]).await.db()?;
        row.map(|r| {
            let body: &str = rows::get(&r, 0)?;
            serde_json::from_str(body).map_err(StoreError::unexpected)
        })
        .transpose()
    }

    #[instrument(skip_all, fields(%org))]
    async fn save_recognition_policy(&self, org: OrgId, policy: &Policy) -> StoreResult<()> {
        let body = serde_json::to_string(policy).map_err(StoreError::unexpected)?;
        let c = self.conn().await?;
        let exists = c.query_opt("SELECT 1 FROM organizations WHERE id = $1", &[&org.0]).await.db()?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        c.execute(
            "INSERT INTO recognition_policies (org_id, body, updated_at) VALUES ($1, $2::text::jsonb, now()) \
             ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&org.0, &body],
        )
        .await
        .db()?;
        Ok(())
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_spent(&self, org: OrgId, key: &SpendKey) -> StoreResult<u64> {
        let c = self.conn().await?;
        spent(&c, org, key).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_received(&self, org: OrgId, person: PersonId, since: Option<DateTime<Utc>>) -> StoreResult<Received> {
        self.read(async |c| {
            let sql = format!(
                "SELECT COALESCE(SUM({POINTS}), 0)::int8, COUNT(*) FROM events e \
                 WHERE e.org_id = $1 AND e.subject = $2 AND e.kind = 'recognition' AND ($3::timestamptz IS NULL OR e.occurred_at >= $3) AND {IN_FORCE}"
            );
            let stmt = c.prepare_cached(&sql).await.db()?;
            let row = c.query_one(&stmt, &[&org.0, &person.0, &since]).await.db()?;
            let (points, count): (i64, i64) = (rows::get(&row, 0)?, rows::get(&row, 1)?);
            Ok(Received { points: points.max(0) as u64, count: count.max(0) as u64 })
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_feed(&self, org: OrgId, q: &FeedQuery) -> StoreResult<Vec<FeedItem>> {
        self.read(async |c| {
            let stmt = c.prepare_cached(&FEED).await.db()?;
            let person: Option<Uuid> = q.person.map(|p| p.0);
            let found = c.query(&stmt, &[&org.0, &q.before_seq.unwrap_or(i64::MAX), &person, &i64::from(q.limit)]).await.db()?;
            found
                .iter()
                .map(|r| {
                    let giver_name: Option<String> = rows::get(r, 12)?;
                    let receiver_name: Option<String> = rows::get(r, 13)?;
                    Ok(FeedItem { event: rows::event(r)?, giver_name, receiver_name: receiver_name.unwrap_or_default() })
                })
                .collect()
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_flows(&self, org: OrgId, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Flow>> {
        self.read(async |c| {
            let sql = format!(
                "SELECT e.actor, e.subject, SUM({POINTS})::int8, COUNT(*) FROM events e \
                 WHERE e.org_id = $1 AND e.kind = 'recognition' AND e.actor IS NOT NULL AND e.occurred_at >= $2 AND e.occurred_at < $3 \
                 AND {POINTS} > 0 AND {IN_FORCE} GROUP BY e.actor, e.subject"
            );
            let stmt = c.prepare_cached(&sql).await.db()?;
            let found = c.query(&stmt, &[&org.0, &from, &to]).await.db()?;
            found
                .iter()
                .map(|r| {
                    let (points, count): (i64, i64) = (rows::get(r, 2)?, rows::get(r, 3)?);
                    Ok(Flow {
                        giver: PersonId(rows::get(r, 0)?),
                        receiver: PersonId(rows::get(r, 1)?),
                        points: points.max(0) as u64,
                        count: count.max(0) as u64,
                    })
                })
                .collect()
        })
        .await
    }
}
