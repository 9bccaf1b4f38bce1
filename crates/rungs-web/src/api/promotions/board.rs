//! `GET /api/v1/cycles/{id}/board`: the calibration board.

use axum::Json;
use axum::extract::State;
use rungs_app::promotions::Board;
use rungs_core::CycleId;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// The people team's calibration board: per calibration group, the live cases side
/// by side in calibration order with readiness (from each packet), days in level and
/// votes, and each budget's distribution (allowed, approved, in review, nominated).
#[utoipa::path(
    get,
    path = "/api/v1/cycles/{id}/board",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CycleId, Path, description = "Cycle id")),
    responses((status = 200, body = Board))
)]
#[tracing::instrument(skip_all)]
pub async fn get_calibration_board(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<CycleId>) -> ApiResult<Json<Board>> {
    Ok(Json(rungs_app::promotions::board(state.store.as_ref(), &viewer, id).await?))
}
