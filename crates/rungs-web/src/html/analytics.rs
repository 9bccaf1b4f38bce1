//! Analytics pages: the dashboard (`/analytics`: the whole organization for the people
//! team, a manager's reports for a manager) and the what-works report
//! (`/analytics/what-works`, people team only) with Kaplan–Meier curves drawn
//! server-side as SVG (`crate::charts`). The numbers are the API's
//! (`rungs_app::analytics`).

use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use rungs_core::analytics::whatworks::p_text;
use serde::Serialize;

use super::{HtmlError, Layout, render};
use crate::AppState;
use crate::charts;
use crate::extract::Session;

/// Rows of the stagnation list shown on the page (the API, CLI and CSV give them all).
const SHOWN: usize = 50;

pub async fn dashboard(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let now = Utc::now();
    let store = state.store.as_ref();
    let m = rungs_app::analytics::metrics_report(store, &state.analytics, &s.viewer, now, None).await?;
    let st = rungs_app::analytics::stagnation_report(store, &state.analytics, &s.viewer, now, None).await?;
    // Cadence month by month as bars: the eye sees a slowdown before a table shows it.
    let cadence_svg = charts::cadence(&m.monthly, "cad-t");
    let shown: Vec<_> = st.rows.iter().take(SHOWN).collect();
    let admin = rungs_app::access::Capabilities::of(s.viewer.role).metrics_everyone;
    render(
        "analytics.html",
        minijinja::context! {
            layout => Layout::new(&s, "analytics", if admin { "Organization analytics" } else { "Team analytics" }),
            admin,
            m,
            st_total => st.rows.len(),
            st_considered => st.considered,
            st_method => st.method.clone(),
            st_days => st.threshold_days,
            rows => shown,
            cadence_svg,
            managers => m.by_manager.iter().take(30).collect::<Vec<_>>(),
        },
    )
}

#[derive(Serialize)]
struct Line {
    class: String,
    label: String,
}

#[derive(Serialize)]
struct Chart {
    id: String,
    title: String,
    finding: String,
    svg: String,
    lines: Vec<Line>,
    test: String,
    groups: Vec<rungs_core::analytics::whatworks::Curve>,
}

pub async fn what_works(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let r = rungs_app::analytics::what_works_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), None).await?;
    let charts: Vec<Chart> = r
        .all_comparisons()
        .enumerate()
        .map(|(k, c)| Chart {
            id: c.id.clone(),
            title: c.title.clone(),
            finding: c.finding.clone(),
            svg: charts::km(c, charts::x_max(&r, c), &format!("t{k}")),
            lines: c
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.people > 0)
                .map(|(i, g)| Line { class: format!("s{i}"), label: format!("{} (n = {})", g.group, g.people) })
                .collect(),
            test: c.log_rank.as_ref().map_or("not enough data for a test".into(), |t| {
                format!("log-rank χ² = {:.2}, {} df, p {}", t.chi_square, t.degrees_of_freedom, p_text(t.p_value))
            }),
            groups: c.groups.clone(),
        })
        .collect();
    render(
        "what_works.html",
        minijinja::context! {
            layout => Layout::new(&s, "what-works", "What works"),
            r,
            charts,
        },
    )
}
