//! `POST /api/v1/framework/matrix`: import a CSV competency matrix.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::ValidationError;
use rungs_core::framework::matrix::MatrixPreview;
use serde::Serialize;
use utoipa::ToSchema;

use super::ladder_params::LadderParams;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixImport {
    /// The version saved; `null` for a preview.
    pub version: Option<u32>,
    pub preview: MatrixPreview,
}

/// Import a competency matrix (rows = competencies, columns = levels, cells =
/// expectation text; an optional `Category` column) into one track (people team
/// only). Without `commit=true` nothing is saved. Ragged rows, duplicate names and
/// unclosed quotes are refused with file, line and reason; rows with near names are
/// listed in `preview.drift` and a commit waits for `same=A=B` / `different=A=B` on
/// each; see docs/FRAMEWORKS.md.
#[utoipa::path(
    post,
    path = "/api/v1/framework/matrix",
    tag = "framework",
    security(("bearer" = ["admin"])),
    params(LadderParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = MatrixImport))
)]
#[tracing::instrument(skip_all)]
pub async fn import_framework_matrix(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(q): Query<Vec<(String, String)>>,
    body: String,
) -> ApiResult<Json<MatrixImport>> {
    let p = LadderParams::from_pairs(q);
    let Some(track) = p.track() else {
        return Err(ValidationError::single("track", "is required: the track whose levels the columns are").into());
    };
    let commit = p.commit()?;
    let file = p.file.clone().unwrap_or_else(|| "matrix.csv".into());
    let (preview, version) = rungs_app::framework::import_matrix(state.store.as_ref(), &viewer, track, &file, &body, &p.confirmations(), commit).await?;
    Ok(Json(MatrixImport { version, preview }))
}
