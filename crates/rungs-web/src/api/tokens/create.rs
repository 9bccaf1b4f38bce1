//! `POST /api/v1/tokens`: issue a token (people team only).

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use rungs_core::person::Role;
use rungs_core::store::TokenRecord;
use rungs_core::{PersonId, TokenId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::idempotency::derived_id;
use crate::extract::{Admin, IdempotencyKey, JsonBody};

/// Whom the token is for and what it may do.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub person_id: PersonId,
    pub role: Role,
    /// What the token is for, e.g. `HRIS sync`: 1-100 characters, not blank.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub label: String,
}

/// A new token. `secret` is shown only in this response and cannot be retrieved later.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenRecord,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Issue a token (people team only).
///
/// `Idempotency-Key`: the secret is never stored, so a repeat cannot be replayed. A
/// key derives the token's id instead: the first request creates the token, and any
/// later request with the same key (whatever its body) is refused with 409 naming
/// `Idempotency-Key`, so a retried request never creates a second live token. Find
/// the token with `GET /api/v1/tokens`, revoke it and create a new one if its secret
/// was lost.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = ["admin"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1-200 visible ASCII characters; makes a retry safe: a repeated key is a 409, never a second token.", pattern = "^[!-~]{1,200}$")),
    request_body = CreateToken,
    responses((status = 201, description = "Created; the secret is shown this once.", body = CreatedToken))
)]
#[tracing::instrument(skip_all)]
pub async fn create_token(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    key: IdempotencyKey,
    method: Method,
    uri: Uri,
    body: JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let claim = key.claim(&viewer, &method, uri.path(), &body.bytes)?;
    let id = claim.map(|c| TokenId(derived_id("token", &viewer.org_id.to_string(), &c)));
    let req = body.value;
    let (token, secret) = rungs_app::tokens::issue(state.store.as_ref(), &viewer, id, req.person_id, req.role, &req.label).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}
