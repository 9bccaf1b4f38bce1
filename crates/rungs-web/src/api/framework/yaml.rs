//! `GET` and `POST /api/v1/framework/yaml`: the framework as YAML.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use rungs_app::framework::ImportOutcome;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, Auth};

/// The framework as YAML, in the format of docs/FRAMEWORKS.md (anyone signed in).
#[utoipa::path(
    get,
    path = "/api/v1/framework/yaml",
    tag = "framework",
    security(("bearer" = [])),
    responses((status = 200, description = "The framework as YAML text (`application/yaml`), in the format of docs/FRAMEWORKS.md.", content_type = "application/yaml"))
)]
#[tracing::instrument(skip_all)]
pub async fn export_framework_yaml(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<impl IntoResponse> {
    let fw = rungs_app::framework::get(state.store.as_ref(), &viewer).await?;
    Ok(([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], rungs_core::framework::yaml::to_yaml(&fw)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YamlParams {
    /// `true` to save it as a new framework version; otherwise only a preview.
    #[param(pattern = "^(true|false)$")]
    pub commit: Option<String>,
    /// The file's name, used in error messages (default `framework.yaml`).
    pub file: Option<String>,
}

/// Import a whole framework from YAML (people team only). A byte-order mark, CRLF and
/// tabs in indentation are tolerated and reported; anything else wrong is refused
/// naming the line or field. Without `commit=true` nothing is saved.
#[utoipa::path(
    post,
    path = "/api/v1/framework/yaml",
    tag = "framework",
    security(("bearer" = ["admin"])),
    params(YamlParams),
    request_body(content = String, content_type = "application/yaml"),
    responses((status = 200, body = ImportOutcome))
)]
#[tracing::instrument(skip_all)]
pub async fn import_framework_yaml(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(p): Query<YamlParams>,
    body: String,
) -> ApiResult<Json<ImportOutcome>> {
    let commit = super::commit_flag(p.commit.as_deref())?;
    let file = p.file.unwrap_or_else(|| "framework.yaml".into());
    Ok(Json(rungs_app::framework::import_yaml(state.store.as_ref(), &viewer, &file, &body, commit).await?))
}
