//! `/api/v1/me/suggestions`: the wins work systems suggest to the caller.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use rungs_app::evidence::AcceptInput;
use rungs_core::event::Event;
use rungs_core::evidence::{Suggestion, SuggestionState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `pending` (the default), `accepted`, `dismissed` or `all`.
    #[param(pattern = "^(pending|accepted|dismissed|all)$")]
    pub state: Option<String>,
}

/// The caller's suggested wins, newest first (pending ones unless `state` says).
#[utoipa::path(get, path = "/api/v1/me/suggestions", tag = "evidence", security(("bearer" = [])), params(ListParams), responses((status = 200, body = Vec<Suggestion>)))]
#[tracing::instrument(skip_all)]
pub async fn list_suggestions(State(state): State<AppState>, Auth(viewer): Auth, Query(q): Query<ListParams>) -> ApiResult<Json<Vec<Suggestion>>> {
    let filter = match q.state.as_deref() {
        None | Some("pending") => Some(SuggestionState::Pending),
        Some("all") => None,
        Some(s) => Some(SuggestionState::parse(s).ok_or_else(|| rungs_core::ValidationError::single("state", "must be pending, accepted, dismissed or all"))?),
    };
    Ok(Json(rungs_app::evidence::suggestions(state.store.as_ref(), &viewer, filter).await?))
}

/// An accepted suggestion and the win it became.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub suggestion: Suggestion,
    pub event: Event,
}

/// Accept a suggested win, possibly with another title, description or competencies:
/// it becomes a win (`micro_progression`) on the caller's ledger, to be validated like
/// any other. Once: a second accept or a dismissal after it is a 409.
#[utoipa::path(
    post,
    path = "/api/v1/me/suggestions/{id}/accept",
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id")),
    request_body = AcceptInput,
    responses((status = 200, body = Accepted))
)]
#[tracing::instrument(skip_all)]
pub async fn accept_suggestion(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<Uuid>,
    body: JsonBody<AcceptInput>,
) -> ApiResult<Json<Accepted>> {
    // serde reads a struct from an array too (`[null, null]`): the body is an object.
    if !body.bytes.trim_ascii_start().starts_with(b"{") {
        return Err(rungs_core::ValidationError::single("body", "must be a JSON object").into());
    }
    let (suggestion, event) = rungs_app::evidence::accept(state.store.as_ref(), &viewer, id, &body.value, Utc::now()).await?;
    Ok(Json(Accepted { suggestion, event }))
}

/// Dismiss a suggested win: nothing reaches the ledger. Once.
#[utoipa::path(
    post,
    path = "/api/v1/me/suggestions/{id}/dismiss",
    tag = "evidence",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id")),
    responses((status = 200, body = Suggestion))
)]
#[tracing::instrument(skip_all)]
pub async fn dismiss_suggestion(State(state): State<AppState>, Auth(viewer): Auth, Path(id): Path<Uuid>) -> ApiResult<Json<Suggestion>> {
    Ok(Json(rungs_app::evidence::dismiss(state.store.as_ref(), &viewer, id, Utc::now()).await?))
}
