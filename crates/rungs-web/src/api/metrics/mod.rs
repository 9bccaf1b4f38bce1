//! `GET /metrics`.
pub mod get;
