//! Authentication as an extractor: `Authorization: Bearer rungs_…` resolved to a
//! [`Viewer`] by `rungs-app`. What the viewer may do is decided there, not here.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rungs_app::{AppError, Viewer};

use crate::AppState;
use crate::api::error::ApiError;

/// The authenticated caller. Rejects with 401 and `WWW-Authenticate: Bearer`.
#[derive(Debug, Clone)]
pub struct Auth(pub Viewer);

/// A caller already authenticated by a layer in front of the handler (the
/// `Idempotency-Key` layer, `crate::replay`), so the token is looked up once.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Viewer);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(Authenticated(viewer)) = parts.extensions.get() {
            return Ok(Auth(viewer.clone()));
        }
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::unauthorized("send a bearer token: Authorization: Bearer rungs_…", "Bearer"));
        };
        let secret =
            value.to_str().ok().and_then(|v| v.split_once(' ')).filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, secret)| secret.trim());
        let Some(secret) = secret else {
            return Err(ApiError::unauthorized("the Authorization header must use the Bearer scheme", "Bearer"));
        };
        match rungs_app::tokens::authenticate(state.store.as_ref(), secret).await {
            Ok(viewer) => Ok(Auth(viewer)),
            Err(AppError::Unauthorized) => Err(ApiError::unauthorized("the bearer token is unknown or revoked", "Bearer error=\"invalid_token\"")),
            Err(other) => Err(other.into()),
        }
    }
}

/// An authenticated caller of a people-team-only route. Put it where [`Auth`] would
/// go: extractors run in argument order, so the role is checked before the path,
/// query, `Idempotency-Key` or body are read, and a caller without the role gets `403`
/// whatever they sent (authorization before validation). Such operations are marked
/// `security(("bearer" = ["admin"]))` in their `utoipa::path`; a test sends every
/// one of them a malformed request with each other role.
#[derive(Debug, Clone)]
pub struct Admin(pub Viewer);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Auth(viewer) = Auth::from_request_parts(parts, state).await?;
        if !viewer.is_admin() {
            return Err(AppError::Forbidden("only the people team (an admin token) may do this".into()).into());
        }
        Ok(Admin(viewer))
    }
}
