//! JSON request bodies, kept as the raw bytes as well as parsed, so the idempotency
//! fingerprint covers exactly what the client sent.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::api::error::ApiError;

/// A JSON body: `value` parsed, `bytes` as received.
///
/// Syntax errors are 400 naming `body` with serde's line and column; a well-formed
/// document of the wrong shape is 422 naming the offending field; anything but
/// `application/json` is 415; a body over the route's limit is 413.
#[derive(Debug, Clone)]
pub struct JsonBody<T> {
    pub value: T,
    pub bytes: Bytes,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::field(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type", "must be application/json"));
        }
        let bytes = Bytes::from_request(req, state).await?;
        let value = parse(&bytes)?;
        Ok(JsonBody { value, bytes })
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parse JSON, naming the field a type error is at.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => {
                let msg = inner.to_string();
                let field = match missing_field(&msg) {
                    Some(name) if path == "." => name.to_string(),
                    Some(name) => format!("{path}.{name}"),
                    None if path == "." => "body".to_string(),
                    None => path,
                };
                ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, msg)
            }
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::field(StatusCode::BAD_REQUEST, "body", format!("malformed JSON: {inner}"))
            }
        }
    })?;
    de.end().map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "body", format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// `missing field `name` at line 1 column 2` → `name`.
pub(crate) fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}
