//! Sign-in and sign-out. The sign-in form has no session yet, so its CSRF protection
//! is a double submit of a server-signed value: GET sets a `rungs_login_csrf` cookie
//! holding a token the server issued (a nonce and expiry under an HMAC with the
//! server's key, see `rungs_app::accounts::FormKey`) and puts the same value in a
//! hidden field; POST requires both to match and the token to verify. Another site
//! can make a browser post the form but cannot read our cookie, and one that can
//! plant a cookie (a sibling subdomain) cannot make up a value that verifies. A POST
//! the browser marks as cross-site (`Sec-Fetch-Site`) is refused outright.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rungs_app::accounts::{self, LoginError};
use serde::Deserialize;

use super::error::{safe_next, see_other};
use super::{HtmlError, render_string};
use crate::AppState;
use crate::extract::session::{LOGIN_CSRF_COOKIE, SESSION_COOKIE, client_ip, cookie, is_https, set_cookie};

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// An issued token is reused by the sign-in page while it has this long left, so
/// two open sign-in tabs both work.
const REUSE_TOKEN_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// What the sign-in page says about single sign-on.
#[derive(Debug, Clone, Default)]
pub(crate) struct SsoOffer {
    /// The button's label, when single sign-on is configured.
    name: Option<String>,
    only: bool,
}

impl SsoOffer {
    pub(crate) fn of(state: &AppState) -> Self {
        SsoOffer { name: state.sso.as_ref().map(|p| p.config.display_name.clone()), only: state.sso_only() }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn page(
    status: StatusCode,
    csrf: &str,
    email: &str,
    next: &str,
    error: Option<String>,
    secure: bool,
    sso: &SsoOffer,
) -> Result<Response, HtmlError> {
    let next = safe_next(next);
    let sso_href = format!("/sso/start?next={}", super::encode_form(next));
    let body = render_string(
        "login.html",
        minijinja::context! { layout => (), csrf, email, next, error, sso => sso.name.is_some(), sso_name => sso.name.clone().unwrap_or_default(), sso_only => sso.only, sso_href },
    )?;
    let mut res = (status, axum::response::Html(body)).into_response();
    // Re-set on every render: the cookie and the hidden field always agree.
    let max_age = i64::try_from(accounts::FORM_TOKEN_LIFETIME.as_secs()).unwrap_or(3600);
    let c = set_cookie(LOGIN_CSRF_COOKIE, csrf, Some(max_age), secure);
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::new(e)))?);
    Ok(res)
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Result<Response, HtmlError> {
    let next = q.next.unwrap_or_else(|| "/".into());
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && accounts::session(state.store.as_ref(), &secret).await.is_ok()
    {
        return Ok(see_other(safe_next(&next)));
    }
    // Keep an existing token this server issued, so two open sign-in tabs both work.
    let csrf = cookie(&headers, LOGIN_CSRF_COOKIE)
        .filter(|c| state.form_key.remaining(c).is_some_and(|left| left >= REUSE_TOKEN_FOR))
        .unwrap_or_else(|| state.form_key.issue());
    page(StatusCode::OK, &csrf, "", &next, None, is_https(&headers), &SsoOffer::of(&state))
}

pub async fn submit(State(state): State<AppState>, headers: HeaderMap, ext: Extensions, Form(f): Form<LoginForm>) -> Result<Response, HtmlError> {
    let secure = is_https(&headers);
    let sso = SsoOffer::of(&state);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let fresh = state.form_key.issue();
    if sso.only {
        // Single sign-on only: no password is checked, whatever was posted.
        let msg = "Password sign-in is turned off here: sign in with your company account.".to_string();
        return page(StatusCode::FORBIDDEN, &fresh, "", &f.next, Some(msg), secure, &sso);
    }
    let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    if cross_site || expected.is_empty() || !accounts::same(&f.csrf, &expected) || state.form_key.remaining(&expected).is_none() {
        let msg = "The sign-in form had expired. Please sign in again.".to_string();
        return page(StatusCode::FORBIDDEN, &fresh, &f.email, &f.next, Some(msg), secure, &sso);
    }
    match accounts::login(state.store.as_ref(), &state.throttle, &f.email, &f.password, client_ip(&ext)).await {
        Ok(s) => {
            let mut res = see_other(safe_next(&f.next));
            let max_age = (s.expires_at - chrono::Utc::now()).num_seconds().max(0);
            let h = res.headers_mut();
            // A password session: no single sign-on session for signing out to end.
            let cookies = [
                set_cookie(SESSION_COOKIE, &s.secret, Some(max_age), secure),
                set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), secure),
                sso_hint_cookie("", Some(0), secure),
            ];
            for c in cookies {
                h.append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::new(e)))?);
            }
            Ok(res)
        }
        Err(LoginError::Invalid) => {
            page(StatusCode::UNAUTHORIZED, &expected, &f.email, &f.next, Some("That email and password do not match an account.".into()), secure, &sso)
        }
        Err(e @ (LoginError::Throttled { retry_after } | LoginError::Busy { retry_after })) => {
            let status = if matches!(e, LoginError::Busy { .. }) { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::TOO_MANY_REQUESTS };
            let mut res = page(status, &expected, &f.email, &f.next, Some(format!("{}.", capitalise(&e.to_string()))), secure, &sso)?;
            res.headers_mut().insert(HeaderName::from_static("retry-after"), HeaderValue::from(retry_after.as_secs().max(1)));
            Ok(res)
        }
        Err(LoginError::App(e)) => Err(e.into()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// The cookie that marks a single sign-on session and holds its ID token, the
/// `id_token_hint` of RP-initiated logout. Sent only to `/logout` (its path): no
/// other request carries it. An ID token too long for a cookie is kept as `-`: the
/// sign-out still goes to the provider, with the `client_id` alone.
pub const SSO_HINT_COOKIE: &str = "rungs_sso_hint";
/// Longest ID token kept in the hint cookie (browsers keep about 4 KiB per cookie).
const MAX_HINT: usize = 3800;

/// The hint cookie with `id_token` (empty with `Some(0)`: cleared).
pub fn sso_hint_cookie(id_token: &str, max_age: Option<i64>, secure: bool) -> String {
    let value = if id_token.len() > MAX_HINT { "-" } else { id_token };
    let mut c = format!("{SSO_HINT_COOKIE}={value}; Path=/logout; HttpOnly; SameSite=Lax");
    if let Some(s) = max_age {
        c.push_str(&format!("; Max-Age={s}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Sign out: POST only (a link could be triggered by another site), CSRF-checked.
/// The Rungs session ends (its row is deleted). A single sign-on session then signs
/// out at the provider too when it offers RP-initiated logout: the browser goes to
/// its `end_session_endpoint` and comes back to the sign-in page. It goes there from
/// a page of ours (a meta refresh, and a link), not by a redirect of this POST: the
/// pages' `form-action 'self'` forbids a form's redirect to another origin.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LogoutForm>) -> Result<Response, HtmlError> {
    let secure = is_https(&headers);
    let mut ended = false;
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if !accounts::same(&f.csrf, &accounts::csrf_token(&secret)) {
            return Err(HtmlError::Forbidden("the form had expired or came from another site; reload the page and try again".into()));
        }
        accounts::logout(state.store.as_ref(), &secret).await?;
        ended = true;
    }
    let hint = cookie(&headers, SSO_HINT_COOKIE).filter(|h| !h.is_empty());
    let provider_url = match (&state.sso, hint, ended) {
        (Some(provider), Some(hint), true) => provider.logout_url(Some(hint.as_str()).filter(|h| *h != "-")).await,
        _ => None,
    };
    let mut res = match (provider_url, &state.sso) {
        (Some(url), Some(provider)) => {
            let body = render_string("signed_out.html", minijinja::context! { layout => (), url, provider => provider.config.display_name })?;
            let mut res = axum::response::Html(body).into_response();
            // The page carries the ID token in its link: no cache keeps it.
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        _ => see_other("/login"),
    };
    for c in [set_cookie(SESSION_COOKIE, "", Some(0), secure), sso_hint_cookie("", Some(0), secure)] {
        res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::new(e)))?);
    }
    Ok(res)
}
