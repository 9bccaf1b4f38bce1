//! The conformance suite against SQLite, plus checks only SQLite has: the file, its
//! triggers, its migrations.

use std::sync::Arc;

use rungs_core::PersonId;
use rungs_core::store::Store;

use crate::support::*;

conformance_suite!(Some(SqliteDb::new().await));

#[tokio::test]
async fn ledger_rows_cannot_be_updated_or_deleted() {
    let db = SqliteDb::new().await;
    let org = new_org(&db.store).await;
    hire(&db.store, org, "Ada").await;
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let err = conn.execute("UPDATE events SET kind = 'promotion'", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = conn.execute("DELETE FROM events", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let n: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn migrations_are_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/rungs.db");
    let url = format!("sqlite://{}", path.display());
    let store = rungs_store::open(&url).await.unwrap();
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    drop(store);
    let store = rungs_store::open(&url).await.unwrap();
    assert_eq!(store.person(org, ada).await.unwrap().name, "Ada", "reopening keeps the data");
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> =
        conn.prepare("SELECT version FROM schema_migrations ORDER BY version").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let known: Vec<i64> = rungs_store::sqlite::migrate::MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(versions, known);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rungs.db");
    drop(rungs_store::open_sqlite(&path).await.unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)", []).unwrap();
    drop(conn);
    let err = rungs_store::open_sqlite(&path).await.err().expect("refused");
    assert!(matches!(err, rungs_store::OpenError::SchemaTooNew { found: 9999, .. }), "{err}");
}

#[tokio::test]
async fn acknowledged_appends_survive_reopening() {
    let db = SqliteDb::new().await;
    let org = new_org(&db.store).await;
    let ada = hire(&db.store, org, "Ada").await;
    let w = append1(&db.store, event(org, ada, day(1), win("kept"))).await;
    // Read through a connection of its own, as a new process after a crash would.
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM events WHERE id = ?1", [w.id.as_bytes()], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_batch_in_a_commit_group_fails_alone() {
    let db = SqliteDb::new().await;
    let store: Arc<dyn Store> = db.store.clone();
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    // Interleave good and bad appends so they share commit groups.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            let subject = if i % 4 == 0 { PersonId::new() } else { ada };
            tokio::spawn(async move { (i, try_append1(&store, event(org, subject, day(1 + i), win("w"))).await) })
        })
        .collect();
    for t in tasks {
        let (i, r) = t.await.unwrap();
        assert_eq!(r.is_ok(), i % 4 != 0, "append {i}: {r:?}");
    }
    assert_eq!(store.person(org, ada).await.unwrap().micro_progressions, 30);
}

#[tokio::test]
async fn a_second_process_writing_the_same_file_is_not_overwritten_by_the_writers_people_cache() {
    let db = SqliteDb::new().await;
    let org = new_org(&db.store).await;
    let ada = hire(&db.store, org, "Ada").await;
    append1(&db.store, event(org, ada, day(10), win("first"))).await;
    // Another process (think `rungs import` beside `rungs serve`) promotes Ada.
    let other: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&db.path()).await.unwrap());
    append1(&other, event(org, ada, day(20), promotion("l3"))).await;
    drop(other);
    // The first store's writer remembers Ada at l2; its next append must see the promotion.
    append1(&db.store, event(org, ada, day(30), win("second"))).await;
    let p = db.store.person(org, ada).await.unwrap();
    assert_eq!(p.position.level, "l3", "the promotion written by the other process survives");
    assert_eq!(p.micro_progressions, 2);
    let before = db.store.all_people(org).await.unwrap();
    db.store.rebuild(org).await.unwrap();
    assert_eq!(db.store.all_people(org).await.unwrap(), before);
}

#[tokio::test]
async fn the_framework_cache_sees_a_change_made_by_another_process() {
    let db = SqliteDb::new().await;
    let org = new_org(&db.store).await;
    let mut fw = rungs_core::framework::Framework::default();
    db.store.save_framework(org, &fw).await.unwrap();
    assert_eq!(*db.store.framework(org).await.unwrap(), fw, "read once: now cached");
    let other: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&db.path()).await.unwrap());
    fw.competencies.push(rungs_core::framework::Competency { key: "testing".into(), name: "Testing".into(), category: "craft".into() });
    other.save_framework(org, &fw).await.unwrap();
    assert_eq!(*db.store.framework(org).await.unwrap(), fw, "the cached copy was replaced");
}
