//! A time limit per route class (docs/CONFIGURATION.md): pages, the API, imports. A
//! request still running at its limit is answered `503` with `Retry-After`
//! (problem+json for the API, a short HTML page otherwise) instead of running on.
//!
//! The answer drops the handler's future, which cancels its async work at its next
//! await: a read waiting for a pool connection, a write waiting for the writer, a body
//! still arriving. A read already running is stopped by the store when its future is
//! dropped (a SQLite statement on a blocking thread is interrupted, a PostgreSQL one
//! cancelled on the server: `rungs-store`'s `sqlite/cancel.rs`, `postgres/cancel.rs`),
//! the same as when the client hangs up. Writes are never cut halfway: a write whose
//! commit was already queued may still commit, so the client retries with the same
//! `Idempotency-Key`, which replays the first result.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::api::error::{problem, problem_response};

/// Which limit a request falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    Page,
    Api,
    Import,
}

/// The class of a request path.
pub fn class_of(path: &str) -> RouteClass {
    let import = path.ends_with("/bulk") || path.contains("/import") || path.ends_with("/yaml") || path.ends_with("/matrix") || path.ends_with("/markdown");
    match (import, path.starts_with("/api/")) {
        (true, _) => RouteClass::Import,
        (false, true) => RouteClass::Api,
        (false, false) => RouteClass::Page,
    }
}

/// Seconds a client is asked to wait after a timeout.
const RETRY_AFTER_SECS: u64 = 5;

/// Answer 503 when the request outlives its class's limit.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let class = class_of(req.uri().path());
    let limit: Duration = match class {
        RouteClass::Page => state.config.page_timeout,
        RouteClass::Api => state.config.api_timeout,
        RouteClass::Import => state.config.import_timeout,
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(?class, limit_secs = limit.as_secs_f64(), "request timed out: answered 503, its work cancelled");
            let detail = format!("the request took longer than this server allows ({} s); try again later", limit.as_secs());
            let mut res = match class {
                RouteClass::Page => {
                    (StatusCode::SERVICE_UNAVAILABLE, Html(format!("<!doctype html><title>Try again</title><h1>Try again</h1><p>{detail}.</p>")))
                        .into_response()
                }
                _ => problem_response(&problem(StatusCode::SERVICE_UNAVAILABLE, detail, vec![])),
            };
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_their_class() {
        assert_eq!(class_of("/api/v1/events/bulk"), RouteClass::Import);
        assert_eq!(class_of("/people/import"), RouteClass::Import);
        assert_eq!(class_of("/api/v1/events"), RouteClass::Api);
        assert_eq!(class_of("/timeline"), RouteClass::Page);
    }
}
