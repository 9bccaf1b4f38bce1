//! Authentication for pages: the `rungs_session` cookie resolved to a [`Viewer`] by
//! `rungs-app`; without one, a redirect to the sign-in page (then back). Beside it,
//! the cookie helpers the sign-in page uses.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use rungs_app::{AppError, Viewer};
use rungs_core::person::Person;

use crate::AppState;
use crate::html::HtmlError;

/// The session cookie: HttpOnly, SameSite=Lax, Secure behind TLS.
pub const SESSION_COOKIE: &str = "rungs_session";
/// Pre-session CSRF cookie for the sign-in form (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "rungs_login_csrf";

/// A signed-in browser: who, their person record, the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub viewer: Viewer,
    pub person: Person,
    pub csrf: String,
    /// The cookie secret, needed to end the session.
    pub secret: String,
    /// Unread notifications: the bell's number (0 when it cannot be read now).
    pub unread: u64,
}

impl Session {
    /// Refuse a form whose CSRF token is not this session's (403 page).
    pub fn check_csrf(&self, given: &str) -> Result<(), HtmlError> {
        if rungs_app::accounts::same(given, &self.csrf) {
            Ok(())
        } else {
            Err(HtmlError::Forbidden("the form had expired or came from another site; reload the page and try again".into()))
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let next = if parts.method == axum::http::Method::GET { next } else { "/".into() };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(HtmlError::SignIn { next });
        };
        match rungs_app::accounts::session(state.store.as_ref(), &secret).await {
            Ok((viewer, person)) => {
                // One indexed count; a page still works if it fails.
                let unread = rungs_app::notifications::unread(state.store.as_ref(), &viewer).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot count unread notifications");
                    0
                });
                Ok(Session { viewer, person, csrf: rungs_app::accounts::csrf_token(&secret), secret, unread })
            }
            Err(AppError::Unauthorized) => Err(HtmlError::SignIn { next }),
            Err(e) => Err(e.into()),
        }
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
}

/// Did the request reach us over TLS? Rungs itself speaks plain HTTP, so that means a
/// proxy in front said so.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value. `max_age` `None` is a browser-session cookie; `Some(0)` deletes.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(s) = max_age {
        c.push_str(&format!("; Max-Age={s}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The client address for the sign-in rate limit: the socket peer. Forwarded headers
/// are not trusted, since any client can send them.
pub fn client_ip(parts_ext: &axum::http::Extensions) -> Option<IpAddr> {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// A signed-in member of the people team, for people-team-only form posts. Put it
/// where [`Session`] would go: the role is checked before the form or upload is read,
/// so anyone else gets the 403 page whatever they sent.
#[derive(Debug, Clone)]
pub struct AdminSession(pub Session);

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let s = Session::from_request_parts(parts, state).await?;
        if !s.viewer.is_admin() {
            return Err(HtmlError::Forbidden("only the people team can do this".into()));
        }
        Ok(AdminSession(s))
    }
}
