//! `GET /api/v1/framework/diff`.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::framework::VersionDiff;
use rungs_core::ValidationError;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The older version (default: the one before `to`).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub from: Option<String>,
    /// The newer version (default: the newest).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub to: Option<String>,
}

fn version(e: &mut ValidationError, field: &str, raw: Option<&str>) -> Option<u32> {
    let raw = raw?;
    match raw.parse::<u32>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            e.push(field, "must be a version number (1, 2, ...)");
            None
        }
    }
}

/// What changed between two framework versions: tracks, levels, competencies,
/// expectations and milestone modules added, removed or changed (anyone signed in).
#[utoipa::path(
    get,
    path = "/api/v1/framework/diff",
    tag = "framework",
    security(("bearer" = [])),
    params(DiffParams),
    responses((status = 200, body = VersionDiff))
)]
#[tracing::instrument(skip_all)]
pub async fn get_framework_diff(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<DiffParams>) -> ApiResult<Json<VersionDiff>> {
    let mut e = ValidationError::new();
    let from = version(&mut e, "from", p.from.as_deref());
    let to = version(&mut e, "to", p.to.as_deref());
    e.into_result()?;
    Ok(Json(rungs_app::framework::diff(state.store.as_ref(), &viewer, from, to).await?))
}
