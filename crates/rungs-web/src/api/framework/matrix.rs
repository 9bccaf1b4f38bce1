//! `POST /api/v1/framework/matrix`: import a CSV competency matrix.

use axum::Json;
use axum::extract::{Query, State};
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
/// expectation text; an optional `Category` column; comma, semicolon or TAB) into one
/// track, created when new (people team only). Without `commit=true` nothing is
/// saved; `preview.changes` lists what a commit changes (empty: no new version).
/// Ragged rows, duplicate names and unclosed quotes are refused, all at once, with
/// file, line, reason and fix; rows with near names (in the file, or against the
/// framework) are listed in `preview.drift` and a commit waits for `same=A=B` /
/// `different=A=B` on each; `map=Header=role` says what a column is; see
/// docs/FRAMEWORKS.md.
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
    let commit = p.commit()?;
    let mapping = p.mapping()?;
    let file = p.file.clone().unwrap_or_else(|| "matrix.csv".into());
    let (preview, version) =
        rungs_app::framework::import_matrix(state.store.as_ref(), &viewer, p.track(), &file, &body, &mapping, &p.confirmations(), commit).await?;
    Ok(Json(MatrixImport { version, preview }))
}
