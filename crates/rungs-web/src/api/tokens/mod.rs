//! `/api/v1/tokens`: API tokens. Secrets are shown once and stored only as digests.

pub mod create;
pub mod list;
pub mod revoke;
