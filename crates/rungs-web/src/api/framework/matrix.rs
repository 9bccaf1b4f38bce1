//! `POST /api/v1/framework/matrix`: import a CSV competency matrix.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::ValidationError;
use rungs_core::framework::matrix::MatrixPreview;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatrixParams {
    /// The track whose levels the matrix's columns are (by level key or title).
    pub track: Option<String>,
    /// `true` to save a new framework version; otherwise only a preview.
    pub commit: Option<String>,
    /// The file's name, used in error messages (default `matrix.csv`).
    pub file: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixImport {
    /// The version saved; `null` for a preview.
    pub version: Option<u32>,
    pub preview: MatrixPreview,
}

/// Import a competency matrix (rows = competencies, columns = levels, cells =
/// expectation text; an optional `Category` column) into one track (people team
/// only). Without `commit=true` nothing is saved. Ragged rows, duplicate names and
/// unclosed quotes are refused with file, line and reason; see docs/FRAMEWORKS.md.
#[utoipa::path(
    post,
    path = "/api/v1/framework/matrix",
    tag = "framework",
    security(("bearer" = [])),
    params(MatrixParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = MatrixImport))
)]
#[tracing::instrument(skip_all)]
pub async fn import_framework_matrix(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<MatrixParams>, body: String) -> ApiResult<Json<MatrixImport>> {
    let Some(track) = p.track.filter(|t| !t.is_empty()) else {
        return Err(ValidationError::single("track", "is required: the track whose levels the columns are").into());
    };
    let commit = super::commit_flag(p.commit.as_deref())?;
    let file = p.file.unwrap_or_else(|| "matrix.csv".into());
    let (preview, version) = rungs_app::framework::import_matrix(state.store.as_ref(), &viewer, &track, &file, &body, commit).await?;
    Ok(Json(MatrixImport { version, preview }))
}
