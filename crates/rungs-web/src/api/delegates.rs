//! `GET /api/v1/me/delegation/candidates?q=`: the delegation person picker's query
//! (docs/WORKFLOWS.md): active colleagues whose name or email contains `q`, at most
//! 10, name and title only. One bounded people query whatever the organization's size.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::proposals::Colleague;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidatesParams {
    /// At least 2 characters of a name or an email (fewer: no match).
    #[serde(default)]
    pub q: Option<String>,
}

/// Colleagues found, and whether more match than are shown (type more).
#[derive(Debug, Serialize, ToSchema)]
pub struct Candidates {
    pub items: Vec<Colleague>,
    pub more: bool,
}

/// Find a colleague to delegate approvals to while away (anyone signed in as a
/// person): at most 10 active people, never yourself, name and title only.
#[utoipa::path(
    get,
    path = "/api/v1/me/delegation/candidates",
    tag = "proposals",
    security(("bearer" = [])),
    params(CandidatesParams),
    responses((status = 200, body = Candidates))
)]
#[tracing::instrument(skip_all)]
pub async fn delegation_candidates(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<CandidatesParams>) -> ApiResult<Json<Candidates>> {
    let (items, more) = rungs_app::proposals::find_delegates(state.store.as_ref(), &viewer, p.q.as_deref().unwrap_or("")).await?;
    Ok(Json(Candidates { items, more }))
}
