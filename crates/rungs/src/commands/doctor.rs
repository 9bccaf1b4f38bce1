//! `rungs doctor`: look at an installation the way an operator would and say what to
//! fix. Each check prints `ok` or `PROBLEM` with the fix; any problem exits 1.
//!
//! SQLite: the file's integrity, the WAL's size, the schema against this build's
//! migrations, free disk beside the database, the clock against the ledger's newest
//! entry, and the permissions of the database, of the credential issuer's signing key
//! and of a configuration file holding a secret. PostgreSQL keeps integrity, WAL and disk to itself: the doctor checks it can
//! connect and that the schema is not newer than this build.

use std::path::Path;
use std::process::ExitCode;

use rungs_store::sqlite::file;

/// A WAL larger than this means checkpoints are not keeping up.
const WAL_WARN_BYTES: u64 = 256 * 1024 * 1024;
/// Free space below this on the database's file system is a problem.
const MIN_FREE_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Default)]
struct Report {
    problems: usize,
}

impl Report {
    fn ok(&mut self, what: &str, detail: &str) {
        println!("ok       {what}: {detail}");
    }
    fn problem(&mut self, what: &str, detail: &str, fix: &str) {
        self.problems += 1;
        println!("PROBLEM  {what}: {detail}\n         fix: {fix}");
    }
}

pub async fn run(db: &str, issuer_key: &Path, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut r = Report::default();
    match rungs_store::sqlite_file(db)? {
        Some(path) => {
            let path2 = path.clone();
            r = tokio::task::spawn_blocking(move || {
                sqlite(&path2, &mut r);
                r
            })
            .await?;
        }
        None => match super::open_store(db).await {
            Ok(_) => r.ok("database", "PostgreSQL reachable, schema up to date (integrity, WAL and disk: see docs/operations.md)"),
            Err(e) => r.problem("database", &format!("{e:#}"), "check the URL, that PostgreSQL runs, and that this rungs is not older than the schema"),
        },
    }
    key_file(issuer_key, &mut r);
    clock(&mut r);
    if let Some(c) = config {
        config_file(c, &mut r);
    }
    if r.problems == 0 {
        println!("no problems found");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} problem(s) found", r.problems);
        Ok(ExitCode::FAILURE)
    }
}

fn sqlite(path: &Path, r: &mut Report) {
    let conn = match file::open_read_only(path) {
        Ok(c) => c,
        Err(e) => return r.problem("database", &e.to_string(), "point --db (or RUNGS_DB, or db in the configuration file) at the database"),
    };
    match file::integrity_problems(&conn) {
        Ok(p) if p.is_empty() => r.ok("integrity", &format!("{} passes SQLite's integrity check", path.display())),
        Ok(p) => r.problem(
            "integrity",
            &format!("{} findings, first: {}", p.len(), p[0]),
            "stop rungs and restore the latest backup (rungs restore, docs/operations.md)",
        ),
        Err(e) => r.problem("integrity", &e.to_string(), "stop rungs and restore the latest backup"),
    }
    let known = file::known_schema_version();
    match file::schema_version(&conn) {
        Ok(Some(v)) if v == known => r.ok("migrations", &format!("schema version {v}, as this build expects")),
        Ok(Some(v)) if v > known => r.problem(
            "migrations",
            &format!("schema version {v} is newer than this build knows ({known})"),
            "run the rungs version that last opened this database, or a newer one",
        ),
        Ok(Some(v)) => r.ok("migrations", &format!("schema version {v}; migrations {}..{known} apply at the next start (take a backup first)", v + 1)),
        Ok(None) => r.problem("migrations", "no schema_migrations table: not a rungs database", "check --db"),
        Err(e) => r.problem("migrations", &e.to_string(), "check --db"),
    }
    let wal = std::fs::metadata(file::wal_path(path)).map_or(0, |m| m.len());
    if wal > WAL_WARN_BYTES {
        r.problem(
            "WAL",
            &format!("the -wal file is {} MiB", wal / (1024 * 1024)),
            "a long-running reader blocks checkpoints: end it, or restart rungs (the WAL is checkpointed on close)",
        );
    } else {
        r.ok("WAL", &format!("{} KiB", wal / 1024));
    }
    free_disk(path, r);
    permissions(path, r);
    ledger_clock(file::newest_recorded_at(&conn).ok().flatten(), r);
}

fn free_disk(path: &Path, r: &mut Report) {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // POSIX `df -P`: the fourth column of the second line is the free 1K blocks.
    let out = std::process::Command::new("df").arg("-Pk").arg(dir).output();
    let free = out.ok().and_then(|o| String::from_utf8(o.stdout).ok()).and_then(|s| s.lines().nth(1)?.split_whitespace().nth(3)?.parse::<u64>().ok());
    match free.map(|k| k * 1024) {
        Some(b) if b < MIN_FREE_BYTES => r.problem(
            "disk",
            &format!("{} MiB free beside the database", b / (1024 * 1024)),
            "free space or grow the volume: at a full disk writes fail with 503 and /readyz turns 503",
        ),
        Some(b) => r.ok("disk", &format!("{} MiB free", b / (1024 * 1024))),
        None => r.problem("disk", "could not measure free space (df -Pk failed)", "check the volume by hand: df -h"),
    }
}

#[cfg(unix)]
fn permissions(path: &Path, r: &mut Report) {
    use std::os::unix::fs::PermissionsExt;
    for p in [path.to_path_buf(), file::wal_path(path)] {
        let Ok(m) = std::fs::metadata(&p) else { continue };
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            r.problem(
                "permissions",
                &format!("{} is {mode:04o}: others can read the ledger and password hashes", p.display()),
                &format!("chmod 600 {} (and run rungs with umask 077; the systemd unit does)", p.display()),
            );
        } else {
            r.ok("permissions", &format!("{} is {mode:04o}", p.display()));
        }
    }
}

#[cfg(not(unix))]
fn permissions(_: &Path, _: &mut Report) {}

/// The credential issuer's signing key: whoever reads it can issue credentials in the
/// organization's name. Made 0600 by `init`, `serve` and `demo`.
#[cfg(unix)]
fn key_file(path: &Path, r: &mut Report) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(m) = std::fs::metadata(path) else {
        return r.ok("issuer key", &format!("{} not made yet (init, serve and demo make it, mode 0600)", path.display()));
    };
    let mode = m.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        r.problem(
            "issuer key",
            &format!("{} is {mode:04o}: others can sign credentials in the organization's name", path.display()),
            &format!("chmod 600 {} (owned by the user rungs runs as)", path.display()),
        );
    } else {
        r.ok("issuer key", &format!("{} is {mode:04o}", path.display()));
    }
}

#[cfg(not(unix))]
fn key_file(_: &Path, _: &mut Report) {}

#[cfg(unix)]
fn config_file(path: &Path, r: &mut Report) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(text) = std::fs::read_to_string(path) else { return };
    let Ok(m) = std::fs::metadata(path) else { return };
    let mode = m.permissions().mode() & 0o777;
    let holds_secret = text.lines().any(|l| crate::config::is_secret(l.split('=').next().unwrap_or("").trim()));
    if holds_secret && mode & 0o077 != 0 {
        r.problem(
            "permissions",
            &format!("{} holds a secret and is {mode:04o}", path.display()),
            &format!("chmod 600 {} (owned by the user rungs runs as)", path.display()),
        );
    } else {
        r.ok("permissions", &format!("{} is {mode:04o}", path.display()));
    }
}

#[cfg(not(unix))]
fn config_file(_: &Path, _: &mut Report) {}

/// The newest ledger entry must not be in the future: a clock set back would record
/// new events before old ones.
fn ledger_clock(newest: Option<chrono::DateTime<chrono::Utc>>, r: &mut Report) {
    let now = chrono::Utc::now();
    match newest {
        Some(t) if t > now + chrono::Duration::minutes(5) => r.problem(
            "clock",
            &format!("the ledger's newest entry was recorded at {t}, after the clock's now ({now})"),
            "set the clock right (enable NTP: timedatectl set-ntp true) before writing more",
        ),
        Some(t) => r.ok("clock", &format!("now {now}; the ledger's newest entry {t}")),
        None => r.ok("clock", &format!("now {now}; the ledger is empty")),
    }
}

/// A clock before this build was made is certainly wrong.
fn clock(r: &mut Report) {
    let now = chrono::Utc::now();
    if now.timestamp() < 1_767_225_600 {
        r.problem("clock", &format!("the clock says {now}, before 2026"), "set the clock right (enable NTP: timedatectl set-ntp true)");
    }
}
