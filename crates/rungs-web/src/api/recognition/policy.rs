//! `GET|PUT /api/v1/recognition/policy`: allowances, calendar, cap and values.

use axum::Json;
use axum::extract::State;
use rungs_core::recognition::Policy;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody};

/// The recognition policy (the defaults until the people team sets one).
#[utoipa::path(get, path = "/api/v1/recognition/policy", tag = "recognition", security(("bearer" = [])), responses((status = 200, body = Policy)))]
#[tracing::instrument(skip_all)]
pub async fn get_recognition_policy(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Policy>> {
    Ok(Json(rungs_app::recognition::policy(state.store.as_ref(), viewer.org_id).await?))
}

/// Replace the recognition policy (people team): monthly allowance per role, the
/// reset day and IANA time zone of the calendar, the cap per giver → receiver and
/// the company values. Applies to recognition given from now on; what was given
/// keeps the allowance stamped on it.
#[utoipa::path(
    put,
    path = "/api/v1/recognition/policy",
    tag = "recognition",
    security(("bearer" = [])),
    request_body = Policy,
    responses((status = 200, body = Policy))
)]
#[tracing::instrument(skip_all)]
pub async fn update_recognition_policy(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<Policy>) -> ApiResult<Json<Policy>> {
    Ok(Json(rungs_app::recognition::set_policy(state.store.as_ref(), &viewer, body.value).await?))
}
