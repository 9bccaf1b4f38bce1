//! `GET /api/v1/people/{id}/recommendations`.

use axum::Json;
use axum::extract::State;
use rungs_core::PersonId;
use rungs_core::readiness::Recommendation;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// The gaps to the next level, ranked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendations {
    /// Readiness now, 0–100.
    pub score: u8,
    pub next_level: Option<String>,
    pub items: Vec<Recommendation>,
}

/// The gaps to the person's next level ranked by how much closing each would raise
/// readiness, each with its reason and concrete next micro-steps. Same access as the
/// timeline.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/recommendations",
    tag = "readiness",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id")),
    responses((status = 200, body = Recommendations))
)]
#[tracing::instrument(skip_all)]
pub async fn get_recommendations(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<PersonId>) -> ApiResult<Json<Recommendations>> {
    let r = rungs_app::readiness::get(state.store.as_ref(), &viewer, id).await?;
    Ok(Json(Recommendations { score: r.readiness.score, next_level: r.readiness.next_level, items: r.recommendations }))
}
