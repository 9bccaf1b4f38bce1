//! The badge's image: a generated SVG medal, its ribbon and rim in the tier's metal,
//! its face in a colour derived from the badge key (stable across runs), with the
//! badge's initials. Served as `image/svg+xml`; every text in it is escaped.

use super::Tier;

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// The tier's metal: (rim, light).
fn metal(tier: Tier) -> (&'static str, &'static str) {
    match tier {
        Tier::Bronze => ("#8c5a2b", "#d89a5b"),
        Tier::Silver => ("#6b7380", "#d3d8df"),
        Tier::Gold => ("#9a7400", "#f2c94c"),
    }
}

/// A hue from the key (FNV-1a), so every badge has its own face colour.
fn hue(key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % 360
}

fn initials(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '-')
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(3)
        .collect::<String>()
        .to_uppercase()
}

/// The SVG document for `tier` of the badge `key` named `name` (96 × 120 px).
pub fn badge_svg(key: &str, name: &str, tier: Tier) -> String {
    let (rim, light) = metal(tier);
    let h = hue(key);
    let label = escape(&format!("{name} ({})", tier.as_str()));
    let text = escape(&initials(name));
    format!(
        concat!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 96 120\" width=\"96\" height=\"120\" role=\"img\" aria-label=\"{label}\">",
            "<title>{label}</title>",
            "<path d=\"M30 0h14l-8 40h-14z\" fill=\"hsl({h},55%,40%)\"/>",
            "<path d=\"M52 0h14l8 40h-14z\" fill=\"hsl({h},55%,30%)\"/>",
            "<circle cx=\"48\" cy=\"72\" r=\"44\" fill=\"{rim}\"/>",
            "<circle cx=\"48\" cy=\"72\" r=\"37\" fill=\"{light}\"/>",
            "<circle cx=\"48\" cy=\"72\" r=\"31\" fill=\"hsl({h},60%,35%)\"/>",
            "<text x=\"48\" y=\"80\" text-anchor=\"middle\" font-family=\"sans-serif\" font-weight=\"700\" font-size=\"22\" fill=\"#fff\">{text}</text>",
            "</svg>"
        ),
        label = label,
        h = h,
        rim = rim,
        light = light,
        text = text
    )
}
