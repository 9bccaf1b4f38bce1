//! `TestApp`: a fresh organization in a fresh SQLite file, an admin token, and typed
//! helpers to drive the router without a socket.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rungs_core::PersonId;
use rungs_core::person::Role;
use rungs_core::store::Store;
use rungs_web::{AppState, WebConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub store: Arc<dyn Store>,
    pub org: rungs_core::OrgId,
    pub admin_id: PersonId,
    /// Bearer secret of the people-team admin made by `init`.
    pub admin: String,
    _dir: tempfile::TempDir,
}

/// A small org chart: a manager with one report, and someone outside their team.
pub struct Team {
    pub manager_id: PersonId,
    pub manager: String,
    pub report_id: PersonId,
    pub report: String,
    pub outsider_id: PersonId,
    pub outsider: String,
}

pub struct TestAppBuilder {
    config: WebConfig,
}

impl TestAppBuilder {
    pub fn config(mut self, config: WebConfig) -> Self {
        self.config = config;
        self
    }

    pub async fn build(self) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.expect("open sqlite"));
        let init = rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.expect("init");
        let state = AppState::new(store.clone()).with_config(self.config);
        TestApp { router: rungs_web::router(state), store, org: init.org.id, admin_id: init.admin.id, admin: init.token, _dir: dir }
    }
}

impl TestAppBuilder {
    /// Like [`build`](Self::build), also handing back the SQLite store itself, whose
    /// `work()` counts what it has read (`scale.rs`).
    pub async fn build_counted(self) -> (TestApp, Arc<rungs_store::SqliteStore>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.expect("open sqlite"));
        let store: Arc<dyn Store> = sqlite.clone();
        let init = rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.expect("init");
        let state = AppState::new(store.clone()).with_config(self.config);
        (TestApp { router: rungs_web::router(state), store, org: init.org.id, admin_id: init.admin.id, admin: init.token, _dir: dir }, sqlite)
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder { config: WebConfig::default() }
    }

    pub async fn new() -> TestApp {
        Self::builder().build().await
    }

    pub async fn request(&self, req: Request<Body>) -> TestResponse {
        let res = self.router.clone().oneshot(req).await.expect("router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body }
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Vec<u8>>, extra: &[(&str, &str)]) -> TestResponse {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        self.request(b.body(body.map_or_else(Body::empty, Body::from)).expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn get_anonymous(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, None, &[]).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.send(Method::POST, path, Some(token), Some(body.to_string().into_bytes()), &[]).await
    }

    pub async fn post_json_with_key(&self, path: &str, token: &str, key: &str, body: &Value) -> TestResponse {
        self.send(Method::POST, path, Some(token), Some(body.to_string().into_bytes()), &[("Idempotency-Key", key)]).await
    }

    pub async fn post_raw(&self, path: &str, token: &str, body: impl Into<Vec<u8>>) -> TestResponse {
        self.send(Method::POST, path, Some(token), Some(body.into()), &[]).await
    }

    pub async fn patch_json(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.send(Method::PATCH, path, Some(token), Some(body.to_string().into_bytes()), &[]).await
    }

    pub async fn put_json(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.send(Method::PUT, path, Some(token), Some(body.to_string().into_bytes()), &[]).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> TestResponse {
        self.send(Method::DELETE, path, Some(token), None, &[]).await
    }

    /// Hire someone through the API as the admin.
    pub async fn hire(&self, name: &str, manager: Option<PersonId>) -> PersonId {
        let res = self.post_json("/api/v1/people", &self.admin, &hire_body(name, manager)).await;
        res.assert_status(StatusCode::CREATED);
        res.json()["id"].as_str().unwrap().parse().unwrap()
    }

    /// A token for `person` with `role`, made directly through the use case.
    pub async fn token_for(&self, person: PersonId, role: Role) -> String {
        rungs_app::tokens::create(self.store.as_ref(), self.org, person, role, "test").await.expect("token").1
    }

    pub async fn team(&self) -> Team {
        let manager_id = self.hire("Mona Manager", None).await;
        let report_id = self.hire("Rex Report", Some(manager_id)).await;
        let outsider_id = self.hire("Olga Outsider", None).await;
        Team {
            manager: self.token_for(manager_id, Role::Manager).await,
            report: self.token_for(report_id, Role::Employee).await,
            outsider: self.token_for(outsider_id, Role::Employee).await,
            manager_id,
            report_id,
            outsider_id,
        }
    }

    /// Events in the ledger and people in the projection, to prove a refusal changed nothing.
    pub async fn counts(&self) -> (u64, u64) {
        let s = self.store.stats().await.expect("stats");
        (s.events, s.people)
    }

    pub async fn record(&self, token: &str, event: &Value) -> TestResponse {
        self.post_json("/api/v1/events", token, event).await
    }
}

/// Send `req` to `router` (for tests that build their own application state).
pub async fn send_to(router: &Router, req: Request<Body>) -> TestResponse {
    let res = router.clone().oneshot(req).await.expect("router is infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    TestResponse { status, headers, body }
}

pub fn hire_body(name: &str, manager: Option<PersonId>) -> Value {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    json!({
        "name": name,
        "email": email,
        "manager_id": manager,
        "department": "Platform",
        "position": {"track": "engineering", "level": "e2", "title": "Engineer"},
        "pay_band": "B2",
        "sensitive": {"gender": "f"}
    })
}

/// A micro-progression for `subject`.
pub fn win(subject: PersonId, title: &str) -> Value {
    json!({
        "subject": subject,
        "kind": "micro_progression",
        "payload": {"category": "skill", "magnitude": "micro", "title": title},
        "competencies": ["testing"]
    })
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    #[track_caller]
    pub fn assert_status(&self, want: StatusCode) -> &Self {
        assert_eq!(self.status, want, "body: {}", self.text());
        self
    }

    /// Assert an RFC 9457 problem with `status`; returns the document.
    #[track_caller]
    pub fn problem(&self, status: StatusCode) -> Value {
        self.assert_status(status);
        let ct = self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(ct, "application/problem+json", "body: {}", self.text());
        let p = self.json();
        assert_eq!(p["status"], status.as_u16(), "{p}");
        for k in ["type", "title", "detail"] {
            assert!(p[k].is_string(), "problem lacks {k}: {p}");
        }
        assert!(p["errors"].is_array(), "{p}");
        p
    }

    /// The `field` of every entry in a problem's `errors`.
    #[track_caller]
    pub fn fields(&self, status: StatusCode) -> Vec<String> {
        let p = self.problem(status);
        p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect()
    }
}
