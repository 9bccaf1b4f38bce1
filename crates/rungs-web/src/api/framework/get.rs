//! `GET /api/v1/framework`.

use axum::Json;
use axum::extract::State;
use rungs_core::framework::Framework;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

/// The career framework (anyone signed in).
#[utoipa::path(get, path = "/api/v1/framework", tag = "framework", security(("bearer" = [])), responses((status = 200, body = Framework)))]
#[tracing::instrument(skip_all)]
pub async fn get_framework(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Framework>> {
    Ok(Json(std::sync::Arc::unwrap_or_clone(rungs_app::framework::get(state.store.as_ref(), &viewer).await?)))
}
