//! `GET /healthz` (liveness) and `GET /readyz` (readiness).
pub mod get;
pub mod ready;
