//! Upgrades: a small populated database at each released schema step, kept as SQL
//! text in `tests/fixtures/upgrade/step_NNNN.sql`, is opened by the current binary,
//! migrated, and must keep its ledger row for row and its projections equal to a
//! rebuild. Every migration file found in `crates/rungs-store/migrations/sqlite` is
//! applied on the way, so a new migration is tested against every earlier step
//! without touching this file; `FIRST..=RELEASED` says which steps must have a fixture.
//!
//! How the fixtures were made (`write_upgrade_fixtures`, ignored; run it with
//! `cargo test -p rungs --test it write_upgrade_fixtures -- --ignored` and commit the
//! new files when a migration is released): a database is populated through the
//! binary (init, a people import, micro-progressions over HTTP); then for each step N
//! that has no fixture yet, a fresh file gets migrations 1..N exactly as they are in
//! the repository, and every row of every table that exists at step N, in the columns
//! that exist at step N. Fixtures already committed are left as they are (delete one
//! to make it again). The event kinds used (hired, micro_progression) exist since
//! step 1. It needs the sqlite3 command-line tool for `.dump`.
//!
//! Steps 1 and 2 are schemas no release left behind (migrations 1–3 arrived in one
//! commit, fb5c8be) but are kept all the same: step 1 has a ledger and no people
//! projection, so it proves that a migration creating a projection is followed by a
//! fold of the ledger (`rungs_store::REFOLD_AFTER`), not left empty.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::*;

/// Steps released so far: each must have a fixture (see the header for 1 and 2).
const FIRST: i64 = 1;
const RELEASED: i64 = 20;

fn migrations_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rungs-store/migrations/sqlite")
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade")
}

/// (version, name, SQL) of every migration file, in order.
fn migrations() -> Vec<(i64, String, String)> {
    let mut out: Vec<(i64, String, String)> = std::fs::read_dir(migrations_dir())
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            let stem = p.file_stem()?.to_str()?.to_string();
            let (v, name) = stem.split_once('_')?;
            Some((v.parse().ok()?, name.to_string(), std::fs::read_to_string(&p).ok()?))
        })
        .collect();
    out.sort_by_key(|m| m.0);
    out
}

fn fixture(v: i64) -> PathBuf {
    fixtures_dir().join(format!("step_{v:04}.sql"))
}

type Row = (i64, Vec<u8>, String, String, i64, i64);

fn ledger(conn: &rusqlite::Connection) -> Vec<Row> {
    let mut s = conn.prepare("SELECT seq, id, kind, payload, occurred_at, recorded_at FROM events ORDER BY seq").unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// The people projection's ids; `None` before step 2 made the table.
fn people_ids(conn: &rusqlite::Connection) -> Option<Vec<Vec<u8>>> {
    let exists: i64 = conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'people'", [], |r| r.get(0)).unwrap();
    if exists == 0 {
        return None;
    }
    let mut s = conn.prepare("SELECT id FROM people ORDER BY id").unwrap();
    Some(s.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap())
}

#[test]
fn every_earlier_schema_step_upgrades_with_its_ledger_and_projections_intact() {
    let all = migrations();
    let newest = all.last().map(|m| m.0).unwrap();
    assert!(newest >= RELEASED);
    for v in FIRST..=RELEASED {
        assert!(fixture(v).is_file(), "no upgrade fixture for released step {v}: run write_upgrade_fixtures (see this file's header)");
    }
    let dir = tempdir();
    for v in FIRST..=RELEASED {
        let sql = std::fs::read_to_string(fixture(v)).unwrap();
        let db = dir.path().join(format!("step_{v}.db"));
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(&sql).unwrap();
        let at: i64 = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(at, v, "fixture {v} is at its step");
        let (events, people) = (ledger(&conn), people_ids(&conn));
        assert!(events.len() >= 10 && people.as_ref().is_none_or(|p| p.len() >= 4), "fixture {v} is populated");
        drop(conn);

        // Opening migrates; rebuild then proves the projections equal the ledger's fold.
        let db_s = db.to_string_lossy().into_owned();
        let out = run(&["rebuild", "--db", &db_s], 0);
        assert!(stdout(&out).contains("equals the live state"), "step {v}: {}", stdout(&out));

        let conn = rusqlite::Connection::open(&db).unwrap();
        let now: i64 = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(now, newest, "step {v} migrated to the newest schema");
        assert_eq!(ledger(&conn), events, "step {v}: the ledger is untouched by the upgrade");
        let after = people_ids(&conn).unwrap();
        match &people {
            Some(p) => assert_eq!(&after, p, "step {v}: the same people"),
            None => assert!(after.len() >= 4, "step {v}: the people projection built from the ledger"),
        }
        drop(conn);
        let out = run(&["export", "--db", &db_s], 0);
        assert_eq!(
            stdout(&out).lines().filter(|l| l.starts_with("{\"type\":\"event\"")).count(),
            events.len(),
            "step {v}: every event reads back through the store"
        );
    }
}

/// Regenerates the fixtures (see the header). Ignored: fixtures are committed files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn write_upgrade_fixtures() {
    let dir = tempdir();
    let full = db(dir.path(), "full.db");
    let token = init(&full);
    let csv = path(dir.path(), "people.csv");
    std::fs::write(
        &csv,
        "Work Email,Full Name,Manager Email,Department,Hire Date,Track,Level,Job Title\n\
         lead@acme.test,Lena Lead,,Engineering,2021-01-04,management,m2,Head of Engineering\n\
         di@acme.test,Di Dev,lead@acme.test,Engineering,2022-02-01,engineering,e2,Engineer\n\
         ed@acme.test,Ed Eng,lead@acme.test,Engineering,2023-03-01,engineering,e1,Engineer\n",
    )
    .unwrap();
    run(&["import", "people", "--db", &full, csv.to_str().unwrap()], 0);
    let server = Server::start(&full);
    let client = reqwest::Client::new();
    let people: serde_json::Value = client.get(format!("{}/api/v1/people", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let ids: Vec<String> = people["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
    for (n, id) in ids.iter().enumerate() {
        for i in 0..3 {
            let body = json!({"subject": id, "kind": "micro_progression",
                "payload": {"category": "skill", "magnitude": "nano", "title": format!("win {n}-{i}")}});
            let r = client.post(format!("{}/api/v1/events", server.base)).bearer_auth(&token).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        }
    }
    drop(server);
    std::fs::create_dir_all(fixtures_dir()).unwrap();
    let all = migrations();
    for v in (FIRST..=RELEASED).filter(|v| !fixture(*v).exists()) {
        let step = dir.path().join(format!("step_{v}.db"));
        let conn = rusqlite::Connection::open(&step).unwrap();
        conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)").unwrap();
        for (version, name, sql) in all.iter().filter(|m| m.0 <= v) {
            conn.execute_batch(sql).unwrap();
            conn.execute("INSERT INTO schema_migrations VALUES (?1, ?2, 0)", rusqlite::params![version, name]).unwrap();
        }
        copy_rows(&conn, Path::new(&full));
        drop(conn);
        let dump = std::process::Command::new("sqlite3").arg(&step).arg(".dump").output().expect("the sqlite3 tool");
        assert!(dump.status.success());
        std::fs::write(fixture(v), dump.stdout).unwrap();
    }
}

/// Every row of `full`'s tables that also exist in `conn`, in their common columns.
fn copy_rows(conn: &rusqlite::Connection, full: &Path) {
    conn.execute("ATTACH DATABASE ?1 AS src", [full.to_string_lossy()]).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let columns = |schema: &str, t: &str| -> Vec<String> {
        conn.prepare(&format!("SELECT name FROM pragma_table_info('{t}', '{schema}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for t in tables {
        let theirs = columns("src", &t);
        let cols: Vec<String> = columns("main", &t).into_iter().filter(|c| theirs.contains(c)).collect();
        if cols.is_empty() {
            continue;
        }
        let list = cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        conn.execute(&format!("INSERT INTO main.\"{t}\" ({list}) SELECT {list} FROM src.\"{t}\""), []).unwrap();
    }
    conn.execute("DETACH DATABASE src", []).unwrap();
}
