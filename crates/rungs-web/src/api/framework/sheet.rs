//! `POST /api/v1/framework/sheet`: import a spreadsheet (XLSX, ODS, XLS) as a matrix.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use utoipa::IntoParams;

use super::ladder_params::LadderParams;
use super::matrix::MatrixImport;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

/// The sheet to read, beside the ladder parameters.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetParams {
    /// The sheet to read, by name (case and spacing ignored). Default: the first.
    pub sheet: Option<String>,
}

/// Import one sheet of a spreadsheet as a competency matrix (people team only): the
/// body is the file as saved by Excel, Google Sheets (XLSX) or LibreOffice (ODS). A
/// title or group row above the table is skipped, a merged cell below the header is
/// read into each cell it covers, numbers and dates become their text. Defects are
/// refused all at once, each named `file:sheet!cell`; otherwise it previews and
/// commits like `/api/v1/framework/matrix` (the track defaults to the sheet's name).
#[utoipa::path(
    post,
    path = "/api/v1/framework/sheet",
    tag = "framework",
    security(("bearer" = ["admin"])),
    params(LadderParams, SheetParams),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = MatrixImport))
)]
#[tracing::instrument(skip_all)]
pub async fn import_framework_sheet(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(q): Query<Vec<(String, String)>>,
    body: Bytes,
) -> ApiResult<Json<MatrixImport>> {
    let sheet = q.iter().rev().find(|(k, _)| k == "sheet").map(|(_, v)| v.clone());
    let p = LadderParams::from_pairs(q);
    let commit = p.commit()?;
    let mapping = p.mapping()?;
    let file = p.file.clone().unwrap_or_else(|| "ladder.xlsx".into());
    let (preview, version) =
        rungs_app::framework::import_sheet(state.store.as_ref(), &viewer, p.track(), &file, &body, sheet.as_deref(), &mapping, &p.confirmations(), commit)
            .await?;
    Ok(Json(MatrixImport { version, preview }))
}
