//! `/analytics/equity`: the equity audit (people team only): promotion and recognition
//! rates by a sensitive attribute, with a bar chart per outcome and the four-fifths
//! line. The numbers are the API's (`rungs_app::analytics::equity_report`).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{HtmlError, Layout, render};
use crate::AppState;
use crate::charts;
use crate::extract::Session;

#[derive(Debug, Deserialize)]
pub struct EquityQuery {
    pub attribute: Option<String>,
}

#[derive(Serialize)]
struct Outcome {
    audit: rungs_core::analytics::equity::OutcomeAudit,
    svg: String,
}

pub async fn show(State(state): State<AppState>, s: Session, Query(q): Query<EquityQuery>) -> Result<Response, HtmlError> {
    let attribute = q.attribute.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let r = rungs_app::analytics::equity_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), attribute, None).await?;
    let attr = r.attribute.clone().unwrap_or_default();
    let outcomes: Vec<Outcome> =
        r.outcomes.iter().enumerate().map(|(k, o)| Outcome { audit: o.clone(), svg: charts::equity(o, &attr, &format!("eq{k}")) }).collect();
    render(
        "equity.html",
        minijinja::context! {
            layout => Layout::new(&s, "equity", "Equity audit"),
            r,
            outcomes,
            min_group => rungs_core::analytics::equity::MIN_GROUP,
            attr_q => if attr.is_empty() { String::new() } else { format!("&attribute={}", percent(&attr)) },
        },
    )
}

/// `s` for a URL's query string: unreserved characters as they are, the rest as %XX.
pub fn percent(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
