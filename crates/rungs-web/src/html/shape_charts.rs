//! The team's and the organization's shape as SVG (`rungs_app::shape`): horizontal
//! bars (readiness bands, time in level, levels) and the department × level heat map.
//! Drawn on the server with classes from the stylesheet (no inline style: the CSP
//! holds); each picture has a title and a description, and the page prints the same
//! numbers as a table beside it.

use crate::charts::escape;

/// Bar chart size in SVG units (scaled to the column's width by CSS).
const W: f64 = 360.0;
const LABEL: f64 = 118.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;

/// Horizontal bars, one per `(label, value)`, the value written at the bar's end.
/// `hot` marks the bars drawn in the warning colour (e.g. long in level).
pub fn bars(id: &str, title: &str, desc: &str, rows: &[(String, u64)], hot: &[bool]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let h = ROW * rows.len().max(1) as f64 + 8.0;
    let span = W - LABEL - 44.0;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart shape-bars" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {W} {h}"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = if *n == 0 { 0.0 } else { (span * (*n as f64) / max).max(2.0) };
        let class = if hot.get(i).copied().unwrap_or(false) { "bar low" } else { "bar" };
        out.push_str(&format!(
            r#"<text class="tick" x="{lx}" y="{ty:.1}" text-anchor="end">{}</text><rect class="bar-track" x="{LABEL}" y="{y:.1}" width="{span:.1}" height="{BAR}" rx="3"/><rect class="{class}" x="{LABEL}" y="{y:.1}" width="{w:.1}" height="{BAR}" rx="3"/><text class="tick" x="{vx:.1}" y="{ty:.1}">{n}</text>"#,
            escape(label),
            lx = LABEL - 8.0,
            ty = y + BAR - 4.0,
            vx = LABEL + w + 6.0,
        ));
    }
    out.push_str("</svg>");
    out
}

/// The heat map: one row per department, one column per level, each cell shaded by
/// its share of the largest cell and labelled with its count.
pub fn heat(id: &str, title: &str, desc: &str, departments: &[String], levels: &[String], count: impl Fn(&str, &str) -> u64) -> String {
    let (left, top, cw, ch) = (130.0, 26.0, 44.0, 26.0);
    let w = left + cw * levels.len().max(1) as f64 + 8.0;
    let h = top + ch * departments.len().max(1) as f64 + 8.0;
    let max = departments.iter().flat_map(|d| levels.iter().map(|l| count(d, l))).max().unwrap_or(0).max(1) as f64;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart shape-heat" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {w} {h}"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for (j, l) in levels.iter().enumerate() {
        out.push_str(&format!(
            r#"<text class="tick" x="{:.1}" y="18" text-anchor="middle">{}</text>"#,
            left + cw * j as f64 + cw / 2.0,
            escape(&l.to_uppercase())
        ));
    }
    for (i, d) in departments.iter().enumerate() {
        let y = top + ch * i as f64;
        let short: String = if d.chars().count() > 18 { d.chars().take(17).chain(std::iter::once('…')).collect() } else { d.clone() };
        out.push_str(&format!(r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#, left - 6.0, y + ch / 2.0 + 4.0, escape(&short)));
        for (j, l) in levels.iter().enumerate() {
            let n = count(d, l);
            // Five shades: the classes heat-0 (none) to heat-4 (the most).
            let shade = if n == 0 { 0 } else { 1 + ((n as f64 / max) * 3.999) as u32 };
            let x = left + cw * j as f64;
            out.push_str(&format!(
                r#"<rect class="heat-{shade}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2"/>"#,
                x + 1.0,
                y + 1.0,
                cw - 2.0,
                ch - 2.0
            ));
            if n > 0 {
                out.push_str(&format!(
                    r#"<text class="cell-n{}" x="{:.1}" y="{:.1}" text-anchor="middle">{n}</text>"#,
                    if shade >= 3 { " on-dark" } else { "" },
                    x + cw / 2.0,
                    y + ch / 2.0 + 4.0
                ));
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_scale_to_the_largest() {
        let svg = bars("x", "T <1>", "D", &[("a<b".into(), 10), ("c".into(), 5), ("d".into(), 0)], &[false, true, false]);
        assert!(svg.contains("a&lt;b") && svg.contains("T &lt;1&gt;"), "{svg}");
        assert!(svg.contains(r#"class="bar low""#));
        // The largest bar spans the whole track; half of it, half.
        let span = W - LABEL - 44.0;
        assert!(svg.contains(&format!(r#"width="{span:.1}" height="16" rx="3"/><text"#)), "{svg}");
        assert!(svg.contains(&format!(r#"width="{:.1}" height="16" rx="3"/><text"#, span / 2.0)), "{svg}");
    }

    #[test]
    fn the_heat_map_shades_by_share_and_leaves_empty_cells_blank() {
        let svg = heat("h", "T", "D", &["Eng".into(), "Ops".into()], &["e1".into(), "e2".into()], |d, l| match (d, l) {
            ("Eng", "e1") => 100,
            ("Ops", "e2") => 10,
            _ => 0,
        });
        assert!(svg.contains("heat-4") && svg.contains("heat-1") && svg.contains("heat-0"), "{svg}");
        assert!(svg.contains(">E1<") && svg.contains(">100<"));
    }
}
