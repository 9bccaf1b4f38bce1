//! `impl FrameworkStore for PgStore` (`migrations/postgres/0006_framework_versions.sql`).
//! The current `frameworks` row is written first, which locks it until commit, so two
//! concurrent edits of one organization take version numbers one after the other.

use chrono::{DateTime, Utc};
use rungs_core::OrgId;
use rungs_core::framework::{Framework, FrameworkStore, FrameworkVersion};
use rungs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::PgStore;
use super::rows::{self, Db};

#[async_trait::async_trait]
impl FrameworkStore for PgStore {
    #[instrument(skip_all, fields(%org))]
    async fn save_framework_version(&self, org: OrgId, framework: &Framework, at: DateTime<Utc>) -> StoreResult<u32> {
        let body = serde_json::to_string(framework).map_err(StoreError::unexpected)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        // A missing organization fails the foreign key: NotFound, as SQLite says.
        let exists = tx.query_opt("SELECT 1 FROM organizations WHERE id = $1", &[&org.0]).await.db()?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            "INSERT INTO frameworks (org_id, body, updated_at) VALUES ($1, $2::text::jsonb, $3) \
             ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&org.0, &body, &at],
        )
        .await
        .db()?;
        let row = tx.query_one("SELECT COALESCE(MAX(version), 0) + 1 FROM framework_versions WHERE org_id = $1", &[&org.0]).await.db()?;
        let next: i32 = rows::get(&row, 0)?;
        tx.execute("INSERT INTO framework_versions (org_id, version, body, created_at) VALUES ($1, $2, $3::text::jsonb, $4)", &[&org.0, &next, &body, &at])
            .await
            .db()?;
        tx.commit().await.db()?;
        u32::try_from(next).map_err(StoreError::unexpected)
    }

    #[instrument(skip_all, fields(%org))]
    async fn framework_versions(&self, org: OrgId) -> StoreResult<Vec<FrameworkVersion>> {
        let c = self.conn().await?;
        let found = c.query("SELECT version, body::text, created_at FROM framework_versions WHERE org_id = $1 ORDER BY version", &[&org.0]).await.db()?;
        found
            .iter()
            .map(|r| {
                let version: i32 = rows::get(r, 0)?;
                let body: &str = rows::get(r, 1)?;
                Ok(FrameworkVersion {
                    version: u32::try_from(version).map_err(StoreError::unexpected)?,
                    framework: serde_json::from_str(body).map_err(StoreError::unexpected)?,
                    created_at: rows::get(r, 2)?,
                })
            })
            .collect()
    }

    #[instrument(skip_all, fields(%org))]
    async fn latest_framework_version(&self, org: OrgId) -> StoreResult<Option<(u32, DateTime<Utc>)>> {
        let c = self.conn().await?;
        let row = c.query_opt("SELECT version, created_at FROM framework_versions WHERE org_id = $1 ORDER BY version DESC LIMIT 1", &[&org.0]).await.db()?;
        row.map(|r| Ok((u32::try_from(rows::get::<i32>(&r, 0)?).map_err(StoreError::unexpected)?, rows::get(&r, 1)?))).transpose()
    }
}
