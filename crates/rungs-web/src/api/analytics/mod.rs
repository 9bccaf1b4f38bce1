//! `/api/v1/analytics/…`: the metrics dashboard, the stagnation-risk list and the
//! what-works report (docs/ANALYTICS.md). Who is counted is the access table's
//! `Analyze` rows: a manager's reports, everyone for the people team; what-works is
//! the people team's alone.

pub mod metrics;
pub mod stagnation;
pub mod what_works;

use rungs_core::ValidationError;

/// A whole number in `[lo, hi]`, or the error naming `field`.
pub(crate) fn number(e: &mut ValidationError, field: &str, raw: Option<&str>, lo: u32, hi: u32) -> Option<u32> {
    let raw = raw?;
    match raw.parse::<u32>() {
        Ok(n) if (lo..=hi).contains(&n) => Some(n),
        _ => {
            e.push(field, format!("must be a whole number from {lo} to {hi}"));
            None
        }
    }
}
