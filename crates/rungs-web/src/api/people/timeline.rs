//! `GET /api/v1/people/{id}/timeline`.

use axum::Json;
use axum::extract::State;
use rungs_app::people::TimelineEntry;
use rungs_core::PersonId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// A person's whole timeline, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<TimelineEntry>,
}

/// Everything that happened to a person, newest first; reversed events stay, marked
/// with `reversed_by`.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/timeline",
    tag = "people",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id")),
    responses((status = 200, body = Timeline))
)]
#[tracing::instrument(skip_all)]
pub async fn get_timeline(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<PersonId>) -> ApiResult<Json<Timeline>> {
    let items = rungs_app::people::timeline(state.store.as_ref(), &viewer, id).await?;
    Ok(Json(Timeline { items }))
}
