//! Liveness for load balancers and test harnesses: the process answers. It stays 200
//! when the store cannot write; `/readyz` reports that. No authentication.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: &'static str,
    /// Storage backend in use: `sqlite` or `postgres`.
    pub backend: &'static str,
}

/// Is the server up, and on which storage backend?
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "The server is up.", body = Health)))]
#[tracing::instrument(skip_all)]
pub async fn get_health(State(state): State<AppState>) -> Json<Health> {
    Json(Health { status: "ok", backend: state.store.backend() })
}
