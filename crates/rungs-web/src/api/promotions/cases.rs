//! `GET /api/v1/cases`, `GET|PATCH /api/v1/cases/{id}`: promotion cases.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::promotions::{CaseLine, CaseView};
use rungs_core::promotion::{CaseEdit, CaseQuery, CaseStatus};
use rungs_core::{CaseId, CycleId, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody, PathId};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCasesParams {
    /// `mine` (my own cases), `nominated` (cases I nominated), `inbox` (waiting on
    /// me: to review or to decide) or `cycle` (a cycle's cases I may read; needs `cycle`).
    #[param(pattern = "^(mine|nominated|inbox|cycle)$")]
    pub view: String,
    #[param(value_type = Option<String>, format = Uuid)]
    pub cycle: Option<String>,
    /// Only cases in this status (with `view=cycle`).
    #[param(value_type = Option<CaseStatus>)]
    pub status: Option<String>,
}

/// Lists of cases for the pages: my own, the ones I nominated, my inbox, a cycle's.
#[utoipa::path(get, path = "/api/v1/cases", tag = "promotions", security(("bearer" = [])), params(ListCasesParams), responses((status = 200, body = Vec<CaseLine>)))]
#[tracing::instrument(skip_all)]
pub async fn list_cases(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<ListCasesParams>) -> ApiResult<Json<Vec<CaseLine>>> {
    use rungs_app::promotions as w;
    let store = state.store.as_ref();
    let mut e = ValidationError::new();
    let cycle = p.cycle.as_deref().and_then(|c| c.parse::<CycleId>().map_err(|_| e.push("cycle", "must be a UUID")).ok());
    let status = p.status.as_deref().and_then(|s| {
        CaseStatus::parse(s).or_else(|| {
            e.push("status", "must be nominated, in_review, approved, declined, withdrawn or effective");
            None
        })
    });
    if p.view == "cycle" && cycle.is_none() && p.cycle.is_none() {
        e.push("cycle", "is required with view=cycle");
    }
    if !["mine", "nominated", "inbox", "cycle"].contains(&p.view.as_str()) {
        e.push("view", "must be mine, nominated, inbox or cycle");
    }
    e.into_result()?;
    Ok(Json(match p.view.as_str() {
        "mine" => w::my_cases(store, &viewer).await?,
        "nominated" => w::nominations(store, &viewer).await?,
        "inbox" => w::inbox(store, &viewer).await?,
        _ => w::cases_for(store, &viewer, CaseQuery { cycle, status, ..Default::default() }).await?,
    }))
}

/// One case: its history (every move with actor and time), reviews (for reviewers and
/// the people team), votes, and the moves open to the caller.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CaseId, Path, description = "Case id")),
    responses((status = 200, body = CaseView))
)]
#[tracing::instrument(skip_all)]
pub async fn get_case(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<CaseId>) -> ApiResult<Json<CaseView>> {
    Ok(Json(rungs_app::promotions::case_view(state.store.as_ref(), &viewer, id).await?))
}

/// Edit a nominated case (its nominator or the people team) until its review
/// starts; absent fields stay. A changed target level refreshes the packet.
#[utoipa::path(
    patch,
    path = "/api/v1/cases/{id}",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CaseId, Path, description = "Case id")),
    request_body = CaseEdit,
    responses((status = 200, body = CaseView))
)]
#[tracing::instrument(skip_all)]
pub async fn edit_case(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<CaseId>, body: JsonBody<CaseEdit>) -> ApiResult<Json<CaseView>> {
    let store = state.store.as_ref();
    rungs_app::promotions::edit(store, &viewer, id, body.value, false).await?;
    Ok(Json(rungs_app::promotions::case_view(store, &viewer, id).await?))
}
