//! `GET /api/v1/people/{id}/readiness`.

use axum::Json;
use axum::extract::State;
use rungs_app::readiness::ReadinessReport;
use rungs_core::PersonId;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// Readiness 0–100 for the person's next level, competency by competency: the wins
/// that counted (with their weights), what is missing, the milestone modules of the
/// transition, and the gaps ranked as next steps. Formula: docs/READINESS.md. Same
/// access as the timeline (oneself, one's managers, the people team).
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/readiness",
    tag = "readiness",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id")),
    responses((status = 200, body = ReadinessReport))
)]
#[tracing::instrument(skip_all)]
pub async fn get_readiness(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<PersonId>) -> ApiResult<Json<ReadinessReport>> {
    Ok(Json(rungs_app::readiness::get(state.store.as_ref(), &viewer, id).await?))
}
