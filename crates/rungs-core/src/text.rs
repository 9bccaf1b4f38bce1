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
