//! `POST /api/v1/recognition`: recognize one or more people.

use axum::extract::State;
use rungs_app::recognition::Given;
use rungs_core::recognition::GiftInput;

use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::{Auth, JsonBody, KeyClaim};

/// Recognize one or more people: one `recognition` event per receiver, all or none,
/// each drawing `points` from the giver's allowance for the period (refused with 422
/// on `points` when it would overspend the allowance or the cap per receiver). Not
/// yourself. Tags must be company values of the policy; competencies must be in the
/// framework. Honours `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/recognition",
    tag = "recognition",
    security(("bearer" = [])),
    request_body = GiftInput,
    responses((status = 201, description = "Given; the events and the giver's balance after it.", body = Given))
)]
#[tracing::instrument(skip_all)]
pub async fn give_recognition(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<GiftInput>,
) -> ApiResult<Created<Given>> {
    let given = rungs_app::recognition::give(state.store.as_ref(), &viewer, body.value, claim, chrono::Utc::now()).await?;
    Ok(created("/api/v1/recognition".to_string(), given))
}
