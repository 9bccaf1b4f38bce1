//! `POST /api/v1/tokens`: issue a token (people team only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use rungs_core::person::Role;
use rungs_core::store::TokenRecord;
use rungs_core::{PersonId, TokenId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::idempotency::derived_id;
use crate::extract::{Admin, JsonBody, KeyClaim};
use crate::replay::ShownOnce;

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
/// `Idempotency-Key`: the secret is never stored, so a repeat cannot be replayed: a
/// repeat of the request is refused with 409 naming `Idempotency-Key` (another body
/// with the key is 422), so a retried request never creates a second live token. The
/// key also derives the token's id, which keeps that true if the server died before
/// the answer was kept. Find the token with `GET /api/v1/tokens`, revoke it and
/// create a new one if its secret was lost.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = ["admin"])),
    request_body = CreateToken,
    responses((status = 201, description = "Created; the secret is shown this once.", body = CreatedToken))
)]
#[tracing::instrument(skip_all)]
pub async fn create_token(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Extension<ShownOnce>, Json<CreatedToken>)> {
    let id = claim.map(|c| TokenId(derived_id("token", &viewer.org_id.to_string(), &c)));
    let req = body.value;
    let (token, secret) = rungs_app::tokens::issue(state.store.as_ref(), &viewer, id, req.person_id, req.role, &req.label).await?;
    Ok((StatusCode::CREATED, Extension(ShownOnce), Json(CreatedToken { token, secret })))
}
