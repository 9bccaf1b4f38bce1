//! Proposals (micro-promotions, lateral moves, demotions, pay changes), their
//! decisions, the approver's inbox, approval routes and delegations
//! (docs/WORKFLOWS.md).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use rungs_app::proposals::{InboxItem, ProposalView};
use rungs_core::proposal::{Delegation, DelegationInput, Proposal, ProposalInput, Route};
use rungs_core::{PersonId, ProposalId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::{Auth, JsonBody, PathId};

/// Propose a micro-promotion, lateral move or demotion for a report (a manager; the
/// people team for anyone), or a pay change (the people team). The organization's
/// route for the kind finds the approvers now: a step it cannot staff for this
/// person is a 422 on `route` saying why.
#[utoipa::path(
    post,
    path = "/api/v1/proposals",
    tag = "proposals",
    security(("bearer" = [])),
    request_body = ProposalInput,
    responses((status = 201, description = "Created; `Location` points at it.", body = Proposal))
)]
#[tracing::instrument(skip_all)]
pub async fn propose(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<ProposalInput>) -> ApiResult<Created<Proposal>> {
    let p = rungs_app::proposals::propose(state.store.as_ref(), &viewer, body.value).await?;
    Ok(created(format!("/api/v1/proposals/{}", p.id), p))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListProposalsParams {
    /// A person's proposals (that the viewer may read); absent: the ones the viewer made.
    #[serde(default)]
    pub subject: Option<PersonId>,
}

/// Proposals about a person (`subject`), or the ones the viewer made, newest first.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals", security(("bearer" = [])), params(ListProposalsParams), responses((status = 200, body = Vec<ProposalView>)))]
#[tracing::instrument(skip_all)]
pub async fn list_proposals(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<ListProposalsParams>) -> ApiResult<Json<Vec<ProposalView>>> {
    let store = state.store.as_ref();
    Ok(Json(match p.subject {
        Some(s) => rungs_app::proposals::for_subject(store, &viewer, s).await?,
        None => {
            let mut out = Vec::new();
            for p in rungs_app::proposals::mine(store, &viewer).await? {
                out.push(rungs_app::proposals::view(store, &viewer, p.id).await?);
            }
            out
        }
    }))
}

/// One proposal with its steps and decisions (a pay change's amount only for the
/// people team and the person).
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals", security(("bearer" = [])), params(("id" = ProposalId, Path, description = "Proposal id")), responses((status = 200, body = ProposalView)))]
#[tracing::instrument(skip_all)]
pub async fn get_proposal(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<ProposalId>) -> ApiResult<Json<ProposalView>> {
    Ok(Json(rungs_app::proposals::view(state.store.as_ref(), &viewer, id).await?))
}

/// An approver's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub approve: bool,
    /// Required to reject.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Approve or reject the step the proposal waits on, as one of its approvers or
/// standing in for one who is away. A decision is final: a second one by the same
/// approver on the same step is a 409 on `approver`. Approving the last step
/// approves the proposal; it takes effect on its date.
#[utoipa::path(
    post,
    path = "/api/v1/proposals/{id}/decisions",
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = ProposalId, Path, description = "Proposal id")),
    request_body = DecisionInput,
    responses((status = 200, body = ProposalView))
)]
#[tracing::instrument(skip_all)]
pub async fn decide(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<ProposalId>,
    body: JsonBody<DecisionInput>,
) -> ApiResult<Json<ProposalView>> {
    let d = body.value;
    Ok(Json(rungs_app::proposals::decide(state.store.as_ref(), &viewer, id, d.approve, d.comment).await?))
}

/// Withdraw a pending proposal (its proposer or the people team).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", tag = "proposals", security(("bearer" = [])), params(("id" = ProposalId, Path, description = "Proposal id")), responses((status = 200, body = ProposalView)))]
#[tracing::instrument(skip_all)]
pub async fn withdraw(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<ProposalId>) -> ApiResult<Json<ProposalView>> {
    Ok(Json(rungs_app::proposals::withdraw(state.store.as_ref(), &viewer, id).await?))
}

/// Everything waiting on the viewer's decision (theirs, or of someone they stand in for).
#[utoipa::path(get, path = "/api/v1/approvals", tag = "proposals", security(("bearer" = [])), responses((status = 200, body = Vec<InboxItem>)))]
#[tracing::instrument(skip_all)]
pub async fn approvals(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Vec<InboxItem>>> {
    Ok(Json(rungs_app::proposals::inbox(state.store.as_ref(), &viewer).await?))
}

/// A route in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouteLine {
    pub route: Route,
    /// False: nothing configured, the default route applies.
    pub configured: bool,
}

/// The route in force for every kind of proposal.
#[utoipa::path(get, path = "/api/v1/routes", tag = "proposals", security(("bearer" = [])), responses((status = 200, body = Vec<RouteLine>)))]
#[tracing::instrument(skip_all)]
pub async fn list_routes(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Vec<RouteLine>>> {
    let routes = rungs_app::proposals::routes(state.store.as_ref(), &viewer).await?;
    Ok(Json(routes.into_iter().map(|(route, configured)| RouteLine { route, configured }).collect()))
}

/// Save the route for its kind (the people team). A route that could never complete
/// (a step without approvers, needing more approvals than it has approvers, a pay
/// condition on a kind without pay, a named person who left) is a 422 naming the field.
#[utoipa::path(put, path = "/api/v1/routes", tag = "proposals", security(("bearer" = [])), request_body = Route, responses((status = 200, body = Route)))]
#[tracing::instrument(skip_all)]
pub async fn save_route(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<Route>) -> ApiResult<Json<Route>> {
    Ok(Json(rungs_app::proposals::save_route(state.store.as_ref(), &viewer, body.value).await?))
}

/// The viewer's delegation while away, if any.
#[utoipa::path(get, path = "/api/v1/me/delegation", tag = "proposals", security(("bearer" = [])), responses((status = 200, body = Option<Delegation>)))]
#[tracing::instrument(skip_all)]
pub async fn get_delegation(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Option<Delegation>>> {
    Ok(Json(rungs_app::proposals::my_delegation(state.store.as_ref(), &viewer).await?))
}

/// While the viewer is away (`from` to `until`, inclusive), `delegate` decides the
/// steps routed to them. One delegation at a time; saving replaces it.
#[utoipa::path(put, path = "/api/v1/me/delegation", tag = "proposals", security(("bearer" = [])), request_body = DelegationInput, responses((status = 200, body = Delegation)))]
#[tracing::instrument(skip_all)]
pub async fn set_delegation(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<DelegationInput>) -> ApiResult<Json<Delegation>> {
    Ok(Json(rungs_app::proposals::set_delegation(state.store.as_ref(), &viewer, body.value).await?))
}

/// End the viewer's delegation.
#[utoipa::path(delete, path = "/api/v1/me/delegation", tag = "proposals", security(("bearer" = [])), responses((status = 204)))]
#[tracing::instrument(skip_all)]
pub async fn end_delegation(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<StatusCode> {
    rungs_app::proposals::end_delegation(state.store.as_ref(), &viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}
