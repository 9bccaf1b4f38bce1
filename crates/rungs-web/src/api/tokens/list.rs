//! `GET /api/v1/tokens`.

use axum::Json;
use axum::extract::State;
use rungs_core::store::TokenRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenRecord>,
}

/// Tokens the caller may see: all for the people team, their own otherwise. Secrets
/// are never included.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])), responses((status = 200, body = TokenList)))]
#[tracing::instrument(skip_all)]
pub async fn list_tokens(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<TokenList>> {
    Ok(Json(TokenList { items: rungs_app::tokens::list(state.store.as_ref(), &viewer).await? }))
}
