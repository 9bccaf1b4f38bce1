//! Can the SQLite store take writes? The readiness probe (a small committed write to
//! a scratch table) and the start-up refusal of a read-only database file.

use std::path::Path;

use rungs_core::store::StoreResult;
use rusqlite::{Connection, Transaction, params};

use super::rows::Db;
use crate::OpenError;

/// Bytes the probe writes and gives back in one transaction. Enough to need fresh
/// pages (sixteen at 4 KiB) when the file has no free ones, so a full disk fails the
/// probe instead of an in-place update slipping through; a successful probe leaves
/// them free in the file for the next write.
const PROBE_BYTES: i64 = 64 * 1024;

/// The probe's scratch table is created on first use rather than by a migration:
/// it holds one row, is no part of the ledger, and exports and copies ignore it.
pub(super) fn probe(tx: &Transaction<'_>) -> StoreResult<()> {
    tx.execute_batch("CREATE TABLE IF NOT EXISTS readiness_probe (id INTEGER PRIMARY KEY, probed_at INTEGER NOT NULL, pad BLOB)").db()?;
    let now = chrono::Utc::now().timestamp_micros();
    tx.execute(
        "INSERT INTO readiness_probe (id, probed_at, pad) VALUES (1, ?1, zeroblob(?2)) \
         ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at, pad = excluded.pad",
        params![now, PROBE_BYTES],
    )
    .db()?;
    tx.execute("UPDATE readiness_probe SET pad = NULL WHERE id = 1", []).db()?;
    Ok(())
}

/// Refuse to serve a database file that cannot be written, naming it: its permission
/// bits say read-only (even where root could write it anyway), it may not be
/// written (a read-only mount), or SQLite opened it read-only.
///
/// Never by opening the file: closing any descriptor of the database file drops
/// every POSIX lock this process holds on it, SQLite's included. A second process
/// closing its connection would then take itself for the last one, checkpoint and
/// delete the WAL while this process went on committing into the deleted file:
/// commits visible here, lost to every other process and to the next start.
/// `access(2)` asks without a descriptor.
pub(super) fn refuse_read_only(path: &Path, conn: Option<&Connection>) -> Result<(), OpenError> {
    let read_only = |reason: String| Err(OpenError::ReadOnly { path: path.to_path_buf(), reason });
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().readonly() {
            return read_only(mode_text(&meta));
        }
        if let Err(e) = writable(path) {
            return read_only(format!("it cannot be opened for writing: {e}"));
        }
    }
    if let Some(c) = conn
        && c.is_readonly(rusqlite::MAIN_DB).unwrap_or(false)
    {
        return read_only("SQLite opened it read-only".into());
    }
    Ok(())
}

#[cfg(unix)]
fn writable(path: &Path) -> std::io::Result<()> {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn writable(path: &Path) -> std::io::Result<()> {
    // No POSIX locks to lose here: opening to ask is safe.
    std::fs::OpenOptions::new().write(true).open(path).map(drop)
}

#[cfg(unix)]
fn mode_text(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!("its permissions are {:04o}", meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_text(_: &std::fs::Metadata) -> String {
    "it is marked read-only".into()
}
