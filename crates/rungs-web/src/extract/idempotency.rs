//! The ledger claim of a keyed request, as the `Idempotency-Key` layer computed it
//! (`crate::replay`): handlers whose use case appends hand it to the ledger, which
//! records it inside the append's transaction.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rungs_core::store::IdempotencyClaim;
use sha2::{Digest, Sha256};

/// The claim of this request: `None` without an `Idempotency-Key`. Nothing is parsed
/// or hashed here; the layer did it once, for every route.
#[derive(Debug, Clone, Default)]
pub struct KeyClaim(pub Option<IdempotencyClaim>);

impl<S: Send + Sync> FromRequestParts<S> for KeyClaim {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(KeyClaim(parts.extensions.get::<IdempotencyClaim>().cloned()))
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
