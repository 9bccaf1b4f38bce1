//! `GET /api/v1/analytics/stagnation`: people at risk of stagnating, ranked, with reasons.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use rungs_core::ValidationError;
use rungs_core::analytics::stagnation::StagnationReport;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StagnationParams {
    /// N: days without progression of any kind, 1 to 3650 (default 90).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    pub days: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// With `format=csv` (ignored otherwise): `people` (the default and only table).
    #[param(value_type = Option<String>, pattern = "^people$")]
    pub table: Option<String>,
}

/// Active people with no progression of any kind for N days and more time in their
/// level than three in four of their peers, ranked by days without progression, each
/// with the reasons. A manager sees their reports; the people team everyone.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/stagnation",
    tag = "analytics",
    security(("bearer" = [])),
    params(StagnationParams),
    responses((status = 200, content((StagnationReport = "application/json"), (String = "text/csv"))))
)]
#[tracing::instrument(skip_all)]
pub async fn get_stagnation_report(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<StagnationParams>) -> ApiResult<Response> {
    let mut e = ValidationError::new();
    let days = super::number(&mut e, "days", params.days.as_deref(), 1, 3650);
    let csv = super::wants_csv(&mut e, params.format.as_deref());
    e.into_result()?;
    let r = rungs_app::analytics::stagnation_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), days).await?;
    Ok(super::respond(r, csv, "stagnation", params.table.as_deref(), rungs_app::analytics::tables::stagnation)?)
}
