//! The `Idempotency-Key` header and the claim that carries it into the ledger append.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use rungs_app::Viewer;
use rungs_core::store::IdempotencyClaim;
use sha2::{Digest, Sha256};

use crate::api::error::ApiError;

pub const HEADER: &str = "Idempotency-Key";

/// The raw header value, if any; its shape is checked by `rungs_app::events::claim`.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s) => Ok(IdempotencyKey(Some(s.to_string()))),
                Err(_) => Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, HEADER, "must be 1-200 visible ASCII characters")),
            },
        }
    }
}

impl IdempotencyKey {
    /// The claim for this request: the key plus a digest of exactly the bytes sent.
    /// The digest also covers the method and path, so reusing a key on another
    /// endpoint (or another person's PATCH with the same body) is a conflict rather
    /// than a replay of an unrelated response.
    pub fn claim(&self, viewer: &Viewer, method: &Method, path: &str, body: &[u8]) -> Result<Option<IdempotencyClaim>, ApiError> {
        let claim = rungs_app::events::claim(viewer, self.0.as_deref(), body)?;
        Ok(claim.map(|mut c| {
            let mut h = Sha256::new();
            h.update(method.as_str().as_bytes());
            h.update(b" ");
            h.update(path.as_bytes());
            h.update(b"\n");
            h.update(c.fingerprint.as_bytes());
            c.fingerprint = hex::encode(h.finalize());
            c
        }))
    }
}

/// A stable id for what a keyed request creates, from (kind, organization, caller,
/// key): a UUIDv8 from a SHA-256. A retry with the same key names the same thing, so
/// the use case can find it and answer as the first time instead of creating another.
pub fn derived_id(kind: &str, org: &str, claim: &IdempotencyClaim) -> uuid::Uuid {
    let digest = Sha256::digest(format!("rungs-{kind}\0{org}\0{}\0{}", claim.scope, claim.key).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
