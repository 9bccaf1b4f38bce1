//! Cross-cutting request handling: one structured log line and one metrics sample per
//! request, and problem+json for the errors axum itself produces (405, 413...).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::AppState;
use crate::api::error::{PROBLEM_JSON, problem, problem_response};
use crate::metrics::UNMATCHED;

/// Log and measure every request under its matched route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map_or(UNMATCHED, |m| m.as_str()).to_string();
    let method = req.method().clone();
    let request_id = uuid::Uuid::now_v7();
    let span = tracing::info_span!("request", %method, %route, %request_id);
    let mut res = next.run(req).instrument(span.clone()).await;
    if let Some(crate::readiness::StoreUnavailable(reason)) = res.extensions_mut().remove() {
        state.readiness.note_unavailable(&reason);
    }
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    // Extension methods are client-chosen strings: fold them so labels stay bounded.
    let method_label = match method.as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "OTHER",
    };
    state.metrics.observe(&route, method_label, status, elapsed);
    span.in_scope(|| {
        tracing::info!(%method, %route, status, latency_ms = elapsed.as_secs_f64() * 1000.0, "request finished");
    });
    if let Ok(v) = HeaderValue::from_str(&request_id.to_string()) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Turn an error response that is not already problem+json (axum's 405 for a wrong
/// method, a body-limit 413 from a layer) into one, keeping headers such as `Allow`.
pub async fn problemize(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let ct = res.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    // Pages answer errors with an HTML page of their own; leave those alone.
    // SCIM answers in its own error format (`crate::scim`).
    let is_problem = ct.starts_with(PROBLEM_JSON.as_bytes()) || ct.starts_with(b"text/html") || ct.starts_with(crate::scim::SCIM_JSON.as_bytes());
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let detail = match status.as_u16() {
        405 => "this route does not support that method; see the Allow header".to_string(),
        413 => "the request body is larger than this endpoint accepts".to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    let fresh = problem_response(&problem(status, detail, vec![]));
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    drop(fresh_parts);
    Response::from_parts(parts, body).into_response()
}
