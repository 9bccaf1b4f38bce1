//! `POST /api/v1/cycles/{id}/cases`: nominate someone.

use axum::extract::State;
use rungs_app::promotions::CaseView;
use rungs_core::CycleId;
use rungs_core::promotion::NominationInput;

use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::{Auth, JsonBody, PathId};

/// Nominate a report (yourself, when the cycle takes self-nominations) while the
/// cycle's nominations are open. The evidence packet toward the proposed level is
/// attached as of now; level, track and title default to the next level of the
/// person's track and its title.
#[utoipa::path(
    post,
    path = "/api/v1/cycles/{id}/cases",
    tag = "promotions",
    security(("bearer" = [])),
    params(("id" = CycleId, Path, description = "Cycle id")),
    request_body = NominationInput,
    responses((status = 201, description = "Nominated; `Location` points at the case.", body = CaseView))
)]
#[tracing::instrument(skip_all)]
pub async fn nominate(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<CycleId>,
    body: JsonBody<NominationInput>,
) -> ApiResult<Created<CaseView>> {
    let store = state.store.as_ref();
    let case = rungs_app::promotions::nominate(store, &viewer, id, body.value).await?;
    let view = rungs_app::promotions::case_view(store, &viewer, case.id).await?;
    Ok(created(format!("/api/v1/cases/{}", case.id), view))
}
