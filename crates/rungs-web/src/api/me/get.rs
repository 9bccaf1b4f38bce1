//! Who the bearer token belongs to.

use axum::Json;
use axum::extract::State;
use rungs_app::AppError;
use rungs_core::TokenId;
use rungs_core::person::{Person, Role};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

/// The caller: their person record (as they may see it) and the token's role.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub person: Person,
    pub role: Role,
    pub token_id: Option<TokenId>,
}

/// The signed-in person and their role.
#[utoipa::path(get, path = "/api/v1/me", tag = "people", security(("bearer" = [])), responses((status = 200, body = Me)))]
#[tracing::instrument(skip_all)]
pub async fn get_me(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Me>> {
    let id = viewer.person_id.ok_or(AppError::NotFound)?;
    let person = rungs_app::people::get(state.store.as_ref(), &viewer, id).await?;
    Ok(Json(Me { person, role: viewer.role, token_id: viewer.token_id }))
}
