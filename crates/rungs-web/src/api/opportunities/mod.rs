//! `/api/v1/opportunities`: the opportunity board. Posting, applying and the
//! application workflow; the rules are in `rungs_app::opportunities`.

pub mod apply;
pub mod close;
pub mod create;
pub mod decide;
pub mod get;
pub mod list;
