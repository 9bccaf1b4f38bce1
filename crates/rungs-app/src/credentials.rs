//! Verifiable credentials (Open Badges 3.0, docs/CREDENTIALS.md): who Rungs signs as
//! ([`issuer`]), turning ledger achievements into signed credentials ([`issuing`]),
//! the holder's and the people team's operations ([`holder`]), automatic issuing for
//! those who opted in ([`auto`]), and what anyone may read and check ([`public`]).
//! The cryptography is `rungs-credentials`.

pub mod auto;
pub mod holder;
pub mod issuer;
pub mod issuing;
pub mod public;

pub use issuer::{Issuer, IssuerKeys};

#[cfg(test)]
mod tests;
