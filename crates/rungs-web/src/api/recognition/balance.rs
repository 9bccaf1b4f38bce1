//! `GET /api/v1/recognition/balance`: points left to give and points received.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::recognition::Balance;
use rungs_core::{PersonId, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceParams {
    /// Whose balance (default: the caller). Anyone the caller may read.
    #[param(value_type = Option<String>, format = Uuid)]
    pub person: Option<String>,
}

/// A balance: the allowance for the current period (which resets at `period.end`, on
/// the organization's calendar), what was given of it and what is left, and the
/// points received this period and in all.
#[utoipa::path(
    get,
    path = "/api/v1/recognition/balance",
    tag = "recognition",
    security(("bearer" = [])),
    params(BalanceParams),
    responses((status = 200, body = Balance))
)]
#[tracing::instrument(skip_all)]
pub async fn get_recognition_balance(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<BalanceParams>) -> ApiResult<Json<Balance>> {
    let person = match params.person.as_deref() {
        None => None,
        Some(s) => Some(s.parse::<PersonId>().map_err(|_| ValidationError::single("person", "must be a UUID"))?),
    };
    Ok(Json(rungs_app::recognition::balance(state.store.as_ref(), &viewer, person, chrono::Utc::now()).await?))
}
