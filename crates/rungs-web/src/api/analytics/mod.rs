//! `/api/v1/analytics/…`: the metrics dashboard, the stagnation-risk list, the
//! what-works report and the equity audit (docs/ANALYTICS.md). Who is counted is the
//! access table's `Analyze` rows: a manager's reports, everyone for the people team;
//! what-works and equity are the people team's alone. Every report is JSON, or one of
//! its tables as CSV with `?format=csv&table=…`.

pub mod charts;
pub mod equity;
pub mod metrics;
pub mod stagnation;
pub mod what_works;

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rungs_app::analytics::tables::Table;
use rungs_core::ValidationError;
use serde::Serialize;

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

/// `?format=`: `json` (default) or `csv` (a `table` picks the CSV's table; JSON is
/// the whole report, so it has none to pick).
pub(crate) fn wants_csv(e: &mut ValidationError, format: Option<&str>) -> bool {
    match format {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            e.push("format", "must be json or csv");
            false
        }
    }
}

/// The report as JSON, or its `table` as a CSV download named after both.
pub(crate) fn respond<R: Serialize>(
    report: R,
    csv: bool,
    name: &str,
    table: Option<&str>,
    pick: impl FnOnce(&R, Option<&str>) -> Result<Table, ValidationError>,
) -> Result<Response, ValidationError> {
    if !csv {
        // A `table` is only used by the CSV, but a wrong one is refused, never ignored.
        if table.is_some() {
            pick(&report, table)?;
        }
        return Ok(Json(report).into_response());
    }
    let t = pick(&report, table)?;
    Ok(csv_download(&t, &format!("rungs-{name}-{}.csv", table.unwrap_or("default"))))
}

/// A CSV body with its content type and a download file name.
pub fn csv_download(t: &Table, filename: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))], t.to_csv())
        .into_response()
}
