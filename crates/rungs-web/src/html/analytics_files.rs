//! Downloads behind the analytics pages (signed-in session): every table as CSV
//! (`/analytics/{report}.csv?table=…`) and the charts as SVG. The same tables and
//! drawings as `GET /api/v1/analytics/…?format=csv` and the API's `.svg` routes.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rungs_app::analytics::{self, tables};
use serde::Deserialize;

use super::HtmlError;
use crate::AppState;
use crate::api::analytics::csv_download;
use crate::charts;
use crate::extract::Session;

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    pub table: Option<String>,
    pub attribute: Option<String>,
    pub chart: Option<String>,
    pub outcome: Option<String>,
}

fn csv(t: Result<tables::Table, rungs_core::ValidationError>, report: &str, table: Option<&str>) -> Result<Response, HtmlError> {
    let t = t.map_err(|e| HtmlError::BadRequest(e.to_string()))?;
    Ok(csv_download(&t, &format!("rungs-{report}-{}.csv", table.unwrap_or("default"))))
}

pub fn svg_response(svg: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

pub async fn metrics_csv(State(state): State<AppState>, s: Session, Query(q): Query<FileQuery>) -> Result<Response, HtmlError> {
    let r = analytics::metrics_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), None).await?;
    csv(tables::metrics(&r, q.table.as_deref()), "metrics", q.table.as_deref())
}

pub async fn stagnation_csv(State(state): State<AppState>, s: Session, Query(q): Query<FileQuery>) -> Result<Response, HtmlError> {
    let r = analytics::stagnation_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), None).await?;
    csv(tables::stagnation(&r, q.table.as_deref()), "stagnation", q.table.as_deref())
}

pub async fn what_works_csv(State(state): State<AppState>, s: Session, Query(q): Query<FileQuery>) -> Result<Response, HtmlError> {
    let r = analytics::what_works_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), None).await?;
    csv(tables::what_works(&r, q.table.as_deref()), "what-works", q.table.as_deref())
}

pub async fn equity_csv(State(state): State<AppState>, s: Session, Query(q): Query<FileQuery>) -> Result<Response, HtmlError> {
    let r = analytics::equity_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), q.attribute.as_deref(), None).await?;
    csv(tables::equity(&r, q.table.as_deref()), "equity", q.table.as_deref())
}

pub async fn what_works_svg(State(state): State<AppState>, s: Session, Query(q): Query<FileQuery>) -> Result<Response, HtmlError> {
    let r = analytics::what_works_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), None).await?;
    // Default: the first comparison.
    let chart = q.chart.as_deref().unwrap_or("promotion_by_cadence");
    let c = r.all_comparisons().find(|c| c.id == chart).ok_or(HtmlError::NotFound)?;
    Ok(svg_response(charts::km(c, charts::x_max(&r, c), "t")))
}

pub async fn equity_svg(State(state): State<AppState>, s: Session, Query(q): Query<FileQuery>) -> Result<Response, HtmlError> {
    let r = analytics::equity_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), q.attribute.as_deref(), None).await?;
    // Default: promotion. No attribute recorded at all: nothing to draw.
    let outcome = q.outcome.as_deref().unwrap_or("promotion");
    let o = r.outcomes.iter().find(|o| o.outcome == outcome).ok_or(HtmlError::NotFound)?;
    Ok(svg_response(charts::equity(o, r.attribute.as_deref().unwrap_or_default(), "t")))
}
