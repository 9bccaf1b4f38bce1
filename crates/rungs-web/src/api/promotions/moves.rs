//! `POST /api/v1/cases/{id}/moves`, `/reviews`, `/rank`, `/packet`: moving a case
//! along, reviewing it, calibrating its order, refreshing its packet.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use rungs_app::promotions::{CaseView, ReviewView};
use rungs_core::CaseId;
use rungs_core::promotion::{CaseEdit, CaseMove, Vote};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody, PathId};

/// A move of a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    /// `start_review`, `approve`, `decline` (the people team) or `withdraw` (the
    /// nominator too).
    #[serde(rename = "move")]
    pub mv: CaseMove,
    /// Why: required to decline.
    #[serde(default)]
    pub reason: Option<String>,
    /// Required to approve: the day the promotion takes effect (today or earlier: at once).
    #[serde(default)]
    pub effective_on: Option<NaiveDate>,
}

/// Move a case along its state machine. An illegal move is a 409 naming the case's
/// current state and the moves allowed from it; every move is recorded with actor and
/// time. An approval takes a slot of the case's budget (a 409 on `budget` or
/// `pay_increase` when it is spent) and, on its effective date, puts the `promotion`
/// event (level, title and track together) on the ledger.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/moves",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CaseId, Path, description = "Case id")),
    request_body = MoveInput,
    responses((status = 200, description = "The case after the move.", body = CaseView))
)]
#[tracing::instrument(skip_all)]
pub async fn move_case(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<CaseId>, body: JsonBody<MoveInput>) -> ApiResult<Json<CaseView>> {
    let store = state.store.as_ref();
    let m = body.value;
    rungs_app::promotions::make_move(store, &viewer, id, m.mv, m.reason, m.effective_on).await?;
    Ok(Json(rungs_app::promotions::case_view(store, &viewer, id).await?))
}

/// A reviewer's comment and/or vote.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    #[serde(default)]
    pub vote: Option<Vote>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Comment and/or vote on a case in review (the subject's managers and the people
/// team; nobody on their own case). A reviewer's last vote counts.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/reviews",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CaseId, Path, description = "Case id")),
    request_body = ReviewInput,
    responses((status = 200, body = ReviewView))
)]
#[tracing::instrument(skip_all)]
pub async fn review_case(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<CaseId>,
    body: JsonBody<ReviewInput>,
) -> ApiResult<Json<ReviewView>> {
    let store = state.store.as_ref();
    let r = rungs_app::promotions::review(store, &viewer, id, body.value.vote, body.value.comment).await?;
    let reviewer_name = store.person(viewer.org_id, r.reviewer).await.map(|p| p.name).unwrap_or_default();
    Ok(Json(ReviewView { review: r, reviewer_name }))
}

/// Where to put a case on the calibration board.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RankInput {
    /// 0 = first of its calibration group.
    #[schema(minimum = 0, maximum = 100000)]
    pub position: u32,
}

/// Reorder the calibration board (the people team): returns the group's cases in
/// their new order.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/rank",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CaseId, Path, description = "Case id")),
    request_body = RankInput,
    responses((status = 200, body = Vec<CaseId>))
)]
#[tracing::instrument(skip_all)]
pub async fn rank_case(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<CaseId>,
    body: JsonBody<RankInput>,
) -> ApiResult<Json<Vec<CaseId>>> {
    Ok(Json(rungs_app::promotions::reorder(state.store.as_ref(), &viewer, id, body.value.position as usize).await?))
}

/// Attach a fresh evidence packet, as of now, to a nominated case (its nominator or
/// the people team).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/packet",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CaseId, Path, description = "Case id")),
    responses(
        (status = 200, body = CaseView),
        (status = 422, description = "No packet can be assembled: the case's target level is not in the framework (any more).", body = crate::api::error::Problem, content_type = "application/problem+json")
    )
)]
#[tracing::instrument(skip_all)]
pub async fn refresh_case_packet(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<CaseId>) -> ApiResult<Json<CaseView>> {
    let store = state.store.as_ref();
    rungs_app::promotions::edit(store, &viewer, id, CaseEdit::default(), true).await?;
    Ok(Json(rungs_app::promotions::case_view(store, &viewer, id).await?))
}
