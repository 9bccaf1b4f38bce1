//! `POST /api/v1/people/{id}/badges`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use rungs_core::PersonId;
use rungs_core::badges::Tier;
use rungs_core::event::Event;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody, PathId};

/// An award by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardRequest {
    pub badge: String,
    #[serde(default = "bronze")]
    pub tier: Tier,
    /// Why, in words (shown with the badge).
    pub reason: String,
}

fn bronze() -> Tier {
    Tier::Bronze
}

/// Award a badge tier by hand, with a reason: a manager to a report, the people team
/// to anyone (docs/SECURITY.md). Once per person, badge and tier: a tier already held
/// is `409`.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/badges",
    tag = "badges",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id")),
    request_body = AwardRequest,
    responses((status = 201, description = "The `badge_awarded` event.", body = Event))
)]
#[tracing::instrument(skip_all)]
pub async fn award_badge(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<PersonId>,
    body: JsonBody<AwardRequest>,
) -> ApiResult<(StatusCode, Json<Event>)> {
    let r = body.value;
    let e = rungs_app::badges::award_by_hand(state.store.as_ref(), &viewer, id, &r.badge, r.tier, &r.reason, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(e)))
}
