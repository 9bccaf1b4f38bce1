//! `GET /healthz`.
pub mod get;
