//! `rungs backup` under a running write load, and `rungs restore`'s refusals.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::support::*;

/// Every ledger row with `seq <= upto`, as raw columns (independent of the store code).
fn raw_events(path: &std::path::Path, upto: i64) -> Vec<(i64, Vec<u8>, String, String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT seq, id, kind, payload, occurred_at FROM events WHERE seq <= ?1 ORDER BY seq").unwrap();
    stmt.query_map([upto], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_64_writing_clients_is_consistent_and_rebuilds_equal() {
    let dir = tempdir();
    let db = db(dir.path(), "live.db");
    let copy = path(dir.path(), "copy.db");
    let token = init(&db);
    let server = Server::start(&db);
    let client = reqwest::Client::new();
    let me: Value = client.get(format!("{}/api/v1/me", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let subject = me["person"]["id"].as_str().expect("me.person.id").to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for w in 0..64 {
        let (client, base, token, subject, stop, acked) = (client.clone(), server.base.clone(), token.clone(), subject.clone(), stop.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = json!({"subject": subject, "kind": "micro_progression",
                    "payload": {"category": "skill", "magnitude": "nano", "title": format!("win {w}-{i}")}});
                let r = client.post(format!("{base}/api/v1/events")).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
                acked.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    while acked.load(Ordering::Relaxed) < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = acked.load(Ordering::Relaxed);
    let (db2, copy2) = (db.clone(), copy.to_string_lossy().into_owned());
    let out = tokio::task::spawn_blocking(move || run(&["backup", "--db", &db2, "--out", &copy2], 0)).await.unwrap();
    let during = acked.load(Ordering::Relaxed) - before;
    // Keep writing a little after the copy so the source is strictly ahead of it.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    drop(server);
    let printed = stdout(&out);
    assert!(printed.contains("integrity check: ok"), "{printed}");
    assert!(printed.contains("the backup is good"), "{printed}");
    assert!(during > 0, "the server kept acknowledging writes while the backup ran");

    // Independently of the command's own checks: the copy is sound, its ledger is the
    // source's ledger cut at one seq, and its projection matches that ledger.
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let last: i64 = conn.query_row("SELECT max(seq) FROM events", [], |r| r.get(0)).unwrap();
    let source_last: i64 = rusqlite::Connection::open(&db).unwrap().query_row("SELECT max(seq) FROM events", [], |r| r.get(0)).unwrap();
    assert!(last < source_last, "the load went on after the copy ({last} vs {source_last})");
    assert!(last as usize >= before, "the copy holds every event acknowledged before it started");
    assert_eq!(raw_events(&copy, last), raw_events(std::path::Path::new(&db), last), "the copy's ledger is the source's up to seq {last}");
    let wins_in_ledger: i64 = conn.query_row("SELECT count(*) FROM events WHERE kind = 'micro_progression'", [], |r| r.get(0)).unwrap();
    drop(conn);
    let store = rungs_store::open(&copy.to_string_lossy()).await.unwrap();
    let org = store.default_org().await.unwrap().unwrap();
    let person = store.person(org.id, subject.parse().unwrap()).await.unwrap();
    assert_eq!(i64::from(person.micro_progressions), wins_in_ledger, "the copy's projection committed with its ledger");
    drop(store);
    let rebuilt = run(&["rebuild", "--db", &copy.to_string_lossy()], 0);
    assert!(stdout(&rebuilt).contains("equals the live state"));

    // Restore: into an empty place it works; over a database it is refused.
    let restored = db_path(dir.path(), "restored.db");
    let out = run(&["restore", &copy.to_string_lossy(), "--db", &restored], 0);
    assert!(stdout(&out).contains(&format!("ledger up to seq {last}")), "{}", stdout(&out));
    let refused = run(&["restore", &copy.to_string_lossy(), "--db", &db], 1);
    assert!(stderr(&refused).contains("is not empty"), "{}", stderr(&refused));
    let again = run(&["backup", "--db", &db, "--out", &copy.to_string_lossy()], 1);
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
}

fn db_path(dir: &std::path::Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn restore_refuses_a_live_database() {
    let dir = tempdir();
    let db = db(dir.path(), "live.db");
    init(&db);
    let backup = path(dir.path(), "b.db");
    run(&["backup", "--db", &db, "--out", &backup.to_string_lossy()], 0);
    let target = db_path(dir.path(), "target.db");
    // A server holding an (empty) database open: its -wal file says so.
    let server = Server::start(&target);
    let refused = run(&["restore", &backup.to_string_lossy(), "--db", &target], 1);
    assert!(stderr(&refused).contains("a server may have"), "{}", stderr(&refused));
    drop(server);
}

/// A backup and a restored copy hold the ledger and password hashes: readable by
/// their owner only, whatever the umask (`rungs doctor` would flag them otherwise).
#[cfg(unix)]
#[test]
fn backups_and_restored_databases_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let db = db(dir.path(), "live.db");
    init(&db);
    let backup = path(dir.path(), "b.db");
    let out = run(&["backup", "--db", &db, "--out", &backup.to_string_lossy()], 0);
    assert!(stdout(&out).contains(&format!("the credential issuer key {db}.issuer-key is not inside the database")), "{}", stdout(&out));
    let target = db_path(dir.path(), "restored.db");
    run(&["restore", &backup.to_string_lossy(), "--db", &target], 0);
    for (what, p) in [("the database", db.clone()), ("the backup", backup.to_string_lossy().into_owned()), ("the restored copy", target)] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{what} {p} is {mode:o}");
    }
}

#[test]
fn backup_of_a_postgres_database_prints_the_procedure() {
    let out = run(&["backup", "--db", "postgres://rungs@db.invalid/rungs", "--out", "x.db"], 2);
    assert!(stdout(&out).contains("pg_dump"), "{}", stdout(&out));
}
