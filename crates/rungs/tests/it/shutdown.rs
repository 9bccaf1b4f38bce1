//! `rungs serve` stops on SIGTERM in bounded time, even while a slow client holds a
//! request open: it refuses new connections at once and drops what still runs after
//! the grace period (`RUNGS_SHUTDOWN_GRACE_SECS`).

use std::io::Write;
use std::time::{Duration, Instant};

use crate::support::*;

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_within_the_grace_period_despite_a_slow_request() {
    let dir = tempdir();
    let db = db(dir.path(), "term.db");
    let token = init(&db);
    let mut server = Server::start_with(&db, &[("RUNGS_SHUTDOWN_GRACE_SECS", "2")], None);
    // A client that sends its headers and only part of the body it announced: the
    // request stays in flight for as long as the client likes.
    let mut slow = std::net::TcpStream::connect(server.base.trim_start_matches("http://")).expect("connect");
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"subject\":"
    );
    slow.write_all(head.as_bytes()).expect("send the start of a request");
    std::thread::sleep(Duration::from_millis(300));

    let pid = server.child.id().to_string();
    let started = Instant::now();
    let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    assert!(sent.success());
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "rungs serve still running {:?} after SIGTERM", started.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    assert!(status.success(), "a clean exit, not a crash: {status:?}");
    assert!(took >= Duration::from_millis(1500), "the slow request got its grace period ({took:?})");
    assert!(took < Duration::from_secs(8), "and no more ({took:?})");
    drop(slow);
}

/// A request that outlives its route class's limit is answered 503 with Retry-After
/// (problem+json for the API), and its work is dropped: the half-sent event is never
/// appended, and the server answers the next request at once.
#[test]
fn a_request_past_its_time_limit_gets_503_with_retry_after() {
    use std::io::Read;
    let dir = tempdir();
    let db = db(dir.path(), "slow.db");
    let token = init(&db);
    let server = Server::start_with(&db, &[("RUNGS_API_TIMEOUT_SECS", "1")], None);
    let mut slow = std::net::TcpStream::connect(server.base.trim_start_matches("http://")).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{{\"subject\":"
    );
    let started = Instant::now();
    slow.write_all(head.as_bytes()).expect("send the start of a request");
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("retry-after: 5"), "{answer}");
    assert!(lower.contains("content-type: application/problem+json"), "{answer}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "answered at the limit ({took:?})");
    let export = run(&["export", "--db", &db], 0);
    assert_eq!(stdout(&export).lines().filter(|l| l.contains("micro_progression")).count(), 0, "nothing was appended");
    drop(server);
}
