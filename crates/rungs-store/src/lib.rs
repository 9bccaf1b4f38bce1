//! Rungs storage: the backends behind [`rungs_core::store::Store`]. SQLite is the
//! embedded default (one file, nothing to install); PostgreSQL serves larger
//! organizations and several server instances, under the same trait and the same
//! conformance suite (`tests/it`). Nothing above this crate sees a driver type.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rungs_core::store::Store;

mod framework_cache;
mod people_sql;
pub mod postgres;
pub mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// One schema migration of either backend: its version, a name for messages, and
/// its SQL. Both backends have the same versions and names (a test asserts it).
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Migrations that create or change a projection in a way their SQL cannot fill (a
/// table folded from the ledger by Rust code, `rungs_core::ledger::RebuildFold`).
/// Applied to a database that already holds a ledger, they are followed, in the same
/// transaction, by a rebuild of every organization's projection, so an upgrade from
/// any earlier step serves the same people as a rebuild would. Only 0002 so far: it
/// creates the people projection empty. A later migration that changes what a fold
/// writes (a new computed column) joins this list.
pub const REFOLD_AFTER: &[i64] = &[2];

/// Whether the migrations `applied` now call for a rebuild ([`REFOLD_AFTER`]).
pub(crate) fn needs_refold(applied: &[i64]) -> bool {
    applied.iter().any(|v| REFOLD_AFTER.contains(v))
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open PostgreSQL database: {reason}")]
    Postgres { reason: String },
    #[error("unsupported database URL '{0}': use postgres://..., sqlite://PATH, sqlite:PATH or a file path")]
    UnsupportedUrl(String),
    #[error("cannot open SQLite database {path}: {reason}")]
    Sqlite { path: PathBuf, reason: String },
    #[error(
        "the SQLite database {path} is read-only ({reason}); rungs writes to it: make the file writable (and its directory, for the -wal and -shm files beside it)"
    )]
    ReadOnly { path: PathBuf, reason: String },
    #[error("migration {version} ({name}) failed: {reason}")]
    Migration { version: i64, name: &'static str, reason: String },
    #[error("the database has schema version {found}, newer than this build knows ({known}); upgrade rungs")]
    SchemaTooNew { found: i64, known: i64 },
}

/// Open the store named by `url`: `sqlite://PATH`, `sqlite:PATH` or a bare file
/// path (created if missing), or `postgres://...` / `postgresql://...` (see
/// [`postgres::PgOptions`] for the pool options). Migrations are applied.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, OpenError> {
    match parse_url(url)? {
        Target::Sqlite(path) => Ok(Arc::new(open_sqlite(&path).await?)),
        Target::Postgres(url) => Ok(Arc::new(PgStore::open(&url).await?)),
    }
}

/// Open and migrate the PostgreSQL database at `url` as its concrete type (the
/// `migrate-store` command needs its bulk import).
pub async fn open_postgres(url: &str) -> Result<PgStore, OpenError> {
    match parse_url(url)? {
        Target::Postgres(url) => PgStore::open(&url).await,
        Target::Sqlite(_) => Err(OpenError::UnsupportedUrl(format!("{url} (a postgres:// URL is needed here)"))),
    }
}

/// Open (creating if needed) and migrate the SQLite database at `path`.
pub async fn open_sqlite(path: &Path) -> Result<SqliteStore, OpenError> {
    SqliteStore::open(path).await
}

/// The SQLite file `url` names, or `None` for a PostgreSQL URL (whole-file commands
/// such as `rungs backup` need the path).
pub fn sqlite_file(url: &str) -> Result<Option<PathBuf>, OpenError> {
    Ok(match parse_url(url)? {
        Target::Sqlite(p) => Some(p),
        Target::Postgres(_) => None,
    })
}

enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

fn parse_url(url: &str) -> Result<Target, OpenError> {
    let url = url.trim();
    if let Some((scheme, _)) = url.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Target::Postgres(url.to_string())),
            "sqlite" => sqlite_path(url, &url["sqlite://".len()..]),
            _ => Err(OpenError::UnsupportedUrl(url.to_string())),
        };
    }
    match url.strip_prefix("sqlite:") {
        Some(rest) => sqlite_path(url, rest),
        None => sqlite_path(url, url),
    }
}

fn sqlite_path(url: &str, rest: &str) -> Result<Target, OpenError> {
    // sqlx-style options (`?mode=rwc`) are accepted and ignored: we always create.
    let path = rest.split('?').next().unwrap_or_default();
    // Several connections must see one database, which an in-memory one cannot give.
    if path.is_empty() || path == ":memory:" {
        return Err(OpenError::UnsupportedUrl(url.to_string()));
    }
    Ok(Target::Sqlite(PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(url: &str) -> PathBuf {
        match parse_url(url) {
            Ok(Target::Sqlite(p)) => p,
            Ok(Target::Postgres(_)) => panic!("{url}: not a SQLite path"),
            Err(e) => panic!("{url}: {e}"),
        }
    }

    #[test]
    fn sqlite_urls_and_bare_paths_name_a_file() {
        assert_eq!(path("sqlite:///var/lib/rungs.db"), PathBuf::from("/var/lib/rungs.db"));
        assert_eq!(path("sqlite://rungs.db?mode=rwc"), PathBuf::from("rungs.db"));
        assert_eq!(path("sqlite:data/rungs.db"), PathBuf::from("data/rungs.db"));
        assert_eq!(path("rungs.db"), PathBuf::from("rungs.db"));
    }

    #[test]
    fn postgres_urls_open_postgres_and_unknown_schemes_are_refused() {
        assert!(matches!(parse_url("postgres://u@h/db"), Ok(Target::Postgres(u)) if u == "postgres://u@h/db"));
        assert!(matches!(parse_url("postgresql://u@h/db"), Ok(Target::Postgres(_))));
        assert!(matches!(parse_url("mysql://h/db"), Err(OpenError::UnsupportedUrl(_))));
        assert!(matches!(parse_url("sqlite::memory:"), Err(OpenError::UnsupportedUrl(_))));
    }
}
