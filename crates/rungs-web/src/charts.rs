//! The analytics charts as SVG, drawn on the server: embedded in the pages (styled by
//! the stylesheet's classes) and served alone by the API (the same drawing, with
//! presentation attributes so that it looks right without the stylesheet). No
//! inline `style`, so the pages' CSP holds.

use rungs_core::analytics::equity::{FOUR_FIFTHS, OutcomeAudit};
use rungs_core::analytics::metrics::MonthMetrics;
use rungs_core::analytics::stats::KmPoint;
use rungs_core::analytics::whatworks::{Comparison, WhatWorksReport, p_text};

/// Chart size in SVG units (scaled to the page width by CSS).
pub const W: f64 = 560.0;
pub const H: f64 = 240.0;
pub const PAD: f64 = 36.0;
/// The series colours (the stylesheet's `.s0`–`.s3`).
const COLORS: [&str; 4] = ["#c2410c", "#a16207", "#15803d", "#1d4ed8"];
const AXIS: &str = r##"stroke="#8a8f98" stroke-width="1""##;
const TICK: &str = r##"font-size="11" fill="#5b616b" font-family="sans-serif""##;

/// Text for XML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn open(id: &str, title: &str, class: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart{class}" role="img" aria-labelledby="{id}" viewBox="0 0 {W} {H}"><title id="{id}">{}</title><line class="axis" {AXIS} x1="{PAD}" y1="{y}" x2="{x}" y2="{y}"/><line class="axis" {AXIS} x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{y}"/>"#,
        escape(title),
        y = H - PAD,
        x = W - PAD
    )
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

/// Months of follow-up a comparison's chart spans: from the landmark to the data's
/// end, or for retention by tenure the longest tenure observed.
pub fn x_max(r: &WhatWorksReport, c: &Comparison) -> f64 {
    if c.id == r.tenure.id {
        c.groups.iter().flat_map(|g| g.points.last()).map(|p| p.time).fold(1.0, f64::max)
    } else {
        rungs_core::analytics::months(r.landmark, r.as_of).max(1.0)
    }
}

/// The outcome's axis label: promotion curves are drawn rising (share promoted).
pub fn km_outcome(c: &Comparison) -> &'static str {
    if c.outcome == "promotion" { "share promoted" } else { "share still employed" }
}

/// Kaplan–Meier curves of one comparison, each group with its 95% band, over
/// `x_max` months of follow-up.
pub fn km(c: &Comparison, x_max: f64, id: &str) -> String {
    let invert = c.outcome == "promotion";
    let mut out = open(id, &format!("{}: {} by months of follow-up, with 95% bands", c.title, km_outcome(c)), " km");
    out.push_str(&format!(
        r#"<text class="tick" {TICK} x="4" y="{}">100%</text><text class="tick" {TICK} x="4" y="{}">0%</text><text class="tick" {TICK} x="{}" y="{}">{x_max:.0} months</text>"#,
        PAD + 4.0,
        H - PAD,
        W - PAD - 40.0,
        H - 6.0
    ));
    for (i, g) in c.groups.iter().enumerate().filter(|(_, g)| g.people > 0) {
        let (points, band) = steps(&g.points, x_max, invert);
        let color = COLORS[i % COLORS.len()];
        out.push_str(&format!(
            r#"<polygon class="band s{i}" fill="{color}" stroke="none" opacity="0.15" points="{band}"/><polyline class="km-line s{i}" fill="none" stroke="{color}" stroke-width="2" points="{points}"><title>{} (n = {})</title></polyline>"#,
            escape(&g.group),
            g.people
        ));
    }
    if let Some(t) = &c.log_rank {
        out.push_str(&format!(r#"<text class="tick" {TICK} x="{}" y="{}">log-rank p {}</text>"#, PAD + 6.0, H - PAD - 6.0, escape(&p_text(t.p_value))));
    }
    out.push_str("</svg>");
    out
}

/// Micro-progressions per person-month, month by month, as bars.
pub fn cadence(monthly: &[MonthMetrics], id: &str) -> String {
    let top = monthly.iter().map(|x| x.cadence_per_person_month).fold(0.0f64, f64::max).max(0.1);
    let bw = (W - 2.0 * PAD) / monthly.len().max(1) as f64;
    let mut out = open(id, "Micro-progressions per person-month, month by month", "");
    out.push_str(&format!(r#"<text class="tick" {TICK} x="4" y="{PAD}">{top:.2}</text>"#));
    for (i, x) in monthly.iter().enumerate() {
        let h = (H - 2.0 * PAD) * x.cadence_per_person_month / top;
        let bx = PAD + i as f64 * bw + 2.0;
        let label = x.month_start.format("%b").to_string();
        out.push_str(&format!(
            r##"<rect class="bar" fill="#3b6fd8" x="{bx:.1}" y="{:.1}" width="{:.1}" height="{h:.1}"><title>{label} {}: {:.2}</title></rect><text class="tick" {TICK} x="{bx:.1}" y="{}">{label}</text>"##,
            H - PAD - h,
            bw - 4.0,
            x.month_start.format("%Y"),
            x.cadence_per_person_month,
            H - PAD + 14.0
        ));
    }
    out.push_str("</svg>");
    out
}

/// One outcome's selection rate per group as bars, with the four-fifths line (80% of
/// the highest rate); a group under it is drawn in the warning colour.
pub fn equity(o: &OutcomeAudit, attribute: &str, id: &str) -> String {
    let top = o.groups.iter().map(|g| g.rate).fold(0.0f64, f64::max);
    let scale = if top > 0.0 { (top * 1.1).min(1.0) } else { 1.0 };
    let bw = (W - 2.0 * PAD) / o.groups.len().max(1) as f64;
    let sy = |r: f64| H - PAD - (H - 2.0 * PAD) * r / scale;
    let mut out = open(id, &format!("{} by {attribute}: the share of each group, and four-fifths of the highest", o.title), " equity");
    out.push_str(&format!(r#"<text class="tick" {TICK} x="4" y="{PAD}">{:.0}%</text>"#, scale * 100.0));
    for (i, g) in o.groups.iter().enumerate() {
        let bx = PAD + i as f64 * bw + 4.0;
        let (class, color) = if g.below_four_fifths { ("bar low", "#c2410c") } else { ("bar", "#3b6fd8") };
        out.push_str(&format!(
            r#"<rect class="{class}" fill="{color}" x="{bx:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}: {} of {} ({:.1}%)</title></rect><text class="tick" {TICK} x="{bx:.1}" y="{}">{}</text>"#,
            sy(g.rate),
            (bw - 8.0).max(1.0),
            H - PAD - sy(g.rate),
            escape(&g.group),
            g.selected,
            g.people,
            g.rate * 100.0,
            H - PAD + 14.0,
            escape(&g.group)
        ));
    }
    if top > 0.0 {
        let y = sy(top * FOUR_FIFTHS);
        out.push_str(&format!(
            r##"<line class="threshold" stroke="#5b616b" stroke-dasharray="4 3" x1="{PAD}" y1="{y:.1}" x2="{}" y2="{y:.1}"/><text class="tick" {TICK} x="{}" y="14">- - - four-fifths of the highest</text>"##,
            W - PAD,
            W - PAD - 170.0,
        ));
    }
    out.push_str("</svg>");
    out
}
