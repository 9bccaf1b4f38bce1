//! `DELETE /api/v1/tokens/{id}`: revoke a token.

use axum::Json;
use axum::extract::State;
use rungs_core::TokenId;
use rungs_core::store::TokenRecord;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// Revoke a token: the people team any, anyone their own. Revoking twice is fine.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = TokenId, Path, description = "Token id")),
    responses((status = 200, description = "The token, now revoked.", body = TokenRecord))
)]
#[tracing::instrument(skip_all)]
pub async fn revoke_token(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<TokenId>) -> ApiResult<Json<TokenRecord>> {
    Ok(Json(rungs_app::tokens::revoke(state.store.as_ref(), &viewer, id).await?))
}
