//! `GET /api/v1/badges`.

use axum::Json;
use axum::extract::State;

use super::BadgeView;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

/// Every badge of the organization, by key, with each tier's rule in words.
#[utoipa::path(get, path = "/api/v1/badges", tag = "badges", security(("bearer" = [])), responses((status = 200, body = Vec<BadgeView>)))]
#[tracing::instrument(skip_all)]
pub async fn list_badges(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Vec<BadgeView>>> {
    Ok(Json(rungs_app::badges::list(state.store.as_ref(), &viewer).await?.into_iter().map(BadgeView::from).collect()))
}
