//! Verifiable credentials (Open Badges 3.0, docs/CREDENTIALS.md): who Rungs signs as.
//! The cryptography is `rungs-credentials`; this module holds the issuer's keys and
//! identity.

pub mod issuer;

pub use issuer::{Issuer, IssuerKeys};
