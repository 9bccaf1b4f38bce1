//! `/api/v1/framework`: the organization's tracks, levels and competencies.

pub mod get;
pub mod update;
