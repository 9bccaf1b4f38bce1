//! `POST /api/v1/events/bulk`: record up to 10,000 events atomically.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rungs_app::events::MAX_BULK;
use rungs_core::ValidationError;
use rungs_core::event::{Event, EventInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::event_input;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody, KeyClaim};

/// Events to record together.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkEvents {
    /// 1 to 10,000 events; all are recorded or none.
    #[schema(value_type = Vec<EventInput>, min_items = 1, max_items = 10000)]
    pub events: Vec<Value>,
}

/// The events as recorded, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkRecorded {
    pub events: Vec<Event>,
}

/// Record many events in one transaction: if any is invalid or not allowed, none is
/// recorded and each problem is named as `events[i].field`. Honours `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/events/bulk",
    tag = "events",
    security(("bearer" = [])),
    request_body = BulkEvents,
    responses((status = 201, description = "All events recorded.", body = BulkRecorded))
)]
#[tracing::instrument(skip_all, fields(events))]
pub async fn create_events(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<BulkEvents>,
) -> ApiResult<(StatusCode, Json<BulkRecorded>)> {
    let items = body.value.events;
    tracing::Span::current().record("events", items.len());
    if items.len() > MAX_BULK {
        return Err(ValidationError::single("events", format!("must contain at most {MAX_BULK} events, got {}", items.len())).into());
    }
    let mut errors = ValidationError::new();
    let mut inputs = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match event_input(item) {
            Ok(input) => inputs.push(input),
            Err(e) => errors.errors.extend(e.nested(&format!("events[{i}]")).errors),
        }
    }
    errors.into_result()?;
    // A single-event batch gets unprefixed field names from the use case; keep the
    // `events[0].` prefix so clients see one shape whatever the batch size.
    let single = inputs.len() == 1;
    let appended = rungs_app::events::record(state.store.as_ref(), &viewer, inputs, claim).await.map_err(|e| match e {
        rungs_app::AppError::Invalid(v) if single => rungs_app::AppError::Invalid(v.nested("events[0]")),
        other => other,
    })?;
    Ok((StatusCode::CREATED, Json(BulkRecorded { events: appended.events })))
}
