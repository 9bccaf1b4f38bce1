//! `impl RecognitionStore for SqliteStore` (`migrations/sqlite/0008_recognition.sql`),
//! and the spending lookup the append snapshot shares ([`spent`]).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rungs_core::recognition::{FeedItem, FeedQuery, Flow, Policy, Received, RecognitionStore, SpendKey};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use rusqlite::{Connection, OptionalExtension, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{self, Db, EVENT_COLS, micros};

/// Recognition in force: no reversal targets it (the partial unique index on
/// `target` answers this).
const IN_FORCE: &str = "NOT EXISTS (SELECT 1 FROM events v WHERE v.target = e.id AND v.kind = 'reversal')";

static SPENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT COALESCE(SUM(CAST(json_extract(e.payload, '$.points') AS INTEGER)), 0) FROM events e \
         WHERE e.kind = 'recognition' AND e.actor = ?1 AND e.occurred_at >= ?2 AND e.occurred_at < ?3 AND e.org_id = ?4 \
         AND (?5 IS NULL OR e.subject = ?5) AND {IN_FORCE}"
    )
});

static FEED: LazyLock<String> = LazyLock::new(|| {
    let cols = EVENT_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
    format!(
        "SELECT {cols}, g.name, r.name FROM events e LEFT JOIN people g ON g.id = e.actor LEFT JOIN people r ON r.id = e.subject \
         WHERE e.org_id = ?1 AND e.kind = 'recognition' AND e.seq < ?2 AND (?3 IS NULL OR e.actor = ?3 OR e.subject = ?3) AND {IN_FORCE} \
         ORDER BY e.seq DESC LIMIT ?4"
    )
});

/// What `k` describes, as the append snapshot loads it.
pub(crate) fn spent(conn: &Connection, org: OrgId, k: &SpendKey) -> StoreResult<u64> {
    let receiver = k.receiver.map(|r| *r.as_bytes());
    let n: i64 = conn
        .prepare_cached(&SPENT)
        .and_then(|mut s| s.query_row(params![k.giver.as_bytes(), micros(k.period_start), micros(k.period_end), org.as_bytes(), receiver], |r| r.get(0)))
        .db()?;
    Ok(n.max(0) as u64)
}

#[async_trait::async_trait]
impl RecognitionStore for SqliteStore {
    #[instrument(skip_all, fields(%org))]
    async fn recognition_policy(&self, org: OrgId) -> StoreResult<Option<Policy>> {
        self.read(move |c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM recognition_policies WHERE org_id = ?1")
                .and_then(|mut s| s.query_row([org.as_bytes()], |r| r.get(0)).optional())
                .db()?;
            body.map(|b| serde_json::from_str(&b).map_err(StoreError::unexpected)).transpose()
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn save_recognition_policy(&self, org: OrgId, policy: &Policy) -> StoreResult<()> {
        let body = serde_json::to_string(policy).map_err(StoreError::unexpected)?;
        self.writer
            .exec(move |tx| {
                let exists = tx.prepare_cached("SELECT 1 FROM organizations WHERE id = ?1").and_then(|mut s| s.exists([org.as_bytes()])).db()?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
                tx.execute(
                    "INSERT INTO recognition_policies (org_id, body, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                    params![org.as_bytes(), body, micros(Utc::now())],
                )
                .db()?;
                Ok(())
            })
            .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_spent(&self, org: OrgId, key: &SpendKey) -> StoreResult<u64> {
        let k = *key;
        self.read(move |c| spent(c, org, &k)).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_received(&self, org: OrgId, person: PersonId, since: Option<DateTime<Utc>>) -> StoreResult<Received> {
        let since = since.map_or(i64::MIN, micros);
        self.read(move |c| {
            let sql = format!(
                "SELECT COALESCE(SUM(CAST(json_extract(e.payload, '$.points') AS INTEGER)), 0), COUNT(*) FROM events e \
                 WHERE e.subject = ?1 AND e.occurred_at >= ?2 AND e.kind = 'recognition' AND e.org_id = ?3 AND {IN_FORCE}"
            );
            let (points, count): (i64, i64) =
                c.prepare_cached(&sql).and_then(|mut s| s.query_row(params![person.as_bytes(), since, org.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))).db()?;
            Ok(Received { points: points.max(0) as u64, count: count.max(0) as u64 })
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_feed(&self, org: OrgId, q: &FeedQuery) -> StoreResult<Vec<FeedItem>> {
        let q = *q;
        self.read(move |c| {
            let mut s = c.prepare_cached(&FEED).db()?;
            let person = q.person.map(|p| *p.as_bytes());
            let rows = s
                .query_map(params![org.as_bytes(), q.before_seq.unwrap_or(i64::MAX), person, q.limit], |r| {
                    Ok(FeedItem { event: rows::event(r)?, giver_name: r.get(12)?, receiver_name: r.get::<_, Option<String>>(13)?.unwrap_or_default() })
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn recognition_flows(&self, org: OrgId, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Flow>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT e.actor, e.subject, SUM(CAST(json_extract(e.payload, '$.points') AS INTEGER)), COUNT(*) FROM events e \
                 WHERE e.org_id = ?1 AND e.kind = 'recognition' AND e.actor IS NOT NULL AND e.occurred_at >= ?2 AND e.occurred_at < ?3 \
                 AND CAST(json_extract(e.payload, '$.points') AS INTEGER) > 0 AND {IN_FORCE} GROUP BY e.actor, e.subject"
            );
            let mut s = c.prepare_cached(&sql).db()?;
            let rows = s
                .query_map(params![org.as_bytes(), micros(from), micros(to)], |r| {
                    Ok(Flow {
                        giver: PersonId::from_bytes(r.get(0)?),
                        receiver: PersonId::from_bytes(r.get(1)?),
                        points: r.get::<_, i64>(2)?.max(0) as u64,
                        count: r.get::<_, i64>(3)?.max(0) as u64,
                    })
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }
}
