//! `POST /api/v1/badges/preview`.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use rungs_app::badges::Preview;
use serde_json::Value;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, JsonBody};

/// Who would get each tier of this definition now, and why (the events), and who
/// holds it already: the same evaluation the badge job runs (people team). Reads the
/// whole ledger.
#[utoipa::path(
    post,
    path = "/api/v1/badges/preview",
    tag = "badges",
    security(("bearer" = ["admin"])),
    request_body(content = Object, description = "A badge definition, saved or not (docs/BADGES.md)."),
    responses((status = 200, body = Preview))
)]
#[tracing::instrument(skip_all)]
pub async fn preview_badge(State(state): State<AppState>, Admin(viewer): Admin, body: JsonBody<Value>) -> ApiResult<Json<Preview>> {
    Ok(Json(rungs_app::badges::preview(state.store.as_ref(), &viewer, &body.value, Utc::now()).await?))
}
