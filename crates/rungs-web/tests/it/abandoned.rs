//! Work abandoned by its request stops (issue 18, shutdown and limits): when the
//! route's time limit answers 503, or the client hangs up, the SQLite statement the
//! request was running on a blocking thread is interrupted, so the store's
//! instruction count stands still at once and its read connections serve the next
//! requests. The store's test hook makes every read start with a statement calibrated
//! to run for about 30 s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use rungs_core::store::Store;
use rungs_store::SqliteStore;
use rungs_web::WebConfig;

use crate::support::TestApp;

/// What the slow statement would take if it were left to run.
const WOULD_TAKE: Duration = Duration::from_secs(30);

/// Make every read of `store` start with a statement of about [`WOULD_TAKE`] on this
/// machine (measured on a small count first: these machines are noisy).
async fn slow_reads(store: &SqliteStore, app: &TestApp) {
    const PROBE_ROWS: u64 = 1_000_000;
    store.slow_reads_for_tests(PROBE_ROWS);
    let t = Instant::now();
    app.store.person(app.org, app.admin_id).await.unwrap();
    let per_probe = t.elapsed().max(Duration::from_millis(1));
    store.slow_reads_for_tests(PROBE_ROWS * (WOULD_TAKE.as_millis() / per_probe.as_millis()).max(1) as u64);
}

/// The store's reading has stopped: its instruction count stands still.
async fn reading_stops(store: &SqliteStore, since: Instant) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = store.work();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(store.work().kilo_ops, before.kilo_ops, "the abandoned statement still runs {:?} after the request began", since.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_time_limit_stops_its_statement_and_frees_the_reader() {
    let config = WebConfig { api_timeout: Duration::from_millis(500), page_timeout: Duration::from_millis(500), ..WebConfig::default() };
    let (app, store) = TestApp::builder().config(config).build_counted().await;
    slow_reads(&store, &app).await;

    // More requests than the store has read connections (4), all at once.
    let started = Instant::now();
    let answers = futures_util::future::join_all((0..6).map(|_| app.get("/api/v1/people", &app.admin))).await;
    for res in &answers {
        res.assert_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers.get(header::RETRY_AFTER).unwrap(), "5");
    }
    assert!(started.elapsed() < Duration::from_secs(5), "answered at the limit, not after the work ({:?})", started.elapsed());
    store.slow_reads_for_tests(0);
    reading_stops(&store, started).await;

    // Every connection and thread is free: the next requests are served at once.
    let again = futures_util::future::join_all((0..8).map(|_| app.get("/api/v1/people", &app.admin))).await;
    for res in again {
        res.assert_status(StatusCode::OK);
    }
    assert!(started.elapsed() < WOULD_TAKE / 5, "served again after {:?}; the statements alone would take {WOULD_TAKE:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_stops_its_statement() {
    use tokio::io::AsyncWriteExt;
    let (app, store) = TestApp::builder().build_counted().await;
    let sqlite: Arc<SqliteStore> = store.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = rungs_web::AppState::new(sqlite.clone() as Arc<dyn Store>);
    let server = tokio::spawn(rungs_web::serve(listener, state, std::future::pending()));
    slow_reads(&store, &app).await;

    // A request whose limit (30 s) is far off; the client leaves after 300 ms.
    let started = Instant::now();
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /api/v1/people HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n", app.admin);
    client.write_all(head.as_bytes()).await.unwrap();
    let at_send = store.work().kilo_ops;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(store.work().kilo_ops > at_send, "the request is running its statement");
    drop(client);
    store.slow_reads_for_tests(0);
    reading_stops(&store, started).await;
    assert!(started.elapsed() < WOULD_TAKE / 5, "stopped after {:?}", started.elapsed());
    server.abort();
}
