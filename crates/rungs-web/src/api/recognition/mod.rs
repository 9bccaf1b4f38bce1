//! `/api/v1/recognition`: give recognition with points, the feed, balances, the
//! collusion report and the policy; the rules are in `rungs_app::recognition`.

pub mod balance;
pub mod collusion;
pub mod feed;
pub mod give;
pub mod policy;
