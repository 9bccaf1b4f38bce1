//! The budget bar of the calibration board: the budget's places as a track, the
//! approved ones filled, the cases in review and nominated beside them, and a line
//! where the budget ends, so "how far over" reads at a glance. An SVG with a text
//! alternative (the same numbers are in the table beside it).

use rungs_app::promotions::BudgetLine;

/// Escape text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn budget_bar(l: &BudgetLine) -> String {
    let allowed = l.budget.promotions.max(1);
    let total = (l.approved + l.in_review + l.nominated).max(allowed);
    let w = 300.0_f64;
    let unit = w / f64::from(total);
    let x = |n: u32| f64::from(n) * unit;
    let label = format!("{}: {} of {} promotions approved, {} in review, {} nominated", l.key, l.approved, l.budget.promotions, l.in_review, l.nominated);
    let seg = |from: u32, n: u32, class: &str| {
        if n == 0 { String::new() } else { format!(r#"<rect class="{class}" x="{:.1}" y="4" width="{:.1}" height="16" rx="2"/>"#, x(from), x(n)) }
    };
    format!(
        r#"<svg class="budget-bar" viewBox="0 0 300 28" width="100%" role="img" aria-label="{label}"><title>{label}</title><rect class="bb-track" x="0" y="4" width="{:.1}" height="16" rx="2"/>{}{}{}<line class="bb-limit" x1="{:.1}" x2="{:.1}" y1="0" y2="24"/></svg>"#,
        x(allowed),
        seg(0, l.approved, "bb-approved"),
        seg(l.approved, l.in_review, "bb-review"),
        seg(l.approved + l.in_review, l.nominated, "bb-nominated"),
        x(allowed),
        x(allowed),
        label = esc(&label),
    )
}
