//! `/api/v1/evidence/sources`: the senders the people team has set up.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use rungs_core::evidence::Source;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::api::webhooks::list::NoParams;
use crate::extract::{Admin, JsonBody};
use crate::replay::ShownOnce;

/// A new source.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    /// `github`, `gitlab` or `generic`.
    pub kind: String,
    /// What it is, in words.
    pub name: String,
}

/// A new source with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSource {
    pub source: Source,
    /// The path senders deliver to (prefix it with this server's public address).
    pub path: String,
    /// GitHub's webhook secret, GitLab's secret token, or the generic form's key. It
    /// is not shown again: only its SHA-256 is kept.
    pub secret: String,
}

/// Every source (people team), oldest first; secrets are never listed.
#[utoipa::path(get, path = "/api/v1/evidence/sources", tag = "evidence", security(("bearer" = ["admin"])), responses((status = 200, body = Vec<Source>)))]
#[tracing::instrument(skip_all)]
pub async fn list_sources(State(state): State<AppState>, Admin(viewer): Admin, Query(_): Query<NoParams>) -> ApiResult<Json<Vec<Source>>> {
    Ok(Json(rungs_app::evidence::sources(state.store.as_ref(), &viewer).await?))
}

/// Add a source (people team). The answer holds its secret, shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/evidence/sources",
    tag = "evidence",
    security(("bearer" = ["admin"])),
    request_body = SourceInput,
    responses((status = 201, description = "Added; keep the secret.", body = CreatedSource))
)]
#[tracing::instrument(skip_all)]
pub async fn create_source(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    body: JsonBody<SourceInput>,
) -> ApiResult<(StatusCode, Extension<ShownOnce>, Json<CreatedSource>)> {
    let c = rungs_app::evidence::create_source(state.store.as_ref(), &viewer, &body.value.kind, &body.value.name, Utc::now()).await?;
    let path = format!("/hooks/v1/evidence/{}", c.source.id);
    Ok((StatusCode::CREATED, Extension(ShownOnce), Json(CreatedSource { source: c.source, path, secret: c.secret })))
}

/// Remove a source: its deliveries are refused from now on; suggestions it made stay.
#[utoipa::path(
    delete,
    path = "/api/v1/evidence/sources/{id}",
    tag = "evidence",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Source id")),
    responses((status = 204, description = "Removed."))
)]
#[tracing::instrument(skip_all)]
pub async fn remove_source(State(state): State<AppState>, Admin(viewer): Admin, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    rungs_app::evidence::remove_source(state.store.as_ref(), &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
