//! `GET /api/v1/people/{id}/badges`.

use axum::Json;
use axum::extract::State;
use rungs_app::badges::Held;
use rungs_core::PersonId;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// The badges a person holds, newest first, each with the rule met (or the reason
/// given by hand) and the events that earned it. Who may read the timeline may read
/// these.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/badges",
    tag = "badges",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id")),
    responses((status = 200, body = Vec<Held>))
)]
#[tracing::instrument(skip_all)]
pub async fn list_person_badges(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<PersonId>) -> ApiResult<Json<Vec<Held>>> {
    Ok(Json(rungs_app::badges::held(state.store.as_ref(), &viewer, id).await?))
}
