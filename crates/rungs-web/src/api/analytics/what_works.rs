//! `GET /api/v1/analytics/what-works`: retention and later promotion by cadence and by
//! time since the last promotion, with Kaplan–Meier curves, log-rank tests, person-month
//! rates, a conclusion and its caveats.

use axum::Json;
use axum::extract::{Query, State};
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
    responses((status = 200, body = WhatWorksReport))
)]
#[tracing::instrument(skip_all)]
pub async fn get_what_works_report(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Query(params): Query<WhatWorksParams>,
) -> ApiResult<Json<WhatWorksReport>> {
    let landmark = match params.landmark.as_deref() {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)) {
            Some(d) => Some(Utc.from_utc_datetime(&d)),
            None => return Err(ValidationError::single("landmark", "must be a date, YYYY-MM-DD").into()),
        },
    };
    Ok(Json(rungs_app::analytics::what_works_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), landmark).await?))
}
