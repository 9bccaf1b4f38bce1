//! Versioned PostgreSQL migrations, embedded and applied on open. Same version numbers
//! and names as `migrations/sqlite/` (a test asserts it); released files are never
//! edited. Applied under a transaction-scoped advisory lock, so instances starting at
//! the same time migrate one after the other, never twice.

use deadpool_postgres::Object;

use super::rows::Db;
use crate::{Migration, OpenError};

/// Every PostgreSQL migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "ledger", sql: include_str!("../../migrations/postgres/0001_ledger.sql") },
    Migration { version: 2, name: "people", sql: include_str!("../../migrations/postgres/0002_people.sql") },
    Migration { version: 3, name: "access", sql: include_str!("../../migrations/postgres/0003_access.sql") },
    Migration { version: 4, name: "sessions", sql: include_str!("../../migrations/postgres/0004_sessions.sql") },
    Migration { version: 5, name: "jobs", sql: include_str!("../../migrations/postgres/0005_jobs.sql") },
    Migration { version: 6, name: "framework_versions", sql: include_str!("../../migrations/postgres/0006_framework_versions.sql") },
    Migration { version: 7, name: "opportunities", sql: include_str!("../../migrations/postgres/0007_opportunities.sql") },
    Migration { version: 8, name: "recognition", sql: include_str!("../../migrations/postgres/0008_recognition.sql") },
    Migration { version: 9, name: "badges", sql: include_str!("../../migrations/postgres/0009_badges.sql") },
    Migration { version: 10, name: "validated_once", sql: include_str!("../../migrations/postgres/0010_validated_once.sql") },
    Migration { version: 11, name: "promotions", sql: include_str!("../../migrations/postgres/0011_promotions.sql") },
    Migration { version: 12, name: "webhooks", sql: include_str!("../../migrations/postgres/0012_webhooks.sql") },
    Migration { version: 13, name: "scim", sql: include_str!("../../migrations/postgres/0013_scim.sql") },
    Migration { version: 14, name: "proposals", sql: include_str!("../../migrations/postgres/0014_proposals.sql") },
    Migration { version: 15, name: "evidence", sql: include_str!("../../migrations/postgres/0015_evidence.sql") },
    Migration { version: 16, name: "notifications", sql: include_str!("../../migrations/postgres/0016_notifications.sql") },
    Migration { version: 17, name: "sso_links", sql: include_str!("../../migrations/postgres/0017_sso_links.sql") },
    Migration { version: 18, name: "credentials", sql: include_str!("../../migrations/postgres/0018_credentials.sql") },
    Migration { version: 19, name: "leaderboards", sql: include_str!("../../migrations/postgres/0019_leaderboards.sql") },
    Migration { version: 20, name: "org_calendar", sql: include_str!("../../migrations/postgres/0020_org_calendar.sql") },
    Migration { version: 21, name: "scim_state", sql: include_str!("../../migrations/postgres/0021_scim_state.sql") },
    Migration { version: 22, name: "idempotent_responses", sql: include_str!("../../migrations/postgres/0022_idempotent_responses.sql") },
];

/// Key of the advisory lock held while migrating ("rungs-mi" in ASCII).
const MIGRATION_LOCK: i64 = 0x7275_6e67_732d_6d69;

/// Apply every migration newer than the database in one transaction. Returns the
/// versions applied now.
pub(crate) async fn migrate(conn: &mut Object) -> Result<Vec<i64>, OpenError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    let fail = |version: i64, name: &'static str| move |e: tokio_postgres::Error| OpenError::Migration { version, name, reason: e.to_string() };
    let tx = conn.transaction().await.map_err(fail(0, "begin"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(fail(0, "lock"))?;
    // No "already exists, skipping" notice on every start.
    tx.batch_execute("SET LOCAL client_min_messages = warning").await.map_err(fail(0, "settings"))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     bigint      PRIMARY KEY,
             name        text        NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(fail(0, "schema_migrations"))?;
    let current: i64 = tx.query_one("SELECT COALESCE(max(version), 0) FROM schema_migrations", &[]).await.map_err(fail(0, "schema_migrations"))?.get(0);
    if current > known {
        return Err(OpenError::SchemaTooNew { found: current, known });
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(m.sql).await.map_err(fail(m.version, m.name))?;
        tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&m.version, &m.name]).await.map_err(fail(m.version, m.name))?;
        applied.push(m.version);
    }
    if crate::needs_refold(&applied) {
        // Under the migration lock; each organization's ledger head is locked too, so
        // an older instance still appending during a rolling upgrade waits for it.
        let refold = async {
            let ids: Vec<uuid::Uuid> = tx.query("SELECT id FROM organizations", &[]).await.db()?.iter().map(|r| r.get(0)).collect();
            for id in ids {
                let org = rungs_core::OrgId(id);
                super::append::lock_head(&tx, org).await?;
                let report = super::queries::rebuild_people(&tx, org).await?;
                tracing::info!(%org, people = report.people, events = report.events, "projections rebuilt after a migration");
            }
            rungs_core::store::StoreResult::Ok(())
        };
        refold.await.map_err(|e| OpenError::Migration { version: known, name: "rebuild of the projections", reason: e.to_string() })?;
    }
    tx.commit().await.map_err(fail(known, "commit"))?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied PostgreSQL migrations");
    }
    Ok(applied)
}
