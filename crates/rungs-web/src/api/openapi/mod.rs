//! `GET /api/openapi.json`.
pub mod get;
