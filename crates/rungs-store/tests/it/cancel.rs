//! A read whose caller went away stops (issue 18: "work abandoned by a client that
//! went away is cancelled, not left running on the blocking pool"). Each backend's
//! test hook makes every read start with a long statement; the test drops the read's
//! future mid-statement, as a disconnect or a route's time limit does, and proves the
//! statement stopped long before it would have ended, and that the pool serves reads
//! again, every connection seeing the latest commit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rungs_core::store::Store;

use crate::support::*;

/// Start `n` reads at once and drop them all after `after`, as a route's time limit
/// does to a handler.
async fn abandon_reads(store: &Arc<dyn Store>, org: rungs_core::OrgId, n: usize, after: Duration) {
    let reads = futures_util::future::join_all((0..n).map(|_| store.all_people(org)));
    assert!(tokio::time::timeout(after, reads).await.is_err(), "the slow reads were still running when abandoned");
}

/// After the abandoned reads: reads answer at once, on every pooled connection, and
/// see a commit made after the abandonment (no connection is stuck in an old snapshot).
async fn reads_work_again(store: &Arc<dyn Store>, org: rungs_core::OrgId, started: Instant, limit: Duration) {
    let ada = hire(store, org, "Ada Late").await;
    let all = futures_util::future::join_all((0..16).map(|_| store.person(org, ada)));
    let found =
        tokio::time::timeout(limit.saturating_sub(started.elapsed()), all).await.expect("reads are served again well before the slow statements would end");
    for p in found {
        assert_eq!(p.expect("the new person is seen").name, "Ada Late");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_sqlite_read_is_interrupted_and_its_connection_serves_again() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.unwrap());
    let store: Arc<dyn Store> = sqlite.clone();
    let org = new_org(&store).await;
    hire(&store, org, "Ada").await;

    // Calibrate on this (noisy) machine: how long the hook's statement takes for a
    // small count, then pick a count that would run for about 30 s.
    const PROBE_ROWS: u64 = 1_000_000;
    sqlite.slow_reads_for_tests(PROBE_ROWS);
    let t = Instant::now();
    store.all_people(org).await.unwrap();
    let per_probe = t.elapsed().max(Duration::from_millis(1));
    let would_take = Duration::from_secs(30);
    let rows = PROBE_ROWS * (would_take.as_millis() / per_probe.as_millis()).max(1) as u64;
    sqlite.slow_reads_for_tests(rows);

    // More reads than the pool has connections (4): every connection is busy, and
    // one read still waits for a permit when they are all dropped.
    let started = Instant::now();
    abandon_reads(&store, org, 5, Duration::from_millis(300)).await;
    sqlite.slow_reads_for_tests(0);

    // The blocking threads stop working: the store's instruction count stands still.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = sqlite.work();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sqlite.work().kilo_ops, before.kilo_ops, "an abandoned statement is still running");
    reads_work_again(&store, org, started, would_take / 6).await;
    assert!(started.elapsed() < would_take / 6, "everything was free again in {:?}, the statements alone would take {would_take:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_postgres_read_is_cancelled_on_the_server() {
    let Some(db) = PgDb::new().await else { return };
    let org = new_org(&db.store).await;
    hire(&db.store, org, "Ada").await;
    let would_take = Duration::from_secs(60);
    db.pg.slow_reads_for_tests(u64::try_from(would_take.as_millis()).unwrap());

    // More reads than the pool's 8 connections, abandoned mid-statement.
    let started = Instant::now();
    abandon_reads(&db.store, org, 9, Duration::from_millis(500)).await;
    db.pg.slow_reads_for_tests(0);

    // The server stops the statements (seen from an unrelated connection).
    let (admin, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let running = async || -> i64 {
        let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()";
        admin.query_one(sql, &[]).await.unwrap().get(0)
    };
    while running().await > 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "abandoned statements still run on the server after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    reads_work_again(&db.store, org, started, would_take / 6).await;
}
