//! `PUT /api/v1/badges/{key}`.

use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use serde_json::Value;

use super::BadgeView;
use crate::AppState;
use crate::api::ApiResult;
use crate::api::error::ApiError;
use crate::extract::{Admin, JsonBody};

/// Create or replace a badge (people team). The body is the definition in the rule
/// language of docs/BADGES.md; its `key` must be the path's. Errors name their
/// position in the rule (`tiers.gold.all[1].count.at_least`). The next evaluation
/// re-judges everyone.
#[utoipa::path(
    put,
    path = "/api/v1/badges/{key}",
    tag = "badges",
    security(("bearer" = ["admin"])),
    params(("key" = String, Path, description = "Badge key")),
    request_body(content = Object, description = "The badge definition (docs/BADGES.md)."),
    responses((status = 200, description = "The badge as saved.", body = BadgeView))
)]
#[tracing::instrument(skip_all)]
pub async fn define_badge(State(state): State<AppState>, Admin(viewer): Admin, Path(key): Path<String>, body: JsonBody<Value>) -> ApiResult<Json<BadgeView>> {
    if body.value.get("key").and_then(Value::as_str) != Some(key.as_str()) {
        return Err(ApiError::from(rungs_app::AppError::invalid("key", format!("must be the key in the path, '{key}'"))));
    }
    Ok(Json(rungs_app::badges::define(state.store.as_ref(), &viewer, &body.value, Utc::now()).await?.into()))
}
