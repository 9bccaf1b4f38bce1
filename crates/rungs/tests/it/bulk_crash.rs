//! A bulk load killed with `kill -9` midway (the demo's, into a new database) leaves
//! the ledger as it was — empty, with every index — and running the demo again on
//! that file says so instead of serving an empty organization.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

const EVENT_INDEXES: [&str; 5] =
    ["events_by_subject", "events_idempotency_key", "events_recognition_by_actor", "events_recognition_feed", "events_reversed_once"];

fn count(c: &rusqlite::Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

#[test]
fn a_demo_killed_mid_load_leaves_an_empty_ledger_with_every_index() {
    let dir = tempdir();
    let db = db(dir.path(), "crash.db");
    let mut child = rungs().args(["demo", "--db", &db, "--people", "3000", "--no-serve"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    // The organization is committed just before the load begins; give the load a
    // moment to write, then kill it.
    let started = Instant::now();
    loop {
        let orgs = rusqlite::Connection::open(&db).map_or(0, |c| count(&c, "SELECT count(*) FROM organizations"));
        if orgs > 0 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let c = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let mut st = c.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").unwrap();
    let names: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    for want in EVENT_INDEXES {
        assert!(names.iter().any(|n| n == want), "index {want} is missing after kill -9: {names:?}");
    }
    let events = count(&c, "SELECT count(*) FROM events");
    let people = count(&c, "SELECT count(*) FROM people");
    drop(st);
    drop(c);
    if events == 0 {
        assert_eq!(people, 0, "no person without their events");
        let out = run(&["demo", "--db", &db, "--no-serve"], 1);
        assert!(stderr(&out).contains("empty ledger"), "a clear error: {}", stderr(&out));
    } else {
        // Killed after the commit (a very fast machine): then everything is there.
        println!("the load had committed before the kill ({events} events, {people} people)");
        assert!(people > 0);
    }
}
