//! `DELETE /api/v1/webhooks/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

/// Remove a subscription with its deliveries and their log (people team).
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 204, description = "Removed."), (status = 404, description = "No such subscription."))
)]
#[tracing::instrument(skip_all)]
pub async fn remove_webhook(State(state): State<AppState>, Admin(viewer): Admin, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    rungs_app::webhooks::remove(state.store.as_ref(), &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
