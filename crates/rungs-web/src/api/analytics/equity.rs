//! `GET /api/v1/analytics/equity`: promotion and recognition rates by a sensitive
//! attribute, against the highest group (four-fifths rule, Fisher's exact test, χ²),
//! small groups suppressed. The people team's alone.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use rungs_core::ValidationError;
use rungs_core::analytics::equity::EquityReport;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EquityParams {
    /// The sensitive attribute to group by (one recorded for someone, e.g. `gender`);
    /// default: the first recorded, alphabetically. The report lists them all.
    pub attribute: Option<String>,
    /// The period: this many months before today, 1 to 60 (default 12).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 60)]
    pub months: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// With `format=csv` (ignored otherwise): `rates` (default) or `suppressed`.
    #[param(value_type = Option<String>, pattern = "^(rates|suppressed)$")]
    pub table: Option<String>,
}

/// The equity audit (people team only): per group of the attribute, the share of the
/// cohort (everyone employed at the period's start) promoted and recognized in the
/// period, the ratio to the highest group's rate (flagged below four-fifths), Fisher's
/// exact p against the highest group and a χ² test across groups. Groups of fewer
/// than 5 people are named in `suppressed`, with no numbers.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/equity",
    tag = "analytics",
    security(("bearer" = [])),
    params(EquityParams),
    responses((status = 200, content((EquityReport = "application/json"), (String = "text/csv"))))
)]
#[tracing::instrument(skip_all)]
pub async fn get_equity_report(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<EquityParams>) -> ApiResult<Response> {
    let mut e = ValidationError::new();
    let months = super::number(&mut e, "months", params.months.as_deref(), 1, 60);
    let csv = super::wants_csv(&mut e, params.format.as_deref());
    e.into_result()?;
    let attribute = params.attribute.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let r = rungs_app::analytics::equity_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), attribute, months).await?;
    Ok(super::respond(r, csv, "equity", params.table.as_deref(), rungs_app::analytics::tables::equity)?)
}
