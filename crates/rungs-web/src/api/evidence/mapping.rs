//! `/api/v1/evidence/mapping`: rules, account links and auto-accept, as text.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::api::webhooks::list::NoParams;
use crate::extract::{Admin, JsonBody};

/// The people team's mapping.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingView {
    /// One rule a line: `<repository|label|course> <value> -> <competency>, … : <category>`.
    pub rules: String,
    /// One link a line: `<github|gitlab> <login> <email>` (`id:<n>` for a GitLab user id).
    pub accounts: String,
    /// Suggestions become wins without waiting for the person.
    pub auto_accept: bool,
}

/// The mapping (people team).
#[utoipa::path(get, path = "/api/v1/evidence/mapping", tag = "evidence", security(("bearer" = ["admin"])), responses((status = 200, body = MappingView)))]
#[tracing::instrument(skip_all)]
pub async fn get_mapping(State(state): State<AppState>, Admin(viewer): Admin, Query(_): Query<NoParams>) -> ApiResult<Json<MappingView>> {
    let m = rungs_app::evidence::mapping(state.store.as_ref(), &viewer).await?;
    Ok(Json(MappingView { rules: m.rules, accounts: m.accounts, auto_accept: m.auto_accept }))
}

/// Replace the mapping (people team): all of it or nothing; a 422 names each line wrong.
#[utoipa::path(
    put,
    path = "/api/v1/evidence/mapping",
    tag = "evidence",
    security(("bearer" = ["admin"])),
    request_body = MappingView,
    responses((status = 200, body = MappingView))
)]
#[tracing::instrument(skip_all)]
pub async fn update_mapping(State(state): State<AppState>, Admin(viewer): Admin, body: JsonBody<MappingView>) -> ApiResult<Json<MappingView>> {
    let v = &body.value;
    let m = rungs_app::evidence::Mapping { rules: v.rules.clone(), accounts: v.accounts.clone(), auto_accept: v.auto_accept };
    rungs_app::evidence::set_mapping(state.store.as_ref(), &viewer, &m).await?;
    let m = rungs_app::evidence::mapping(state.store.as_ref(), &viewer).await?;
    Ok(Json(MappingView { rules: m.rules, accounts: m.accounts, auto_accept: m.auto_accept }))
}
