//! `impl CalendarStore for PgStore` (`migrations/postgres/0020_org_calendar.sql`).

use rungs_core::OrgId;
use rungs_core::calendar::CalendarStore;
use rungs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::PgStore;
use super::rows::{self, Db};

#[async_trait::async_trait]
impl CalendarStore for PgStore {
    #[instrument(skip_all, fields(%org))]
    async fn org_time_zone(&self, org: OrgId) -> StoreResult<Option<String>> {
        let c = self.conn().await?;
        let row = c.query_opt("SELECT time_zone FROM org_calendars WHERE org_id = $1", &[&org.0]).await.db()?;
        row.map(|r| rows::get::<String>(&r, 0)).transpose()
    }

    #[instrument(skip_all, fields(%org))]
    async fn save_org_time_zone(&self, org: OrgId, time_zone: &str) -> StoreResult<()> {
        let c = self.conn().await?;
        let exists = c.query_opt("SELECT 1 FROM organizations WHERE id = $1", &[&org.0]).await.db()?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        c.execute(
            "INSERT INTO org_calendars (org_id, time_zone, updated_at) VALUES ($1, $2, now()) \
             ON CONFLICT (org_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = excluded.updated_at",
            &[&org.0, &time_zone],
        )
        .await
        .db()?;
        Ok(())
    }
}
