//! Analytics pages: the dashboard (`/analytics`: the whole organization for the people
//! team, a manager's reports for a manager) and the what-works report
//! (`/analytics/what-works`, people team only) with Kaplan–Meier curves drawn
//! server-side as SVG. The numbers are the API's (`rungs_app::analytics`).

use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use rungs_core::analytics::stats::KmPoint;
use rungs_core::analytics::whatworks::p_text;
use serde::Serialize;

use super::{HtmlError, Layout, render};
use crate::AppState;
use crate::extract::Session;

/// Chart size in SVG units (scaled to the page width by CSS).
const W: f64 = 560.0;
const H: f64 = 240.0;
const PAD: f64 = 36.0;
/// Rows of the stagnation list shown on the page (the API and CLI give them all).
const SHOWN: usize = 50;

#[derive(Serialize)]
struct Bar {
    x: f64,
    y: f64,
    h: f64,
    label: String,
    value: String,
}

pub async fn dashboard(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let now = Utc::now();
    let store = state.store.as_ref();
    let m = rungs_app::analytics::metrics_report(store, &state.analytics, &s.viewer, now, None).await?;
    let st = rungs_app::analytics::stagnation_report(store, &state.analytics, &s.viewer, now, None).await?;
    // Cadence month by month as bars: the eye sees a slowdown before a table shows it.
    let top = m.monthly.iter().map(|x| x.cadence_per_person_month).fold(0.0f64, f64::max).max(0.1);
    let bw = (W - 2.0 * PAD) / m.monthly.len().max(1) as f64;
    let bars: Vec<Bar> = m
        .monthly
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let h = (H - 2.0 * PAD) * x.cadence_per_person_month / top;
            Bar {
                x: PAD + i as f64 * bw + 2.0,
                y: H - PAD - h,
                h,
                label: x.month_start.format("%b").to_string(),
                value: format!("{:.2}", x.cadence_per_person_month),
            }
        })
        .collect();
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
            bars,
            bar_w => bw - 4.0,
            chart_w => W,
            chart_h => H,
            pad => PAD,
            top => format!("{top:.2}"),
            managers => m.by_manager.iter().take(30).collect::<Vec<_>>(),
        },
    )
}

#[derive(Serialize)]
struct Line {
    class: String,
    label: String,
    points: String,
    band: String,
}

#[derive(Serialize)]
struct Chart {
    title: String,
    finding: String,
    outcome: String,
    lines: Vec<Line>,
    test: String,
    groups: Vec<rungs_core::analytics::whatworks::Curve>,
    x_max: String,
}

/// A step function through the curve's points, in chart coordinates, and its 95% band
/// as a closed polygon.
fn steps(points: &[KmPoint], x_max: f64, invert: bool) -> (String, String) {
    let sx = |t: f64| PAD + (W - 2.0 * PAD) * (t / x_max).min(1.0);
    let sy = |s: f64| {
        let v = if invert { 1.0 - s } else { s };
        H - PAD - (H - 2.0 * PAD) * v
    };
    let (mut line, mut upper, mut lower) = (vec![format!("{:.1},{:.1}", sx(0.0), sy(1.0))], vec![(sx(0.0), sy(1.0))], vec![(sx(0.0), sy(1.0))]);
    let (mut prev, mut prev_lo, mut prev_hi) = (1.0, 1.0, 1.0);
    for p in points {
        let x = sx(p.time);
        line.push(format!("{x:.1},{:.1}", sy(prev)));
        line.push(format!("{x:.1},{:.1}", sy(p.survival)));
        upper.push((x, sy(prev_hi)));
        upper.push((x, sy(p.upper)));
        lower.push((x, sy(prev_lo)));
        lower.push((x, sy(p.lower)));
        (prev, prev_lo, prev_hi) = (p.survival, p.lower, p.upper);
    }
    let end = sx(x_max);
    line.push(format!("{end:.1},{:.1}", sy(prev)));
    upper.push((end, sy(prev_hi)));
    lower.push((end, sy(prev_lo)));
    let band: Vec<String> = upper.iter().chain(lower.iter().rev()).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    (line.join(" "), band.join(" "))
}

pub async fn what_works(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let r = rungs_app::analytics::what_works_report(state.store.as_ref(), &state.analytics, &s.viewer, Utc::now(), None).await?;
    let x_max = rungs_core::analytics::months(r.landmark, r.as_of).max(1.0);
    let charts: Vec<Chart> = r
        .comparisons
        .iter()
        .map(|c| {
            let invert = c.outcome == "promotion";
            let lines = c
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.people > 0)
                .map(|(i, g)| {
                    let (points, band) = steps(&g.points, x_max, invert);
                    Line { class: format!("s{i}"), label: format!("{} (n = {})", g.group, g.people), points, band }
                })
                .collect();
            Chart {
                title: c.title.clone(),
                finding: c.finding.clone(),
                outcome: if invert { "share promoted".into() } else { "share still employed".into() },
                lines,
                test: c.log_rank.as_ref().map_or("not enough data for a test".into(), |t| {
                    format!("log-rank χ² = {:.2}, {} df, p {}", t.chi_square, t.degrees_of_freedom, p_text(t.p_value))
                }),
                groups: c.groups.clone(),
                x_max: format!("{x_max:.0}"),
            }
        })
        .collect();
    render(
        "what_works.html",
        minijinja::context! {
            layout => Layout::new(&s, "what-works", "What works"),
            r,
            charts,
            chart_w => W,
            chart_h => H,
            pad => PAD,
        },
    )
}
