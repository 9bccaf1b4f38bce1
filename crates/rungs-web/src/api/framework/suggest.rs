//! `GET /api/v1/framework/suggest`: which competencies a free-text win evidences.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::framework::suggest::Suggestion;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// The win's title and details, up to 4,000 characters; not blank.
    #[param(required = true, min_length = 1, max_length = 4000, pattern = "\\S")]
    pub text: Option<String>,
    /// The track whose expectations to match (default: the caller's own).
    pub track: Option<String>,
}

/// Up to three suggestions, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    pub items: Vec<Suggestion>,
}

/// Competencies a win described in free text seems to evidence: an offline,
/// deterministic word match against each competency's name and what the framework
/// expects of it, rare words weighing more; each suggestion says which words matched
/// (docs/FRAMEWORKS.md, "Suggested competencies"). Anyone signed in.
#[utoipa::path(
    get,
    path = "/api/v1/framework/suggest",
    tag = "framework",
    security(("bearer" = [])),
    params(SuggestParams),
    responses((status = 200, body = Suggestions))
)]
#[tracing::instrument(skip_all)]
pub async fn suggest_competencies(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<SuggestParams>) -> ApiResult<Json<Suggestions>> {
    let Some(text) = p.text.filter(|t| !t.trim().is_empty()) else {
        return Err(rungs_app::AppError::invalid("text", "is required: the win's title and details").into());
    };
    let track = p.track.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let items = rungs_app::framework::suggest(state.store.as_ref(), &viewer, &text, track).await?;
    Ok(Json(Suggestions { items }))
}
