//! `POST /api/v1/webhooks`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use rungs_core::webhooks::SubscriptionInput;

use super::CreatedView;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, JsonBody};
use crate::replay::ShownOnce;

/// Subscribe a URL to events (people team). It receives the events appended from now
/// on, of the `kinds` given (none: every kind). The answer holds the signing secret,
/// shown this once. Bad input is a 422 naming each field.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    request_body = SubscriptionInput,
    responses((status = 201, description = "Subscribed; keep the secret.", body = CreatedView))
)]
#[tracing::instrument(skip_all)]
pub async fn create_webhook(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    body: JsonBody<SubscriptionInput>,
) -> ApiResult<(StatusCode, Extension<ShownOnce>, Json<CreatedView>)> {
    let c = rungs_app::webhooks::create(state.store.as_ref(), &viewer, &body.value, Utc::now()).await?;
    Ok((StatusCode::CREATED, Extension(ShownOnce), Json(CreatedView { subscription: c.subscription, secret: c.secret })))
}
