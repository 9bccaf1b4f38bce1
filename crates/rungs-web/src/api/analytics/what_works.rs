//! `GET /api/v1/analytics/what-works`: retention and later promotion by cadence and by
//! time since the last promotion, with Kaplan–Meier curves, log-rank tests, person-month
//! rates, a conclusion and its caveats.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone, Utc};
use rungs_core::ValidationError;
use rungs_core::analytics::whatworks::WhatWorksReport;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhatWorksParams {
    /// The landmark date (groups are fixed from what happened before it, follow-up
    /// starts there); at least 3 months ago. Default: 18 months ago.
    #[param(value_type = Option<String>, format = Date)]
    pub landmark: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// With `format=csv` (ignored otherwise): `groups` (default: each comparison's groups with medians,
    /// 12-month estimates and the log-rank test), `curves` (every Kaplan–Meier point),
    /// `effects` (person-month estimates) or `bands` (promotion rate by recent wins).
    #[param(value_type = Option<String>, pattern = "^(groups|curves|effects|bands)$")]
    pub table: Option<String>,
}

/// The what-works report (people team only): every curve point with its 95% interval,
/// each log-rank statistic with its p-value, group sizes, the person-month estimates,
/// the conclusion and its caveats.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/what-works",
    tag = "analytics",
    security(("bearer" = [])),
    params(WhatWorksParams),
    responses((status = 200, content((WhatWorksReport = "application/json"), (String = "text/csv"))))
)]
#[tracing::instrument(skip_all)]
pub async fn get_what_works_report(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<WhatWorksParams>) -> ApiResult<Response> {
    let mut e = ValidationError::new();
    let landmark = match params.landmark.as_deref() {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)) {
            Some(d) => Some(Utc.from_utc_datetime(&d)),
            None => {
                e.push("landmark", "must be a date, YYYY-MM-DD");
                None
            }
        },
    };
    let csv = super::wants_csv(&mut e, params.format.as_deref());
    e.into_result()?;
    let r = rungs_app::analytics::what_works_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), landmark).await?;
    Ok(super::respond(r, csv, "what-works", params.table.as_deref(), rungs_app::analytics::tables::what_works)?)
}
