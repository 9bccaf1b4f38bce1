//! `rungs backup --out FILE` and `rungs restore FILE --db TARGET` (docs/operations.md,
//! "Backups and restores").
//!
//! The backup copies a live SQLite database while the server keeps writing (SQLite's
//! `VACUUM INTO`, one read transaction: the copy is the database as of one commit),
//! then proves the copy: SQLite's integrity check, and the SHA-256 of its ledger (each
//! event's canonical JSON in seq order, as `migrate-store` computes it) equal to the
//! source's ledger digest up to the copy's last `seq`, and the copy's projections equal
//! to a rebuild from its ledger. Any difference exits 2 and names it.
//!
//! PostgreSQL has its own tools (pg_dump, PITR); the command prints the procedure.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use rungs_core::OrgId;
use rungs_core::store::Store;
use rungs_store::sqlite::file;
use sha2::{Digest, Sha256};

use super::{open_store, the_org};

/// What `rungs backup` and `restore` print for a PostgreSQL database.
pub const POSTGRES_PROCEDURE: &str = "\
This is a PostgreSQL database: back it up with PostgreSQL's own tools (docs/operations.md, Backups):
  logical:  pg_dump -Fc \"$RUNGS_DB\" > rungs.dump          (one consistent snapshot)
  restore:  createdb rungs_new && pg_restore -d rungs_new rungs.dump
  point-in-time recovery: a base backup (pg_basebackup, pgBackRest or WAL-G) plus
            continuous WAL archiving (archive_mode = on, archive_command)
  then check the restored copy: rungs rebuild --db postgres://…/rungs_new";

/// Events read per round trip while digesting.
const CHUNK: u32 = 5_000;

/// `issuer_key`: the credential issuer's key file, which lives beside the database,
/// not in it; the command reminds the operator to keep it with the backup.
pub async fn backup(db: &str, out: &Path, issuer_key: &Path) -> anyhow::Result<ExitCode> {
    let Some(src) = rungs_store::sqlite_file(db)? else {
        println!("{POSTGRES_PROCEDURE}");
        return Ok(ExitCode::from(2));
    };
    if !src.is_file() {
        bail!("no database at {}: nothing to back up", src.display());
    }
    let (from, to) = (src.clone(), out.to_path_buf());
    let bytes = tokio::task::spawn_blocking(move || file::backup_into(&from, &to)).await??;
    println!("copied {} to {} ({bytes} bytes)", src.display(), out.display());
    let verdict = verify_copy(db, out).await?;
    if issuer_key.is_file() {
        println!(
            "note: the credential issuer key {} is not inside the database: keep a copy with this backup, as secret as the database (docs/operations.md)",
            issuer_key.display()
        );
    }
    Ok(verdict)
}

/// Check the copy at `copy` against the live database `db`.
async fn verify_copy(db: &str, copy: &Path) -> anyhow::Result<ExitCode> {
    let (seq, problems) = {
        let copy = copy.to_path_buf();
        tokio::task::spawn_blocking(move || -> anyhow::Result<(i64, Vec<String>)> {
            let conn = file::open_read_only(&copy)?;
            Ok((file::last_seq(&conn)?, file::integrity_problems(&conn)?))
        })
        .await??
    };
    if !problems.is_empty() {
        eprintln!("the copy FAILS SQLite's integrity check:\n  {}", problems.join("\n  "));
        return Ok(ExitCode::from(2));
    }
    println!("integrity check: ok; the copy's ledger ends at seq {seq}");
    let source = open_store(db).await?;
    let org = the_org(source.as_ref()).await?;
    let want = ledger_digest(source.as_ref(), org.id, seq).await?;
    drop(source);
    let copied = open_store(&copy.to_string_lossy()).await?;
    let got = ledger_digest(copied.as_ref(), org.id, seq).await?;
    println!("ledger up to seq {seq}: source {} events sha256 {}\n                       copy   {} events sha256 {}", want.0, want.1, got.0, got.1);
    if want != got {
        eprintln!("the copy's ledger DIFFERS from the source's up to seq {seq}");
        return Ok(ExitCode::from(2));
    }
    let before = copied.all_people(org.id).await?;
    let report = copied.rebuild(org.id).await?;
    let after = copied.all_people(org.id).await?;
    if before != after {
        eprintln!("the copy's projections DIFFER from a rebuild of its ledger ({} people)", report.people);
        return Ok(ExitCode::from(2));
    }
    println!("the copy's projections equal a rebuild of its ledger ({} people); the backup is good", report.people);
    Ok(ExitCode::SUCCESS)
}

/// The count and SHA-256 of `org`'s events with `seq <= upto`, in seq order.
pub async fn ledger_digest(store: &dyn Store, org: OrgId, upto: i64) -> anyhow::Result<(u64, String)> {
    let mut sha = Sha256::new();
    let (mut after, mut n) = (0, 0u64);
    'outer: loop {
        let chunk = store.export_events(org, after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        for e in &chunk {
            if e.seq > upto {
                break 'outer;
            }
            sha.update(serde_json::to_vec(e)?);
            sha.update(b"\n");
            n += 1;
        }
    }
    Ok((n, sha.finalize().iter().map(|b| format!("{b:02x}")).collect()))
}

pub async fn restore(from: &Path, db: &str) -> anyhow::Result<ExitCode> {
    let Some(target) = rungs_store::sqlite_file(db)? else {
        println!("{POSTGRES_PROCEDURE}");
        return Ok(ExitCode::from(2));
    };
    let source = from.to_path_buf();
    let (seq, version) = tokio::task::spawn_blocking(move || -> anyhow::Result<(i64, Option<i64>)> {
        let conn = file::open_read_only(&source).with_context(|| format!("cannot read the backup {}", source.display()))?;
        let problems = file::integrity_problems(&conn)?;
        if !problems.is_empty() {
            bail!("the backup {} fails SQLite's integrity check: {}", source.display(), problems.join("; "));
        }
        Ok((file::last_seq(&conn)?, file::schema_version(&conn)?))
    })
    .await??;
    let Some(version) = version else { bail!("{} is not a rungs database (it has no schema_migrations table)", from.display()) };
    let (f, t) = (from.to_path_buf(), target.clone());
    let bytes = tokio::task::spawn_blocking(move || file::restore_into(&f, &t)).await??;
    println!("restored {} into {} ({bytes} bytes, schema version {version}, ledger up to seq {seq})", from.display(), target.display());
    // Opening applies any newer migrations, as `serve` would.
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let (n, sha) = ledger_digest(store.as_ref(), org.id, i64::MAX).await?;
    println!("ledger: {n} events, sha256 {sha}");
    Ok(ExitCode::SUCCESS)
}
