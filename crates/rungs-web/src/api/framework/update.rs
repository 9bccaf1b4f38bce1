//! `PUT /api/v1/framework`.

use axum::Json;
use axum::extract::State;
use rungs_core::framework::Framework;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, JsonBody};

/// Replace the career framework (people team only). Keys must be well-formed and
/// unique and every track needs at least one level.
#[utoipa::path(
    put,
    path = "/api/v1/framework",
    tag = "framework",
    security(("bearer" = ["admin"])),
    request_body = Framework,
    responses((status = 200, description = "The framework as saved.", body = Framework))
)]
#[tracing::instrument(skip_all)]
pub async fn update_framework(State(state): State<AppState>, Admin(viewer): Admin, body: JsonBody<Framework>) -> ApiResult<Json<Framework>> {
    Ok(Json(rungs_app::framework::replace(state.store.as_ref(), &viewer, body.value).await?))
}
