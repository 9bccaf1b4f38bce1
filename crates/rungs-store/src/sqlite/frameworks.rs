//! `impl FrameworkStore for SqliteStore` (`migrations/sqlite/0006_framework_versions.sql`).
//! The writer thread runs one transaction at a time, so max+1 is the next version.

use chrono::{DateTime, Utc};
use rungs_core::OrgId;
use rungs_core::framework::{Framework, FrameworkStore, FrameworkVersion};
use rungs_core::store::{StoreError, StoreResult};
use rusqlite::{OptionalExtension, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, micros};

#[async_trait::async_trait]
impl FrameworkStore for SqliteStore {
    #[instrument(skip_all, fields(%org))]
    async fn save_framework_version(&self, org: OrgId, framework: &Framework, at: DateTime<Utc>) -> StoreResult<u32> {
        let body = serde_json::to_string(framework).map_err(StoreError::unexpected)?;
        self.writer
            .exec(move |tx| {
                let exists = tx.prepare_cached("SELECT 1 FROM organizations WHERE id = ?1").and_then(|mut s| s.exists([org.as_bytes()])).db()?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
                let next: u32 =
                    tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM framework_versions WHERE org_id = ?1", [org.as_bytes()], |r| r.get(0)).db()?;
                tx.execute(
                    "INSERT INTO framework_versions (org_id, version, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![org.as_bytes(), next, body, micros(at)],
                )
                .db()?;
                tx.execute(
                    "INSERT INTO frameworks (org_id, body, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, \
                           updated_at = MAX(excluded.updated_at, frameworks.updated_at + 1)",
                    params![org.as_bytes(), body, micros(at)],
                )
                .db()?;
                Ok(next)
            })
            .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn framework_versions(&self, org: OrgId) -> StoreResult<Vec<FrameworkVersion>> {
        self.read(move |c| {
            let mut s = c.prepare_cached("SELECT version, body, created_at FROM framework_versions WHERE org_id = ?1 ORDER BY version").db()?;
            let rows = s
                .query_map([org.as_bytes()], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            rows.into_iter()
                .map(|(version, body, us)| {
                    Ok(FrameworkVersion {
                        version,
                        created_at: DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::internal("time out of range"))?,
                        framework: serde_json::from_str(&body).map_err(StoreError::unexpected)?,
                    })
                })
                .collect()
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn latest_framework_version(&self, org: OrgId) -> StoreResult<Option<(u32, DateTime<Utc>)>> {
        self.read(move |c| {
            let row = c
                .prepare_cached("SELECT version, created_at FROM framework_versions WHERE org_id = ?1 ORDER BY version DESC LIMIT 1")
                .and_then(|mut s| s.query_row([org.as_bytes()], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?))).optional())
                .db()?;
            row.map(|(v, us)| Ok((v, DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::internal("time out of range"))?))).transpose()
        })
        .await
    }
}
