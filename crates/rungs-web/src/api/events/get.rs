//! `GET /api/v1/events/{id}`.

use axum::Json;
use axum::extract::State;
use rungs_core::EventId;
use rungs_core::event::Event;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// One event, if the caller may see its subject.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    security(("bearer" = [])),
    params(("id" = EventId, Path, description = "Event id")),
    responses((status = 200, body = Event))
)]
#[tracing::instrument(skip_all)]
pub async fn get_event(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<EventId>) -> ApiResult<Json<Event>> {
    Ok(Json(rungs_app::events::get(state.store.as_ref(), &viewer, id).await?))
}
