//! `GET /api/v1/analytics/metrics`: promotion rate, time in level, cadence, recent
//! progression, recognition distribution and credentials for the organization,
//! departments, tracks and managers' teams.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use rungs_core::ValidationError;
use rungs_core::analytics::metrics::MetricsReport;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsParams {
    /// The period: this many months before today, 1 to 60 (default 12).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 60)]
    pub months: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// With `format=csv` (ignored otherwise): `groups` (default: organization, departments, tracks,
    /// managers' teams) or `monthly`.
    #[param(value_type = Option<String>, pattern = "^(groups|monthly)$")]
    pub table: Option<String>,
}

/// Metrics over the period of everyone the caller may count: the people team sees the
/// whole organization, a manager their direct and indirect reports (employees: 403).
/// Computed from a snapshot of the ledger at most 30 seconds old (`as_of`).
#[utoipa::path(
    get,
    path = "/api/v1/analytics/metrics",
    tag = "analytics",
    security(("bearer" = [])),
    params(MetricsParams),
    responses((status = 200, content((MetricsReport = "application/json"), (String = "text/csv"))))
)]
#[tracing::instrument(skip_all)]
pub async fn get_metrics_report(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<MetricsParams>) -> ApiResult<Response> {
    let mut e = ValidationError::new();
    let months = super::number(&mut e, "months", params.months.as_deref(), 1, 60);
    let csv = super::wants_csv(&mut e, params.format.as_deref());
    e.into_result()?;
    let r = rungs_app::analytics::metrics_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), months).await?;
    Ok(super::respond(r, csv, "metrics", params.table.as_deref(), rungs_app::analytics::tables::metrics)?)
}
