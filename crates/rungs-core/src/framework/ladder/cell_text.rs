//! Text as a ladder writes it, made fit to store: keys from names, cells without
//! HTML tags.

/// A machine key from a name: `Technical Skills` → `technical-skills`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s: String = s.trim_end_matches('-').chars().take(64).collect();
    if s.is_empty() { "x".into() } else { s }
}

/// Strip HTML tags (`<br>`, `<p>`, `<li>` become line breaks) and trim. Returns whether
/// tags were found.
pub(crate) fn strip_html(s: &str) -> (String, bool) {
    if !s.contains('<') {
        return (s.trim().to_string(), false);
    }
    let (mut out, mut tag, mut in_tag, mut found) = (String::new(), String::new(), false, false);
    for c in s.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                found = true;
                let t = tag.trim().trim_start_matches('/').to_ascii_lowercase();
                if t.starts_with("br") || t == "p" || t == "li" {
                    out.push('\n');
                }
            }
            _ if in_tag => tag.push(c),
            _ => out.push(c),
        }
    }
    if in_tag {
        out.push('<');
        out.push_str(&tag);
    }
    (out.trim().to_string(), found)
}
