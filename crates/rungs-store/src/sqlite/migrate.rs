//! Versioned schema migrations, embedded in the binary and applied on open.
//!
//! Files live in `migrations/sqlite/NNNN_name.sql`; `migrations/postgres/` has the
//! same version numbers and names (a test asserts it). Released files are never edited: a change is a new
//! version. Applied versions are recorded in `schema_migrations`.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::OpenError;

pub use crate::Migration;

/// Every SQLite migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "ledger", sql: include_str!("../../migrations/sqlite/0001_ledger.sql") },
    Migration { version: 2, name: "people", sql: include_str!("../../migrations/sqlite/0002_people.sql") },
    Migration { version: 3, name: "access", sql: include_str!("../../migrations/sqlite/0003_access.sql") },
    Migration { version: 4, name: "sessions", sql: include_str!("../../migrations/sqlite/0004_sessions.sql") },
    Migration { version: 5, name: "jobs", sql: include_str!("../../migrations/sqlite/0005_jobs.sql") },
    Migration { version: 6, name: "framework_versions", sql: include_str!("../../migrations/sqlite/0006_framework_versions.sql") },
    Migration { version: 7, name: "opportunities", sql: include_str!("../../migrations/sqlite/0007_opportunities.sql") },
    Migration { version: 8, name: "recognition", sql: include_str!("../../migrations/sqlite/0008_recognition.sql") },
    Migration { version: 9, name: "badges", sql: include_str!("../../migrations/sqlite/0009_badges.sql") },
    Migration { version: 10, name: "validated_once", sql: include_str!("../../migrations/sqlite/0010_validated_once.sql") },
    Migration { version: 11, name: "promotions", sql: include_str!("../../migrations/sqlite/0011_promotions.sql") },
    Migration { version: 12, name: "webhooks", sql: include_str!("../../migrations/sqlite/0012_webhooks.sql") },
    Migration { version: 13, name: "scim", sql: include_str!("../../migrations/sqlite/0013_scim.sql") },
    Migration { version: 14, name: "proposals", sql: include_str!("../../migrations/sqlite/0014_proposals.sql") },
    Migration { version: 15, name: "evidence", sql: include_str!("../../migrations/sqlite/0015_evidence.sql") },
    Migration { version: 16, name: "notifications", sql: include_str!("../../migrations/sqlite/0016_notifications.sql") },
    Migration { version: 17, name: "sso_links", sql: include_str!("../../migrations/sqlite/0017_sso_links.sql") },
    Migration { version: 18, name: "credentials", sql: include_str!("../../migrations/sqlite/0018_credentials.sql") },
    Migration { version: 19, name: "leaderboards", sql: include_str!("../../migrations/sqlite/0019_leaderboards.sql") },
    Migration { version: 20, name: "org_calendar", sql: include_str!("../../migrations/sqlite/0020_org_calendar.sql") },
    Migration { version: 21, name: "scim_state", sql: include_str!("../../migrations/sqlite/0021_scim_state.sql") },
    Migration { version: 22, name: "idempotent_responses", sql: include_str!("../../migrations/sqlite/0022_idempotent_responses.sql") },
];

/// Apply every migration newer than the database, all in one IMMEDIATE transaction:
/// two processes opening the same new file cannot both migrate it, and a failure
/// leaves the schema as it was. Returns the versions applied now.
pub(crate) fn migrate(conn: &mut Connection) -> Result<Vec<i64>, OpenError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    let fail = |version: i64, name: &'static str| move |e: rusqlite::Error| OpenError::Migration { version, name, reason: e.to_string() };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail(0, "begin"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             name        TEXT    NOT NULL,
             applied_at  INTEGER NOT NULL
         )",
    )
    .map_err(fail(0, "schema_migrations"))?;
    let current: i64 = tx
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get::<_, Option<i64>>(0))
        .optional()
        .map_err(fail(0, "schema_migrations"))?
        .flatten()
        .unwrap_or(0);
    if current > known {
        return Err(OpenError::SchemaTooNew { found: current, known });
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.execute_batch(m.sql).map_err(fail(m.version, m.name))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, chrono::Utc::now().timestamp_micros()],
        )
        .map_err(fail(m.version, m.name))?;
        applied.push(m.version);
    }
    if crate::needs_refold(&applied) {
        refold(&tx).map_err(|e| OpenError::Migration { version: known, name: "rebuild of the projections", reason: e.to_string() })?;
    }
    tx.commit().map_err(fail(known, "commit"))?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied SQLite migrations");
    }
    Ok(applied)
}

/// Fold every organization's projections again from its ledger, in the migration's
/// transaction (see [`crate::REFOLD_AFTER`]).
fn refold(tx: &rusqlite::Transaction<'_>) -> rungs_core::store::StoreResult<()> {
    use super::rows::Db;
    let ids: Vec<Vec<u8>> = tx.prepare("SELECT id FROM organizations").db()?.query_map([], |r| r.get(0)).db()?.collect::<Result<_, _>>().db()?;
    for id in ids {
        let org = rungs_core::OrgId(uuid::Uuid::from_slice(&id).map_err(rungs_core::store::StoreError::unexpected)?);
        let report = super::queries::rebuild(tx, org)?;
        tracing::info!(%org, people = report.people, events = report.events, "projections rebuilt after a migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        assert_eq!(versions, expected);
    }
}
