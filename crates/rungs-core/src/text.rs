//! Constrained strings: parsed once, trusted afterwards.

use crate::ValidationError;

/// Trim `raw` and check it is non-empty, at most `max` characters and free of
/// control characters. The error names `field`.
pub fn parse_text(field: &str, raw: &str, max: usize) -> Result<String, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValidationError::single(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(ValidationError::single(field, format!("must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ValidationError::single(field, "must not contain control characters"));
    }
    Ok(s.to_string())
}

/// Like [`parse_text`] but an absent or blank value is `None`.
pub fn parse_optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, ValidationError> {
    match raw {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse_text(field, s, max).map(Some),
    }
}

/// A plausible email address, lower-cased. Deliberately loose: one `@`, a dot in the
/// domain, no spaces; the HR system is the authority on addresses.
pub fn parse_email(field: &str, raw: &str) -> Result<String, ValidationError> {
    let s = parse_text(field, raw, 254)?.to_lowercase();
    let mut parts = s.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next());
    let ok = match domain {
        Some(d) => {
            parts.next().is_none() && !local.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !s.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok { Ok(s) } else { Err(ValidationError::single(field, "must be an email address like name@example.com")) }
}

/// An http(s) URL used as evidence.
pub fn parse_url(field: &str, raw: &str) -> Result<String, ValidationError> {
    let s = parse_text(field, raw, 2048)?;
    let lower = s.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !s.contains(char::is_whitespace) => Ok(s),
        _ => Err(ValidationError::single(field, "must be an http:// or https:// URL")),
    }
}

/// A machine key such as a track, level or competency key: lower-case letters, digits,
/// `-` and `_`, 1–64 characters.
pub fn parse_key(field: &str, raw: &str) -> Result<String, ValidationError> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 64 || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
        return Err(ValidationError::single(field, "must be 1-64 characters of a-z, 0-9, '-' or '_'"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(parse_email("email", " Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@x.io", "a@b", "a b@x.io", "a@@x.io", "a@x."] {
            let e = parse_email("email", bad).unwrap_err();
            assert_eq!(e.errors[0].field, "email", "{bad}");
        }
    }

    #[test]
    fn text_refuses_control_characters_and_overlong_values() {
        assert!(parse_text("name", "a\u{0}b", 10).is_err());
        assert!(parse_text("name", &"x".repeat(11), 10).is_err());
        assert_eq!(parse_text("name", "  <b>Ada</b> ", 20).unwrap(), "<b>Ada</b>");
    }

    #[test]
    fn urls_must_be_http() {
        assert!(parse_url("evidence", "https://git.example.com/pr/1").is_ok());
        assert!(parse_url("evidence", "javascript:alert(1)").is_err());
        assert!(parse_url("evidence", "https://").is_err());
    }
}

/// The form of `noun` that goes with `n`: "point" for one, "points" otherwise. One
/// rule for every count the product shows (templates reach it as the `plural` and
/// `count` filters), so "1 points" and "1 people were" cannot be written.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    match noun {
        "person" => "people".into(),
        "is" => "are".into(),
        "was" => "were".into(),
        "has" => "have".into(),
        "this" => "these".into(),
        "it" => "they".into(),
        n if n.ends_with('y') && !n.ends_with("ay") && !n.ends_with("ey") && !n.ends_with("oy") => format!("{}ies", &n[..n.len() - 1]),
        n if n.ends_with('s') || n.ends_with('x') || n.ends_with("ch") || n.ends_with("sh") => format!("{n}es"),
        n => format!("{n}s"),
    }
}

/// `n` and its noun: "1 point", "3 points", "0 people".
pub fn count(n: u64, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// "a" or "an" for `word` as spoken ("an employee", "a manager", "an admin", "a user").
pub fn article(word: &str) -> &'static str {
    let w = word.trim_start().to_lowercase();
    let vowel_sound = w.starts_with(['a', 'e', 'i', 'o']) || (w.starts_with('u') && !w.starts_with("us") && !w.starts_with("uni") && !w.starts_with("uk"));
    if vowel_sound || w.starts_with("hour") { "an" } else { "a" }
}

#[cfg(test)]
mod plural_tests {
    use super::*;

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(1, "point"), "1 point");
        assert_eq!(count(3, "point"), "3 points");
        assert_eq!(count(0, "place"), "0 places");
        assert_eq!(count(1, "person"), "1 person");
        assert_eq!(count(2, "person"), "2 people");
        assert_eq!(count(2, "opportunity"), "2 opportunities");
        assert_eq!(count(2, "day"), "2 days");
        assert_eq!(count(2, "match"), "2 matches");
        assert_eq!(plural(1, "was"), "was");
        assert_eq!(plural(5, "was"), "were");
        assert_eq!(article("employee"), "an");
        assert_eq!(article("manager"), "a");
        assert_eq!(article("admin"), "an");
        assert_eq!(article("user"), "a");
        assert_eq!(article("micro_progression"), "a");
    }
}
