//! `GET|PUT /api/v1/org/time-zone`: the organization's calendar (docs/WORKFLOWS.md).

use axum::Json;
use axum::extract::State;
use rungs_core::calendar::OrgTimeZone;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody};

/// The organization's time zone: the calendar of cycles' windows and of effective
/// dates (`UTC` until the people team sets one).
#[utoipa::path(get, path = "/api/v1/org/time-zone", tag = "organization", security(("bearer" = [])), responses((status = 200, body = OrgTimeZone)))]
#[tracing::instrument(skip_all)]
pub async fn get_time_zone(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<OrgTimeZone>> {
    Ok(Json(rungs_app::calendar::time_zone(state.store.as_ref(), &viewer).await?))
}

/// Set the organization's time zone (people team): an IANA name such as
/// `Europe/Berlin`. From now on "today" for nominations, decisions and effective
/// dates is that zone's day, and effective-date jobs run at its midnight. A name
/// that is not in the time zone database is a 422 on `time_zone`.
#[utoipa::path(
    put,
    path = "/api/v1/org/time-zone",
    tag = "organization",
    security(("bearer" = [])),
    request_body = OrgTimeZone,
    responses((status = 200, body = OrgTimeZone))
)]
#[tracing::instrument(skip_all)]
pub async fn set_time_zone(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<OrgTimeZone>) -> ApiResult<Json<OrgTimeZone>> {
    Ok(Json(rungs_app::calendar::set_time_zone(state.store.as_ref(), &viewer, body.value).await?))
}
