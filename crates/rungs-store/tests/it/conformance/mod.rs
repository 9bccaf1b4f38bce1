//! The conformance suite: every function takes `Arc<dyn Store>` and knows nothing of
//! the backend, so SQLite and (later) PostgreSQL run the same checks.

pub mod admin;
pub mod idempotency;
pub mod ledger;
pub mod people;
pub mod rebuild;
pub mod sessions;
