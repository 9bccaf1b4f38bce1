//! `POST /api/v1/opportunities`: post a stretch project or gig.

use axum::extract::State;
use rungs_app::opportunities::OpportunityView;
use rungs_core::OpportunityId;
use rungs_core::opportunity::OpportunityInput;

use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::idempotency::derived_id;
use crate::extract::{Auth, JsonBody, KeyClaim};

/// Post an opportunity: anyone may, for themself (the people team also for others).
/// Its competencies must exist in the framework. Honours `Idempotency-Key`: a retry
/// with the same key and body gets the same opportunity back.
#[utoipa::path(
    post,
    path = "/api/v1/opportunities",
    tag = "opportunities",
    security(("bearer" = [])),
    request_body = OpportunityInput,
    responses((status = 201, description = "Posted; `Location` points at it.", body = OpportunityView))
)]
#[tracing::instrument(skip_all)]
pub async fn create_opportunity(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<OpportunityInput>,
) -> ApiResult<Created<OpportunityView>> {
    let keyed = claim.map(|c| (OpportunityId(derived_id("opportunity", &viewer.org_id.to_string(), &c)), c));
    let view = rungs_app::opportunities::post(state.store.as_ref(), &viewer, body.value, keyed).await?;
    Ok(created(format!("/api/v1/opportunities/{}", view.opportunity.id), view))
}
