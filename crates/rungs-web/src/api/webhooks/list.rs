//! `GET /api/v1/webhooks`.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::webhooks::Subscription;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

/// No parameters: anything given is refused rather than ignored.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Every webhook subscription (people team), oldest first; secrets are never listed.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = ["admin"])), responses((status = 200, body = Vec<Subscription>)))]
#[tracing::instrument(skip_all)]
pub async fn list_webhooks(State(state): State<AppState>, Admin(viewer): Admin, Query(_): Query<NoParams>) -> ApiResult<Json<Vec<Subscription>>> {
    Ok(Json(rungs_app::webhooks::list(state.store.as_ref(), &viewer).await?))
}
