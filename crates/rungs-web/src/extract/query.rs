//! Query-string parameters shared by list endpoints, parsed into typed values with
//! errors that name the parameter.

use chrono::{DateTime, Utc};
use rungs_core::ValidationError;
use rungs_core::event::EventKind;
use rungs_core::page::{DEFAULT_PAGE, MAX_PAGE};

use super::path::truncate;

/// `limit`: 1..=1000, default 50.
pub fn limit(e: &mut ValidationError, raw: Option<&str>) -> u32 {
    match raw {
        None => DEFAULT_PAGE,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                e.push("limit", format!("must be a whole number from 1 to {MAX_PAGE}, got '{}'", truncate(s, 40)));
                DEFAULT_PAGE
            }
        },
    }
}

/// `cursor`: opaque; an empty one means "from the start".
pub fn cursor(raw: Option<String>) -> Option<String> {
    raw.filter(|c| !c.is_empty())
}

/// `kind=a,b`: event kinds, each one of the known names; spaces around a name are
/// ignored (exactly what the parameter's pattern in the OpenAPI document allows).
pub fn kinds(e: &mut ValidationError, raw: Option<&str>) -> Vec<EventKind> {
    let Some(raw) = raw else { return vec![] };
    let mut out = Vec::new();
    for name in raw.split(',').map(|s| s.trim_matches(' ')).filter(|s| !s.is_empty()) {
        match EventKind::parse(name) {
            Some(k) if !out.contains(&k) => out.push(k),
            Some(_) => {}
            None => {
                let known = EventKind::ALL.iter().map(rungs_core::event::EventKind::as_str).collect::<Vec<_>>().join(", ");
                e.push("kind", format!("unknown kind '{}'; must be one of: {known}", truncate(name, 40)));
            }
        }
    }
    out
}

/// An RFC 3339 instant such as `2026-01-31T09:00:00Z`.
pub fn instant(e: &mut ValidationError, field: &str, raw: Option<&str>) -> Option<DateTime<Utc>> {
    let raw = raw?;
    match DateTime::parse_from_rfc3339(raw) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            e.push(field, format!("must be an RFC 3339 date-time like 2026-01-31T09:00:00Z, got '{}'", truncate(raw, 40)));
            None
        }
    }
}
