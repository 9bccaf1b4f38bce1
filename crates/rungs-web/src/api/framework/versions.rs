//! `GET /api/v1/framework/versions`.

use axum::Json;
use axum::extract::State;
use rungs_core::framework::FrameworkVersion;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkVersions {
    /// Oldest first; the last is the current framework.
    pub items: Vec<FrameworkVersion>,
}

/// Every saved version of the framework (anyone signed in). Each edit or import
/// makes a new version; old ones are kept so history is judged by the version in
/// force at the time.
#[utoipa::path(get, path = "/api/v1/framework/versions", tag = "framework", security(("bearer" = [])), responses((status = 200, body = FrameworkVersions)))]
#[tracing::instrument(skip_all)]
pub async fn list_framework_versions(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<FrameworkVersions>> {
    Ok(Json(FrameworkVersions { items: rungs_app::framework::versions(state.store.as_ref(), &viewer).await? }))
}
