//! `POST /api/v1/opportunities/{id}/applications/{application_id}/{action}`: accept,
//! decline, withdraw or complete an application.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rungs_app::opportunities::ApplicationView;
use rungs_core::opportunity::Move;
use rungs_core::{ApplicationId, OpportunityId};

use crate::AppState;
use crate::api::ApiResult;
use crate::api::error::ApiError;
use crate::extract::Auth;

/// Move an application along: `accept` or `decline` (the owner or the people team;
/// accepting needs a free place), `withdraw` (the applicant), `complete` (the owner
/// or the people team, once accepted: records the work on the applicant's ledger as
/// a validated `project_completed` micro-progression tagged with the opportunity's
/// competencies, exactly once). Repeating a move that is already made changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/opportunities/{id}/applications/{application_id}/{action}",
    tag = "opportunities",
    security(("bearer" = [])),
    params(
        ("id" = OpportunityId, Path, description = "Opportunity id"),
        ("application_id" = ApplicationId, Path, description = "Application id"),
        ("action" = Move, Path, description = "accept, decline, withdraw or complete"),
    ),
    responses((status = 200, description = "The application after the move.", body = ApplicationView))
)]
#[tracing::instrument(skip_all)]
pub async fn decide_application(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path((id, app_id, action)): Path<(String, String, String)>,
) -> ApiResult<Json<ApplicationView>> {
    let bad = |field: &str, reason: String| ApiError::field(StatusCode::BAD_REQUEST, field, reason);
    let id: OpportunityId = id.parse().map_err(|_| bad("id", "must be a UUID".into()))?;
    let app_id: ApplicationId = app_id.parse().map_err(|_| bad("application_id", "must be a UUID".into()))?;
    let mv = Move::parse(&action).ok_or_else(|| bad("action", "must be accept, decline, withdraw or complete".into()))?;
    Ok(Json(rungs_app::opportunities::decide(state.store.as_ref(), &viewer, id, app_id, mv).await?))
}
