//! `POST /api/v1/framework/markdown`: import a Markdown career ladder.

use axum::Json;
use axum::extract::{Query, State};

use super::ladder_params::LadderParams;
use super::matrix::MatrixImport;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

/// Import a career ladder written in Markdown (people team only): `## Level` sections
/// with `### Competency` lists of criteria, the transposed form (`## Competency`, then
/// `### L1`), or a pipe table (rows = competencies, columns = levels); see
/// docs/FRAMEWORKS.md. Names that may be one competency written two ways are listed in
/// `preview.drift`; a commit is refused until each is confirmed with `same=A=B` or
/// `different=A=B`. Without `commit=true` nothing is saved. Problems name file, line
/// and reason.
#[utoipa::path(
    post,
    path = "/api/v1/framework/markdown",
    tag = "framework",
    security(("bearer" = ["admin"])),
    params(LadderParams),
    request_body(content = String, content_type = "text/markdown"),
    responses((status = 200, body = MatrixImport))
)]
#[tracing::instrument(skip_all)]
pub async fn import_framework_markdown(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(q): Query<Vec<(String, String)>>,
    body: String,
) -> ApiResult<Json<MatrixImport>> {
    let p = LadderParams::from_pairs(q);
    let commit = p.commit()?;
    let file = p.file.clone().unwrap_or_else(|| "ladder.md".into());
    let (preview, version) = rungs_app::framework::import_markdown(state.store.as_ref(), &viewer, p.track(), &file, &body, &p.confirmations(), commit).await?;
    Ok(Json(MatrixImport { version, preview }))
}
