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
