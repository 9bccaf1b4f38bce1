//! `GET /api/v1/opportunities/{id}`: one opportunity.

use axum::Json;
use axum::extract::State;
use rungs_app::opportunities::OpportunityView;
use rungs_core::OpportunityId;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// One opportunity with the applications the caller may see.
#[utoipa::path(
    get,
    path = "/api/v1/opportunities/{id}",
    tag = "opportunities",
    security(("bearer" = [])),
    params(("id" = OpportunityId, Path, description = "Opportunity id")),
    responses((status = 200, body = OpportunityView))
)]
#[tracing::instrument(skip_all)]
pub async fn get_opportunity(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<OpportunityId>) -> ApiResult<Json<OpportunityView>> {
    Ok(Json(rungs_app::opportunities::get(state.store.as_ref(), &viewer, id).await?))
}
