//! Whole-file operations on a SQLite database, outside the store: the online backup
//! (`rungs backup`), the checks of a copy and of a restore target (`rungs restore`),
//! and what `rungs doctor` reads (integrity, WAL size, schema version).
//!
//! The backup is `VACUUM INTO` on a connection of its own: SQLite runs it inside one
//! read transaction, so the copy is the database exactly as of one commit, while the
//! server's writer keeps committing to the WAL beside it (WAL readers never block the
//! writer, nor it them). The copy is compacted, has no WAL of its own and is written
//! to a temporary name beside the target, fsynced, then renamed into place: a crash
//! leaves either no file or a complete one.
//!
//! Every database file rungs makes (a new database, a backup, a restored copy) is
//! private to its owner (0600 on Unix), whatever the umask: it holds the ledger and
//! password hashes. SQLite gives the `-wal` and `-shm` files the database's mode.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::migrate::MIGRATIONS;

/// Why a whole-file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {reason}")]
    Sqlite { path: PathBuf, reason: String },
    #[error("{0}")]
    Refused(String),
}

fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> FileError + '_ {
    move |e| FileError::Sqlite { path: path.to_path_buf(), reason: e.to_string() }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> FileError + '_ {
    move |e| FileError::Sqlite { path: path.to_path_buf(), reason: e.to_string() }
}

/// Open an existing database file read-only (never creating it).
pub fn open_read_only(path: &Path) -> Result<Connection, FileError> {
    if !path.is_file() {
        return Err(FileError::Refused(format!("{} does not exist or is not a file", path.display())));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(sqlite_err(path))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite_err(path))?;
    Ok(conn)
}

/// Copy the live database `src` to `dst` (which must not exist) as of one commit.
/// Returns the copy's size in bytes.
pub fn backup_into(src: &Path, dst: &Path) -> Result<u64, FileError> {
    if dst.exists() {
        return Err(FileError::Refused(format!("{} already exists: choose a new file name (a backup never overwrites)", dst.display())));
    }
    let conn = open_read_only(src)?;
    let tmp = temp_beside(dst);
    let _ = std::fs::remove_file(&tmp);
    let result = conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()]).map_err(sqlite_err(src));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    make_private(&tmp).map_err(io_err(&tmp))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, dst).map_err(io_err(dst))?;
    sync_dir(dst);
    Ok(std::fs::metadata(dst).map_err(io_err(dst))?.len())
}

/// `PRAGMA integrity_check`: empty when the file is sound, else SQLite's findings.
pub fn integrity_problems(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

/// The highest ledger `seq` in the file (0 for an empty ledger or no ledger at all).
pub fn last_seq(conn: &Connection) -> Result<i64, rusqlite::Error> {
    if !has_table(conn, "events")? {
        return Ok(0);
    }
    conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))
}

/// When the ledger's newest entry was recorded (`None` for an empty ledger).
pub fn newest_recorded_at(conn: &Connection) -> Result<Option<chrono::DateTime<chrono::Utc>>, rusqlite::Error> {
    if !has_table(conn, "events")? {
        return Ok(None);
    }
    let micros: Option<i64> = conn.query_row("SELECT max(recorded_at) FROM events", [], |r| r.get(0))?;
    Ok(micros.and_then(chrono::DateTime::from_timestamp_micros))
}

/// The newest migration applied to the file, if it has any.
pub fn schema_version(conn: &Connection) -> Result<Option<i64>, rusqlite::Error> {
    if !has_table(conn, "schema_migrations")? {
        return Ok(None);
    }
    conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))
}

/// The newest migration this build knows.
pub fn known_schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn has_table(conn: &Connection, name: &str) -> Result<bool, rusqlite::Error> {
    conn.query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |_| Ok(())).optional().map(|r| r.is_some())
}

/// What `rungs restore` finds at its target: nothing (go ahead), or why not.
pub fn refuse_restore_target(target: &Path) -> Result<(), FileError> {
    for side in [wal_path(target), shm_path(target)] {
        if side.exists() {
            return Err(FileError::Refused(format!(
                "{} exists: a server may have {} open; stop it and move the database away before restoring",
                side.display(),
                target.display()
            )));
        }
    }
    if !target.exists() {
        return Ok(());
    }
    let len = std::fs::metadata(target).map_err(io_err(target))?.len();
    if len == 0 {
        return Ok(());
    }
    let conn = open_read_only(target)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
        .map_err(|e| FileError::Refused(format!("{} exists and is not an empty SQLite database ({e}); restore refuses to overwrite it", target.display())))?;
    if tables > 0 {
        return Err(FileError::Refused(format!(
            "{} is not empty (a database with {tables} tables, ledger up to seq {}); restore only writes into an empty location: move it away first",
            target.display(),
            last_seq(&conn).unwrap_or(0)
        )));
    }
    Ok(())
}

/// Copy the backup `from` to `target` (checked by [`refuse_restore_target`] first)
/// through a temporary file and a rename.
pub fn restore_into(from: &Path, target: &Path) -> Result<u64, FileError> {
    refuse_restore_target(target)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let tmp = temp_beside(target);
    let n = std::fs::copy(from, &tmp).map_err(io_err(&tmp))?;
    make_private(&tmp).map_err(io_err(&tmp))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io_err(&tmp))?;
    // Checked again just before the rename: a server may have created it meanwhile.
    if let Err(e) = refuse_restore_target(target) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, target).map_err(io_err(target))?;
    sync_dir(target);
    Ok(n)
}

/// Create `path` as an empty file (an empty SQLite database) readable and writable by
/// its owner only, unless it exists already.
pub(crate) fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Make `path` readable and writable by its owner only.
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The `-wal` file beside a database.
pub fn wal_path(db: &Path) -> PathBuf {
    side_file(db, "-wal")
}

fn shm_path(db: &Path) -> PathBuf {
    side_file(db, "-shm")
}

fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn temp_beside(path: &Path) -> PathBuf {
    side_file(path, &format!(".partial-{}", std::process::id()))
}

/// Make a rename durable (best effort: not every platform can fsync a directory).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|f| f.sync_all());
    }
}
