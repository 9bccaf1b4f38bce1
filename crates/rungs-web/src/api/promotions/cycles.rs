//! `GET /api/v1/cycles`, `POST /api/v1/cycles`: promotion cycles.

use axum::Json;
use axum::extract::State;
use rungs_core::promotion::{Cycle, CycleInput};

use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::{Auth, JsonBody};

/// Every promotion cycle, newest first (names, windows, budgets, groups).
#[utoipa::path(get, path = "/api/v1/cycles", tag = "promotions", security(("bearer" = [])), responses((status = 200, body = Vec<Cycle>)))]
#[tracing::instrument(skip_all)]
pub async fn list_cycles(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Vec<Cycle>>> {
    Ok(Json(rungs_app::promotions::cycles(state.store.as_ref(), &viewer).await?))
}

/// Create a cycle (the people team): a nomination window, a review window after it,
/// budgets per department or track (promotions, and optionally a pay budget) and
/// calibration groups (a budget in no group is calibrated alone).
#[utoipa::path(
    post,
    path = "/api/v1/cycles",
    tag = "promotions",
    security(("bearer" = [])),
    request_body = CycleInput,
    responses((status = 201, description = "Created; `Location` points at its board.", body = Cycle))
)]
#[tracing::instrument(skip_all)]
pub async fn create_cycle(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<CycleInput>) -> ApiResult<Created<Cycle>> {
    let cycle = rungs_app::promotions::create_cycle(state.store.as_ref(), &viewer, body.value).await?;
    Ok(created(format!("/api/v1/cycles/{}/board", cycle.id), cycle))
}
