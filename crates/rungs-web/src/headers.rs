//! Security headers on every response. Pages get a strict Content-Security-Policy:
//! scripts, styles and images only from this origin and no inline script or style
//! (the templates have none; keep it so), forms post only here, and no other site may
//! frame a page (`frame-ancestors 'none'`, and `X-Frame-Options` for old browsers),
//! so the Validate / Accept / Complete buttons cannot be clickjacked. Everything else
//! (JSON, the stylesheet, downloads) gets a policy that allows nothing at all.
//! A handler that sets one of these headers itself keeps its own.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy for HTML pages.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The policy for everything that is not a page.
pub const OTHER_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

pub async fn security(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let is_html = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let h = res.headers_mut();
    let csp = if is_html { PAGE_CSP } else { OTHER_CSP };
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    res
}
