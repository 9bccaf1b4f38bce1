//! `POST /api/v1/events`: record one event.

use axum::extract::State;
use rungs_app::AppError;
use rungs_core::ValidationError;
use rungs_core::event::{Event, EventInput};
use serde_json::Value;

use super::event_input;
use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::{Auth, JsonBody, KeyClaim};

/// Record one event about a person. Who may record which kind for whom is decided by
/// the access rules (e.g. only a manager records a micro-promotion for a report).
/// Honours `Idempotency-Key`: a replay returns the same event and records nothing.
#[utoipa::path(
    post,
    path = "/api/v1/events",
    tag = "events",
    security(("bearer" = [])),
    request_body = EventInput,
    responses((status = 201, description = "Recorded; `Location` points at the event.", body = Event))
)]
#[tracing::instrument(skip_all)]
pub async fn create_event(State(state): State<AppState>, Auth(viewer): Auth, KeyClaim(claim): KeyClaim, body: JsonBody<Value>) -> ApiResult<Created<Event>> {
    let input = event_input(body.value).map_err(root_as_body)?;
    let appended = rungs_app::events::record(state.store.as_ref(), &viewer, vec![input], claim).await?;
    let event = appended.events.into_iter().next().ok_or_else(|| AppError::internal("append returned no event"))?;
    let location = format!("/api/v1/events/{}", event.id);
    Ok(created(location, event))
}

/// Name a whole-body error `body` rather than the empty field.
fn root_as_body(mut e: ValidationError) -> ValidationError {
    for f in &mut e.errors {
        if f.field.is_empty() {
            f.field = "body".to_string();
        }
    }
    e
}
