//! `GET /api/v1/recognition/collusion`: pairs and rings trading points.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::recognition::CollusionReport;
use rungs_core::ValidationError;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollusionParams {
    /// The window, in days back from now: 1 to 366 (default 90).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 366)]
    pub days: Option<String>,
}

/// The collusion report (people team): pairs (A ⇄ B) and rings (A → B → C → A)
/// whose every edge gives more points than 99% of giver → receiver edges here and a
/// larger share of the giver's points than the median, each with its numbers, the
/// baseline and a sentence saying why. See docs/RECOGNITION.md.
#[utoipa::path(
    get,
    path = "/api/v1/recognition/collusion",
    tag = "recognition",
    security(("bearer" = [])),
    params(CollusionParams),
    responses((status = 200, body = CollusionReport))
)]
#[tracing::instrument(skip_all)]
pub async fn get_recognition_collusion(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Query(params): Query<CollusionParams>,
) -> ApiResult<Json<CollusionReport>> {
    let days = match params.days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<u32>().map_err(|_| ValidationError::single("days", "must be a whole number from 1 to 366"))?),
    };
    Ok(Json(rungs_app::recognition::collusion(state.store.as_ref(), &viewer, days, chrono::Utc::now()).await?))
}
