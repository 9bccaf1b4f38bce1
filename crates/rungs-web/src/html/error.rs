//! The one conversion from failures to HTML responses: an error page with the right
//! status that leaks nothing, or a redirect to the sign-in page.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rungs_app::AppError;

/// Why a page could not be shown.
#[derive(Debug)]
pub enum HtmlError {
    /// Not signed in (or the session ended): go to the sign-in page, then come back.
    SignIn {
        next: String,
    },
    NotFound,
    Forbidden(String),
    BadRequest(String),
    /// The store cannot take this now (disk full, read-only, unreachable): 503.
    Unavailable(String),
    /// Logged with its source chain; the page says only that something went wrong.
    Unexpected(rungs_core::Cause),
}

impl From<AppError> for HtmlError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => HtmlError::NotFound,
            AppError::Forbidden(m) => HtmlError::Forbidden(m),
            AppError::Unauthorized => HtmlError::SignIn { next: "/".into() },
            AppError::Invalid(v) => HtmlError::BadRequest(v.to_string()),
            AppError::Conflict { field, reason } => HtmlError::BadRequest(format!("{field} {reason}")),
            AppError::Unavailable { reason, source } => {
                match source {
                    Some(s) => tracing::warn!(reason, source = %rungs_core::error::report(s.as_ref()), "storage unavailable"),
                    None => tracing::warn!(reason, "storage unavailable"),
                }
                HtmlError::Unavailable(reason)
            }
            AppError::Unexpected(cause) => HtmlError::Unexpected(cause),
        }
    }
}

impl From<rungs_core::store::StoreError> for HtmlError {
    fn from(e: rungs_core::store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// Longest `next` kept; a longer one becomes `/`.
pub const MAX_NEXT: usize = 2048;

/// A local path to return to after signing in; anything else becomes `/`, so the
/// parameter cannot send people to another site. Accepted: a path (and query) on
/// this site that starts with exactly one `/`, made only of visible ASCII (browsers
/// drop tabs and newlines from URLs, so `/<TAB>/evil.example` would become
/// `//evil.example`), with no backslash (browsers read `/\` as `//`), no scheme or
/// host, and no `//` or `/\` at its start once percent-decoded either (in case a
/// proxy decodes it again).
pub fn safe_next(next: &str) -> &str {
    if is_local_path(next) { next } else { "/" }
}

fn is_local_path(next: &str) -> bool {
    let b = next.as_bytes();
    let starts_cleanly = |p: &[u8]| p.first() == Some(&b'/') && !matches!(p.get(1), Some(b'/' | b'\\'));
    if next.len() > MAX_NEXT || !starts_cleanly(b) || !b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\') {
        return false;
    }
    // It must be what a request line would carry: a path and query, nothing else.
    let Ok(pq) = next.parse::<axum::http::uri::PathAndQuery>() else { return false };
    if pq.as_str() != next {
        return false;
    }
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(path);
    starts_cleanly(&decoded) && !decoded.iter().any(|c| c.is_ascii_control() || *c == b'\\')
}

/// One round of percent-decoding (invalid escapes are kept as they are).
pub(super) fn percent_decode(s: &str) -> Vec<u8> {
    let (b, mut out, mut i) = (s.as_bytes(), Vec::with_capacity(s.len()), 0);
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// A 303 to `to`, which callers pass through [`safe_next`] or write themselves; a
/// value that cannot be a header still redirects, to `/`.
pub fn see_other(to: &str) -> Response {
    let location = header::HeaderValue::from_str(to).unwrap_or_else(|_| header::HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let mut unavailable = None;
        let (status, heading, detail) = match self {
            HtmlError::SignIn { next } => {
                let next = safe_next(&next);
                let to = if next == "/" { "/login".to_string() } else { format!("/login?next={}", encode(next)) };
                return see_other(&to);
            }
            HtmlError::NotFound => (StatusCode::NOT_FOUND, "Page not found", "There is nothing here, or it is not yours to see.".to_string()),
            HtmlError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", format!("You cannot do this: {m}.")),
            HtmlError::BadRequest(m) => (StatusCode::BAD_REQUEST, "That did not work", m),
            HtmlError::Unavailable(reason) => {
                let detail = format!("Rungs cannot save or load this right now: {reason}. Nothing was changed; please try again in a minute.");
                unavailable = Some(reason);
                (StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", detail)
            }
            HtmlError::Unexpected(cause) => {
                tracing::error!(error = %rungs_core::error::report(&cause), "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The error has been logged. Please try again.".to_string())
            }
        };
        let ctx = minijinja::context! { layout => (), status => status.as_u16(), heading, detail };
        let body = super::render_string("error.html", ctx).unwrap_or_else(|_| format!("{} {heading}", status.as_u16()));
        let mut res = (status, Html(body)).into_response();
        if let Some(reason) = unavailable {
            res.headers_mut().insert(header::RETRY_AFTER, crate::api::error::RETRY_AFTER_SECS.into());
            res.extensions_mut().insert(crate::readiness::StoreUnavailable(reason));
        }
        res
    }
}

/// Percent-encode a path for a query parameter (RFC 3986 unreserved kept, `/` too).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
