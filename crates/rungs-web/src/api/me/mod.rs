//! `GET /api/v1/me`.
pub mod get;
