//! Readiness for load balancers: can this instance's store take writes? (See
//! `crate::readiness` for how it is learned.) No authentication.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::error::{Problem, RETRY_AFTER_SECS, problem, problem_response};

#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// Always `ready` with a 200.
    pub status: &'static str,
    /// Storage backend in use: `sqlite` or `postgres`.
    pub backend: &'static str,
}

/// Can this instance take writes? 503 (problem+json naming the cause, `Retry-After`)
/// while its store cannot write: disk full, read-only, unreachable.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "system",
    responses(
        (status = 200, description = "Ready: the store takes writes.", body = Ready),
        (status = 503, description = "Not ready: the store cannot take writes now; `detail` says why. Send traffic elsewhere; `Retry-After` says when to ask again.",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds before asking again."))),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn get_ready(State(state): State<AppState>) -> Response {
    match state.readiness.check(state.store.as_ref()).await {
        Ok(()) => Json(Ready { status: "ready", backend: state.store.backend() }).into_response(),
        Err(reason) => {
            let mut res = problem_response(&problem(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}"), vec![]));
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            res
        }
    }
}
