//! The SQLite backend: the embedded default. One writer thread owns the write
//! connection and group-commits appends ([`writer`]); reads go to a small pool of
//! connections on tokio's blocking threads. WAL lets readers run beside the writer.
//! A read whose caller went away is interrupted and its connection pooled again
//! ([`cancel`]).
//!
//! Durability: `journal_mode = WAL` with `synchronous = FULL`, so a commit is fsynced
//! to the WAL before an append is acknowledged; `NORMAL` would lose the last commits
//! on power loss, which PRODUCT.md promises never happens.

mod append;
mod badges;
mod bulk;
mod calendar;
mod cancel;
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
        // A new database is private from its first byte (see `file`).
        file::create_private(&path).map_err(|e| fail(&e))?;
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
        let readers = Arc::new(ReadPool {
            path: path.clone(),
            conns: Mutex::new(readers),
            permits: Arc::new(Semaphore::new(READERS)),
            work,
            slow_for_tests: AtomicU64::new(0),
        });
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

    /// Tests only: every read first counts to `rows` in a recursive CTE on its own
    /// connection (0, the default, turns this off), so a test can abandon a read in
    /// the middle of a long statement, through the real pool. Otherwise it costs one
    /// atomic load per read.
    #[doc(hidden)]
    pub fn slow_reads_for_tests(&self, rows: u64) {
        self.readers.slow_for_tests.store(rows, Ordering::Relaxed);
    }

    /// Run a read on a pooled connection on the blocking pool. Never holds a lock
    /// across an await: the pool mutex is only taken inside the blocking closure.
    /// Dropping the returned future before it is ready interrupts the read and frees
    /// its connection and thread ([`cancel`]).
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        let permit = pool.permits.clone().acquire_owned().await.map_err(rungs_core::store::StoreError::unexpected)?;
        let read = Arc::new(cancel::Read::default());
        let _abandon = cancel::Abandon(read.clone());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let reader = match pool.take() {
                Some(c) => c,
                // A reader was lost to a panic or a failed reset: replace it.
                None => reader(&pool.path, &pool.work).db()?,
            };
            if !read.start(&reader) {
                pool.put(reader);
                return Err(rungs_core::store::StoreError::Unexpected(rungs_core::Cause::msg("the read was abandoned before it started")));
            }
            pool.work.read();
            let r = match pool.slow_for_tests.load(Ordering::Relaxed) {
                0 => f(&reader.conn),
                rows => slow_for_tests(&reader.conn, rows).and_then(|()| f(&reader.conn)),
            };
            read.finish();
            pool.put(reader);
            r
        })
        .await
        .map_err(rungs_core::store::StoreError::unexpected)?
    }
}

/// See [`SqliteStore::slow_reads_for_tests`].
fn slow_for_tests(conn: &Connection, rows: u64) -> StoreResult<()> {
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) SELECT count(*) FROM c";
    conn.query_row(sql, [i64::try_from(rows).unwrap_or(i64::MAX)], |r| r.get::<_, i64>(0)).db()?;
    Ok(())
}

struct ReadPool {
    path: PathBuf,
    conns: Mutex<Vec<cancel::Reader>>,
    /// Bounds concurrent reads to the pool size, so waiting is async, not blocking.
    permits: Arc<Semaphore>,
    work: Arc<work::Counter>,
    slow_for_tests: AtomicU64,
}

impl ReadPool {
    fn take(&self) -> Option<cancel::Reader> {
        self.conns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop()
    }
    /// Back into the pool, unless an interrupted read left it unusable (then closed;
    /// the next read opens a new one).
    fn put(&self, r: cancel::Reader) {
        if r.reset() {
            self.conns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(r);
        } else {
            tracing::warn!("a read connection could not be reset after an interrupted read: closed");
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Writer,
    Reader,
}

/// A read connection whose work is counted into `work`, and which can be stopped.
fn reader(path: &Path, work: &Arc<work::Counter>) -> rusqlite::Result<cancel::Reader> {
    let conn = connect(path, Role::Reader)?;
    let stop = Arc::new(AtomicBool::new(false));
    work::Counter::watch(work, &stop, &conn);
    Ok(cancel::Reader::new(conn, stop))
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
