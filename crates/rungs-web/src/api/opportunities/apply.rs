//! `POST /api/v1/opportunities/{id}/applications`: apply.

use axum::extract::State;
use rungs_app::opportunities::ApplicationView;
use rungs_core::opportunity::ApplyInput;
use rungs_core::{ApplicationId, OpportunityId};

use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::idempotency::derived_id;
use crate::extract::{Auth, JsonBody, KeyClaim, PathId};

/// Apply to an open opportunity with a place left, as the caller (not to one's own;
/// once, unless the earlier application was declined or withdrawn). Honours
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/opportunities/{id}/applications",
    tag = "opportunities",
    security(("bearer" = [])),
    params(
        ("id" = OpportunityId, Path, description = "Opportunity id"),
    ),
    request_body = ApplyInput,
    responses((status = 201, description = "Applied.", body = ApplicationView))
)]
#[tracing::instrument(skip_all)]
pub async fn apply_to_opportunity(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<OpportunityId>,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<ApplyInput>,
) -> ApiResult<Created<ApplicationView>> {
    let keyed = claim.map(|c| (ApplicationId(derived_id("application", &viewer.org_id.to_string(), &c)), c));
    let view = rungs_app::opportunities::apply(state.store.as_ref(), &viewer, id, body.value, keyed).await?;
    Ok(created(format!("/api/v1/opportunities/{id}/applications/{}", view.application.id), view))
}
