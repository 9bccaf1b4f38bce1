//! `GET /api/v1/analytics/stagnation`: people at risk of stagnating, ranked, with reasons.

use axum::Json;
use axum::extract::{Query, State};
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
    responses((status = 200, body = StagnationReport))
)]
#[tracing::instrument(skip_all)]
pub async fn get_stagnation_report(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Query(params): Query<StagnationParams>,
) -> ApiResult<Json<StagnationReport>> {
    let mut e = ValidationError::new();
    let days = super::number(&mut e, "days", params.days.as_deref(), 1, 3650);
    e.into_result()?;
    Ok(Json(rungs_app::analytics::stagnation_report(state.store.as_ref(), &state.analytics, &viewer, Utc::now(), days).await?))
}
