//! `POST /api/v1/opportunities/{id}/close`: stop taking applications.

use axum::Json;
use axum::extract::State;
use rungs_app::opportunities::OpportunityView;
use rungs_core::OpportunityId;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// Close an opportunity to new applications (its owner or the people team). Accepted
/// work can still be completed. Closing twice is fine.
#[utoipa::path(
    post,
    path = "/api/v1/opportunities/{id}/close",
    tag = "opportunities",
    security(("bearer" = [])),
    params(("id" = OpportunityId, Path, description = "Opportunity id")),
    responses((status = 200, description = "The opportunity, closed.", body = OpportunityView))
)]
#[tracing::instrument(skip_all)]
pub async fn close_opportunity(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<OpportunityId>) -> ApiResult<Json<OpportunityView>> {
    Ok(Json(rungs_app::opportunities::close(state.store.as_ref(), &viewer, id).await?))
}
