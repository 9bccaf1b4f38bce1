//! Open Badges 3.0 verifiable credentials, the cryptographic half.
//!
//! - [`keys`]: Ed25519 key pairs and their Multikey / multibase encodings.
//! - [`did`]: `did:key` and `did:web` identifiers and DID documents.
//! - [`contexts`]: the JSON-LD contexts Rungs signs under, bundled and pinned: nothing is
//!   ever fetched, so a context host cannot change what a signature covers.
//! - [`canon`]: JSON-LD → RDF → RDFC-1.0 canonical N-Quads.
//! - [`proof`]: `DataIntegrityProof` with the `eddsa-rdfc-2022` cryptosuite (create, verify).
//! - [`status_list`]: W3C Bitstring Status List encoding.
//! - [`bake`]: Open Badges "baking": a credential embedded in a PNG `iTXt` chunk.
//!
//! This crate does no IO: callers hand it keys, documents and contexts.

pub mod bake;
pub mod canon;
pub mod contexts;
pub mod did;
pub mod keys;
pub mod openbadge;
pub mod proof;
pub mod status_list;
pub mod verify;

/// What can go wrong while signing or verifying.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A context the document names is not bundled; Rungs never fetches one.
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    #[error("RDF canonicalization failed: {0}")]
    Canon(String),
    #[error("invalid key: {0}")]
    Key(String),
    #[error("invalid proof: {0}")]
    Proof(String),
    #[error("invalid status list: {0}")]
    StatusList(String),
    #[error("invalid PNG: {0}")]
    Png(String),
}
