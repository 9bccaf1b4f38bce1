//! `POST /api/v1/webhooks/deliveries/{id}/replay`.

use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use rungs_core::webhooks::Delivery;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

/// Send a delivery again, whatever its status (people team): pending, due now, in its
/// ledger place; its retry window starts again.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/deliveries/{id}/replay",
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Delivery id")),
    responses((status = 200, description = "Pending again.", body = Delivery), (status = 404, description = "No such delivery."))
)]
#[tracing::instrument(skip_all)]
pub async fn replay_delivery(State(state): State<AppState>, Admin(viewer): Admin, Path(id): Path<Uuid>) -> ApiResult<Json<Delivery>> {
    Ok(Json(rungs_app::webhooks::replay(state.store.as_ref(), &viewer, id, Utc::now()).await?))
}
