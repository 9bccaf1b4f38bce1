//! The `{id}` path parameter, parsed into a typed id; a malformed one is a 400 that
//! names the parameter.

use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::api::error::ApiError;

/// A typed `{id}` from the path (`PersonId`, `EventId`, `TokenId`).
#[derive(Debug, Clone, Copy)]
pub struct PathId<T>(pub T);

impl<T: FromStr + Send, S: Send + Sync> FromRequestParts<S> for PathId<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await?;
        raw.parse().map(PathId).map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "id", format!("must be a UUID, got '{}'", truncate(&raw, 80))))
    }
}

/// Echo at most `n` characters of client input back in an error.
pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}
