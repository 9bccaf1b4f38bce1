//! The conformance suite against SQLite, plus checks only SQLite has: the file, its
//! triggers, its migrations.

use std::sync::Arc;

use rungs_core::PersonId;
use rungs_core::store::Store;

use crate::support::*;

/// One `#[tokio::test]` per conformance function, each on a fresh database file.
macro_rules! sqlite_conformance {
    ($($module:ident :: $name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let db = SqliteDb::new().await;
            crate::conformance::$module::$name(db.store.clone()).await;
        }
    )*};
}

sqlite_conformance!(
    ledger::appends_and_reads_back_events,
    ledger::a_batch_with_one_bad_event_appends_nothing,
    ledger::unknown_subject_is_refused,
    ledger::hiring_someone_twice_is_refused,
    ledger::an_event_before_the_hire_is_refused,
    ledger::reversal_of_a_reversal_is_refused,
    ledger::a_reversal_must_target_an_event_of_the_same_person,
    ledger::an_event_is_reversed_at_most_once,
    ledger::concurrent_writers_lose_and_duplicate_nothing,
    ledger::cursor_pagination_visits_every_event_once,
    idempotency::idempotency_key_replays_and_appends_nothing,
    idempotency::same_key_different_body_is_a_conflict,
    idempotency::a_refused_request_does_not_use_up_its_key,
    idempotency::an_event_key_replays_a_lone_event_and_conflicts_in_a_batch,
    people::people_pagination_and_search,
    people::reports_include_indirect_reports,
    people::duplicate_email_is_a_conflict,
    people::a_departure_ends_employment,
    rebuild::rebuild_equals_live_state,
    rebuild::rebuild_of_an_unknown_org_is_not_found,
    admin::organizations_and_frameworks_round_trip,
    admin::revoked_tokens_no_longer_authenticate,
    sessions::a_password_follows_the_persons_current_email,
    sessions::sessions_expire_and_can_be_deleted,
);

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
async fn postgres_urls_are_refused_for_now() {
    let err = rungs_store::open("postgres://rungs@localhost/rungs").await.err().expect("refused");
    assert!(err.to_string().contains("PostgreSQL backend not built yet"), "{err}");
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
