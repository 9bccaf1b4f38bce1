//! Promotion cycles and cases (docs/WORKFLOWS.md).

pub mod board;
pub mod cases;
pub mod cycles;
pub mod moves;
pub mod nominate;
