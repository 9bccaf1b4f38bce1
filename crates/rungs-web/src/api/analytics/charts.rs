//! The analytics charts as SVG from the API: the same drawings as the pages
//! (`crate::charts`), standalone (presentation attributes, no stylesheet needed).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone, Utc};
use rungs_core::ValidationError;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::charts;
use crate::extract::Auth;
use crate::html::svg_response;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CadenceChartParams {
    /// The period: this many months before today, 1 to 60 (default 12).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 60)]
    pub months: Option<String>,
}

/// Micro-progressions per person-month, each of the last twelve months, as bars
/// (what `/analytics` shows; the same people as the metrics report).
#[utoipa::path(
    get,
    path = "/api/v1/analytics/metrics.svg",
    tag = "analytics",
    security(("bearer" = [])),
    params(CadenceChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String))
)]
#[tracing::instrument(skip_all)]
pub async fn get_cadence_chart(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<CadenceChartParams>) -> ApiResult<Response> {
    let mut e = ValidationError::new();
    let months = super::number(&mut e, "months", params.months.as_deref(), 1, 60);
    e.into_result()?;
    let r = rungs_app::analytics::metrics_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), months).await?;
    Ok(svg_response(charts::cadence(&r.monthly, "t")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhatWorksChartParams {
    /// The comparison: `promotion_by_cadence`, `retention_by_cadence`,
    /// `retention_by_time_since_progression`, `retention_by_time_since_promotion` or
    /// `promotion_by_time_since_promotion` or `retention_by_tenure`.
    #[param(
        pattern = "^(promotion_by_cadence|retention_by_cadence|retention_by_time_since_progression|retention_by_time_since_promotion|promotion_by_time_since_promotion|retention_by_tenure)$"
    )]
    pub chart: String,
    /// The landmark date, as for the report.
    #[param(value_type = Option<String>, format = Date)]
    pub landmark: Option<String>,
}

/// One comparison's Kaplan–Meier curves with their 95% bands (people team only).
#[utoipa::path(
    get,
    path = "/api/v1/analytics/what-works.svg",
    tag = "analytics",
    security(("bearer" = [])),
    params(WhatWorksChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String))
)]
#[tracing::instrument(skip_all)]
pub async fn get_what_works_chart(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<WhatWorksChartParams>) -> ApiResult<Response> {
    let landmark = match params.landmark.as_deref() {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)) {
            Some(d) => Some(Utc.from_utc_datetime(&d)),
            None => return Err(ValidationError::single("landmark", "must be a date, YYYY-MM-DD").into()),
        },
    };
    let r = rungs_app::analytics::what_works_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), landmark).await?;
    let Some(c) = r.all_comparisons().find(|c| c.id == params.chart) else {
        let ids: Vec<&str> = r.all_comparisons().map(|c| c.id.as_str()).collect();
        return Err(ValidationError::single("chart", format!("must be one of: {}", ids.join(", "))).into());
    };
    Ok(svg_response(charts::km(c, charts::x_max(&r, c), "t")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EquityChartParams {
    /// `promotion` or `recognition`.
    #[param(pattern = "^(promotion|recognition)$")]
    pub outcome: String,
    /// As for the report.
    pub attribute: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 60)]
    pub months: Option<String>,
}

/// One outcome's rate per group as bars with the four-fifths line (people team only).
#[utoipa::path(
    get,
    path = "/api/v1/analytics/equity.svg",
    tag = "analytics",
    security(("bearer" = [])),
    params(EquityChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String))
)]
#[tracing::instrument(skip_all)]
pub async fn get_equity_chart(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<EquityChartParams>) -> ApiResult<Response> {
    let mut e = ValidationError::new();
    let months = super::number(&mut e, "months", params.months.as_deref(), 1, 60);
    if !matches!(params.outcome.as_str(), "promotion" | "recognition") {
        e.push("outcome", "must be promotion or recognition");
    }
    e.into_result()?;
    let attribute = params.attribute.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let r = rungs_app::analytics::equity_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), attribute, months).await?;
    let Some(o) = r.outcomes.iter().find(|o| o.outcome == params.outcome) else {
        return Err(ValidationError::single("attribute", "no sensitive attribute is recorded for anyone: nothing to draw").into());
    };
    Ok(svg_response(charts::equity(o, r.attribute.as_deref().unwrap_or_default(), "t")))
}
