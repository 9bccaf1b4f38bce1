//! `/api/v1/readiness`: readiness in brief for many people at once.

pub mod list;
