//! The SQLite backend: the embedded default. One writer thread owns the write
//! connection and group-commits appends ([`writer`]); reads go to a small pool of
//! connections on tokio's blocking threads. WAL lets readers run beside the writer.
//!
//! Durability: `journal_mode = WAL` with `synchronous = FULL`, so a commit is fsynced
//! to the WAL before an append is acknowledged; `NORMAL` would lose the last commits
//! on power loss, which PRODUCT.md promises never happens.

mod append;
mod badges;
mod bulk;
mod calendar;
mod credentials;
mod evidence;
mod facts;
pub mod file;
mod frameworks;
mod health;
mod jobs;
mod leaderboards;
pub mod migrate;
mod notifications;
mod opportunities;
mod promotions;
mod proposals;
mod queries;
mod recognition;
mod replay;
pub(crate) mod rows;
mod sessions;
mod webhooks;
pub mod work;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rungs_core::store::StoreResult;
use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::OpenError;
use rows::Db;
use writer::Writer;

/// Read connections kept open. Reads are short; on 2 cores more would only queue.
const READERS: usize = 4;

/// The SQLite store. Cheap to share behind an `Arc`; dropping it stops the writer.
pub struct SqliteStore {
    writer: Writer,
    readers: Arc<ReadPool>,
    path: PathBuf,
    /// Parsed frameworks, stamped with their row's `updated_at` (a change from any
    /// process gives it a new one).
    frameworks: crate::framework_cache::FrameworkCache<i64>,
}

impl SqliteStore {
    /// Open (creating if needed) and migrate the database at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore, OpenError> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path)).await.map_err(|e| OpenError::Sqlite { path: PathBuf::new(), reason: e.to_string() })?
    }

    fn open_blocking(path: PathBuf) -> Result<SqliteStore, OpenError> {
        let fail = |e: &dyn std::fmt::Display| OpenError::Sqlite { path: path.clone(), reason: e.to_string() };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        health::refuse_read_only(&path, None)?;
        let mut conn = connect(&path, Role::Writer).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => OpenError::ReadOnly { path: path.clone(), reason: e.to_string() },
            _ => fail(&e),
        })?;
        health::refuse_read_only(&path, Some(&conn))?;
        migrate::migrate(&mut conn)?;
        let work = Arc::new(work::Counter::default());
        let readers = (0..READERS).map(|_| reader(&path, &work)).collect::<rusqlite::Result<Vec<_>>>().map_err(|e| fail(&e))?;
        let writer = Writer::spawn(conn).map_err(|e| fail(&e))?;
        let readers = Arc::new(ReadPool { path: path.clone(), conns: Mutex::new(readers), permits: Arc::new(Semaphore::new(READERS)), work });
        tracing::info!(path = %path.display(), "opened SQLite store");
        Ok(SqliteStore { writer, readers, path, frameworks: Default::default() })
    }

    /// The readiness probe (see `health`): a small write committed by the writer.
    pub(crate) async fn probe(&self) -> StoreResult<()> {
        self.writer.exec(health::probe).await
    }

    /// What this store has read so far (see [`work`]).
    pub fn work(&self) -> work::Work {
        self.readers.work.get()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run a read on a pooled connection on the blocking pool. Never holds a lock
    /// across an await: the pool mutex is only taken inside the blocking closure.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        let permit = pool.permits.clone().acquire_owned().await.map_err(rungs_core::store::StoreError::unexpected)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.work.read();
            let conn = match pool.take() {
                Some(c) => c,
                // A reader was lost to a panic: replace it.
                None => reader(&pool.path, &pool.work).db()?,
            };
            let r = f(&conn);
            pool.put(conn);
            r
        })
        .await
        .map_err(rungs_core::store::StoreError::unexpected)?
    }
}

struct ReadPool {
    path: PathBuf,
    conns: Mutex<Vec<Connection>>,
    /// Bounds concurrent reads to the pool size, so waiting is async, not blocking.
    permits: Arc<Semaphore>,
    work: Arc<work::Counter>,
}

impl ReadPool {
    fn take(&self) -> Option<Connection> {
        self.conns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop()
    }
    fn put(&self, c: Connection) {
        self.conns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(c);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Writer,
    Reader,
}

/// A read connection whose work is counted into `work`.
fn reader(path: &Path, work: &Arc<work::Counter>) -> rusqlite::Result<Connection> {
    let conn = connect(path, Role::Reader)?;
    work::Counter::watch(work, &conn);
    Ok(conn)
}

fn connect(path: &Path, role: Role) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(64);
    match role {
        Role::Writer => {
            // WAL is a property of the file; the writer opens first and sets it.
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(rusqlite::Error::InvalidParameterName(format!("journal_mode stayed '{mode}', WAL is required")));
            }
            // A large page cache keeps the hot ends of the ledger's indexes in memory
            // during bulk imports (64 MiB; the memory budget is 300 MB).
            conn.pragma_update(None, "cache_size", -65536)?;
            conn.pragma_update(None, "temp_store", "MEMORY")?;
        }
        Role::Reader => {
            conn.pragma_update(None, "query_only", "ON")?;
            conn.pragma_update(None, "cache_size", -16384)?;
        }
    }
    Ok(conn)
}
