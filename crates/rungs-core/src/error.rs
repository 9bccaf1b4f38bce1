//! Validation errors that name the field and the reason, collected rather than
//! stopping at the first, so a caller can fix everything at once.

use serde::Serialize;

/// One thing wrong with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON-pointer-like path of the offending field, e.g. `payload.category`.
    pub field: String,
    /// Why the value was refused, in words a person can act on.
    pub reason: String,
}

/// Every problem found in one piece of input.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("invalid input: {}", .errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
pub struct ValidationError {
    pub errors: Vec<FieldError>,
}

impl ValidationError {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.push(field, reason);
        e
    }

    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.errors.push(FieldError { field: field.into(), reason: reason.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Prefix every field with `prefix.` (used for nested objects and batch items).
    pub fn nested(mut self, prefix: &str) -> Self {
        for e in &mut self.errors {
            e.field = if e.field.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", e.field) };
        }
        self
    }

    /// Ok(()) when nothing was collected.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Record the error of `r` (if any) and hand back its value.
    pub fn collect<T>(&mut self, r: Result<T, ValidationError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.extend(e.errors);
                None
            }
        }
    }
}

/// Why something unexpected happened (a bug, corruption, a failure nothing above can
/// act on), kept with its source chain for the log and never shown to a client.
/// Cheap to clone: one failed group commit answers every append in the group.
///
/// Its `Display` is the most specific words available — `what` when given, else the
/// error it wraps — and `source()` continues the chain after what was displayed, so
/// [`report`] prints each link once.
#[derive(Debug, Clone)]
pub struct Cause {
    what: Option<String>,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl Cause {
    /// An error nothing above can act on, kept as it is.
    pub fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Cause { what: None, source: Some(std::sync::Arc::new(e)) }
    }

    /// A broken expectation, in words (no error to keep).
    pub fn msg(what: impl Into<String>) -> Self {
        Cause { what: Some(what.into()), source: None }
    }

    /// What was being done when `e` happened, with `e` kept as the source.
    pub fn context(what: impl Into<String>, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Cause { what: Some(what.into()), source: Some(std::sync::Arc::new(e)) }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.what, &self.source) {
            (Some(what), _) => f.write_str(what),
            (None, Some(e)) => e.fmt(f),
            (None, None) => f.write_str("unknown cause"),
        }
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self.source.as_deref()?;
        // Without `what`, the source was displayed already: continue after it.
        if self.what.is_some() { Some(source) } else { source.source() }
    }
}

/// An error and every source under it, one line: `a: b: c`. What the log gets for an
/// unexpected error.
pub fn report(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        let text = s.to_string();
        // Wrappers that repeat their source's words add nothing.
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = s.source();
    }
    out
}

#[cfg(test)]
mod cause_tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_cause_reports_each_link_of_its_chain_once() {
        let io = || std::io::Error::other("disk on fire");
        assert_eq!(report(&Cause::new(Outer(io()))), "outer: disk on fire");
        assert_eq!(report(&Cause::context("reading the key file", Outer(io()))), "reading the key file: outer: disk on fire");
        assert_eq!(report(&Cause::msg("the writer stopped")), "the writer stopped");
        let kept = Cause::new(io());
        assert_eq!(report(&kept.clone()), "disk on fire");
    }
}
