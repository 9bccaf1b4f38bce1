//! A store that cannot write: a disk that fills up under the server. Writes answer
//! 503 `unavailable` with `Retry-After` (not 500), `/healthz` stays 200 (the process
//! lives) while `/readyz` turns 503 naming the cause, and both recover once space is
//! back. The disk is real: a small tmpfs mounted for the test (skipped, loudly, where
//! mounting is not allowed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use rungs_core::store::Store;
use serde_json::Value;

use crate::support::win;

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir.path()).output().is_ok_and(|o| o.status.success());
        if !ok {
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: disk-full test (cannot mount a tmpfs here; it needs root) ***\n");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill every free byte with a ballast file; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("ballast");
        let mut f = std::fs::File::create(&path).expect("ballast");
        for chunk in [1 << 20, 4096, 512, 1] {
            let buf = vec![0u8; chunk];
            while f.write_all(&buf).and_then(|()| f.sync_all()).is_ok() {}
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

struct App {
    router: axum::Router,
    token: String,
    admin: rungs_core::PersonId,
}

impl App {
    async fn send(&self, method: Method, path: &str, body: Option<&Value>, token: bool) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut b = axum::http::Request::builder().method(method).uri(path);
        if token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        }
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                axum::body::Body::from(v.to_string())
            }
            None => axum::body::Body::empty(),
        };
        let res = self.router.clone().oneshot(b.body(body).unwrap()).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        (status, headers, res.into_body().collect().await.unwrap().to_bytes().to_vec())
    }
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_with_retry_after_and_readiness_follows_it_both_ways() {
    let Some(disk) = SmallDisk::mount("16m") else { return };
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&disk.path().join("rungs.db")).await.expect("open"));
    let init = rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.expect("init");
    // Probe on every /readyz, so the test need not wait out the interval.
    let state = rungs_web::AppState::new(store.clone()).with_ready_probe_every(Duration::ZERO);
    let app = App { router: rungs_web::router(state), token: init.token, admin: init.admin.id };

    let (status, _, body) = app.send(Method::GET, "/readyz", None, false).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["status"], "ready");
    let (status, ..) = app.send(Method::POST, "/api/v1/events", Some(&win(app.admin, "Before the disk filled")), true).await;
    assert_eq!(status, StatusCode::CREATED);

    // The disk fills. Writes soon fail (the WAL may still have room for a few).
    let ballast = disk.fill();
    let mut refused = None;
    for i in 0..500 {
        let (status, headers, body) = app.send(Method::POST, "/api/v1/events", Some(&win(app.admin, &format!("Win {i} on a full disk"))), true).await;
        match status {
            StatusCode::CREATED => continue,
            _ => {
                refused = Some((status, headers, body));
                break;
            }
        }
    }
    let (status, headers, body) = refused.expect("a write failed once the disk was full");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(headers[header::RETRY_AFTER], "5");
    let problem = json(&body);
    assert_eq!(problem["type"], "urn:rungs:problem:unavailable", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("full"), "the cause is named: {problem}");

    // Alive, but not ready; reads still answer.
    assert_eq!(app.send(Method::GET, "/healthz", None, false).await.0, StatusCode::OK);
    let (status, headers, body) = app.send(Method::GET, "/readyz", None, false).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers[header::RETRY_AFTER], "5");
    let problem = json(&body);
    assert!(problem["detail"].as_str().unwrap().contains("full"), "{problem}");
    assert_eq!(app.send(Method::GET, "/api/v1/me", None, true).await.0, StatusCode::OK);

    // Space comes back: the next probe write succeeds, and so do writes.
    std::fs::remove_file(ballast).unwrap();
    let (status, _, body) = app.send(Method::GET, "/readyz", None, false).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = app.send(Method::POST, "/api/v1/events", Some(&win(app.admin, "After space came back")), true).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    drop(app);
    drop(store);
}

/// Between probes, readiness answers from what it last learned: a write that failed
/// with "unavailable" turns it 503 at once, without waiting for the next probe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_failing_for_lack_of_space_turns_readiness_off_before_the_next_probe() {
    let Some(disk) = SmallDisk::mount("16m") else { return };
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&disk.path().join("rungs.db")).await.expect("open"));
    let init = rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.expect("init");
    let state = rungs_web::AppState::new(store.clone()).with_ready_probe_every(Duration::from_secs(3600));
    let app = App { router: rungs_web::router(state), token: init.token, admin: init.admin.id };
    assert_eq!(app.send(Method::GET, "/readyz", None, false).await.0, StatusCode::OK);
    let _ballast = disk.fill();
    let mut refused = false;
    for i in 0..500 {
        if app.send(Method::POST, "/api/v1/events", Some(&win(app.admin, &format!("Win {i}"))), true).await.0 == StatusCode::SERVICE_UNAVAILABLE {
            refused = true;
            break;
        }
    }
    assert!(refused, "a write failed with 503 once the disk was full");
    // The last probe (ready) is recent, yet readiness reports the failure.
    let (status, _, body) = app.send(Method::GET, "/readyz", None, false).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&body));
    drop(app);
    drop(store);
}
