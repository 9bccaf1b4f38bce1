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

/// Parse JSON, naming the field a type error is at. A key repeated in one object
/// (`{"subject": A, "subject": B}`), at any depth, is a 422 naming it: serde would
/// keep the last one silently, so a body could say two things and be read as one.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(DupError::Duplicate(field)) = duplicates::check(bytes) {
        return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, "appears more than once in the same object"));
    }
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
            Category::Syntax | Category::Eof | Category::Io => ApiError::field(StatusCode::BAD_REQUEST, "body", format!("malformed JSON: {inner}")),
        }
    })?;
    de.end().map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "body", format!("malformed JSON: {e}")))?;
    Ok(value)
}

use duplicates::DupError;

/// The duplicate-key pre-pass: one walk of the raw bytes with serde_json's streaming
/// deserializer, keeping only the keys of the objects on the current path. A syntax
/// error here is left for the real parse to report with its line and column.
mod duplicates {
    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

    pub enum DupError {
        /// The path of the first repeated key, e.g. `payload.title` or `events[2].kind`.
        Duplicate(String),
        /// Not JSON: the real parse reports it.
        Other,
    }

    pub fn check(bytes: &[u8]) -> Result<(), DupError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let mut found = None;
        match (Walk { path: String::new(), found: &mut found }).deserialize(&mut de) {
            Ok(()) => Ok(()),
            Err(_) => Err(found.map_or(DupError::Other, DupError::Duplicate)),
        }
    }

    /// One JSON value at `path` (`""` for the root, then `a.b`, `a[3]`).
    struct Walk<'a> {
        path: String,
        found: &'a mut Option<String>,
    }

    impl Walk<'_> {
        fn child(&mut self, step: &str) -> Walk<'_> {
            let path = if step.starts_with('[') || self.path.is_empty() { format!("{}{step}", self.path) } else { format!("{}.{step}", self.path) };
            Walk { path, found: self.found }
        }
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }

        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while seq.next_element_seed(self.child(&format!("[{i}]")))?.is_some() {
                i += 1;
            }
            Ok(())
        }

        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
            let mut seen = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    let path = self.child(&key).path;
                    *self.found = Some(path);
                    return Err(A::Error::custom("duplicate key"));
                }
                map.next_value_seed(self.child(&key))?;
            }
            Ok(())
        }
    }
}

/// `missing field `name` at line 1 column 2` → `name`.
pub(crate) fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}
