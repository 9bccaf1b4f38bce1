//! `impl CalendarStore for SqliteStore` (`migrations/sqlite/0020_org_calendar.sql`).

use chrono::Utc;
use rungs_core::OrgId;
use rungs_core::calendar::CalendarStore;
use rungs_core::store::{StoreError, StoreResult};
use rusqlite::{OptionalExtension, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, micros};

#[async_trait::async_trait]
impl CalendarStore for SqliteStore {
    #[instrument(skip_all, fields(%org))]
    async fn org_time_zone(&self, org: OrgId) -> StoreResult<Option<String>> {
        self.read(move |c| {
            c.prepare_cached("SELECT time_zone FROM org_calendars WHERE org_id = ?1")
                .and_then(|mut s| s.query_row([org.as_bytes()], |r| r.get(0)).optional())
                .db()
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn save_org_time_zone(&self, org: OrgId, time_zone: &str) -> StoreResult<()> {
        let tz = time_zone.to_string();
        self.writer
            .exec(move |tx| {
                let exists = tx.prepare_cached("SELECT 1 FROM organizations WHERE id = ?1").and_then(|mut s| s.exists([org.as_bytes()])).db()?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
                tx.execute(
                    "INSERT INTO org_calendars (org_id, time_zone, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (org_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = excluded.updated_at",
                    params![org.as_bytes(), tz, micros(Utc::now())],
                )
                .db()?;
                Ok(())
            })
            .await
    }
}
