//! `GET /api/v1/people/{id}/readiness`.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::readiness::ReadinessReport;
use rungs_core::{PersonId, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId, query};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadinessParams {
    /// Readiness as it stood at this instant (RFC 3339), judged by the framework
    /// version in force then and the person's level then; default now.
    #[param(format = DateTime)]
    pub at: Option<String>,
}

/// Readiness 0–100 for the person's next level, competency by competency: the wins
/// that counted (with their weights), what is missing, the milestone modules of the
/// transition, and the gaps ranked as next steps. Formula: docs/READINESS.md. With
/// `at`, the past is judged by the version of the framework in force at that instant.
/// Same access as the timeline (oneself, one's managers, the people team).
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/readiness",
    tag = "readiness",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id"), ReadinessParams),
    responses((status = 200, body = ReadinessReport))
)]
#[tracing::instrument(skip_all)]
pub async fn get_readiness(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<PersonId>,
    Query(p): Query<ReadinessParams>,
) -> ApiResult<Json<ReadinessReport>> {
    let mut e = ValidationError::new();
    let at = query::instant(&mut e, "at", p.at.as_deref());
    e.into_result()?;
    // Now: with today's matching open opportunities; at a past instant: as it stood.
    let report = match at {
        Some(at) => rungs_app::readiness::get_at(state.store.as_ref(), &viewer, id, at).await?,
        None => rungs_app::readiness::get(state.store.as_ref(), &viewer, id).await?,
    };
    Ok(Json(report))
}
