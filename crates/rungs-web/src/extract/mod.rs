//! Extractors: how a request becomes typed input, and how it fails as problem+json.

pub mod auth;
pub mod idempotency;
pub mod json;
pub mod path;
pub mod query;
pub mod session;

pub use auth::{Admin, Auth};
pub use idempotency::KeyClaim;
pub use json::JsonBody;
pub use path::PathId;
pub use session::{AdminSession, Session};
