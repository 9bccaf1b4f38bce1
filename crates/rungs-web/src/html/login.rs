//! Sign-in and sign-out. The sign-in form has no session yet, so its CSRF protection
//! is a double submit: GET sets a random `rungs_login_csrf` cookie and puts the same
//! value in a hidden field; POST requires both to match. Another site can make a
//! browser post the form but cannot read or set our cookie, so it cannot match it.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
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

fn page(status: StatusCode, csrf: &str, email: &str, next: &str, error: Option<String>, secure: bool) -> Result<Response, HtmlError> {
    let body = render_string(
        "login.html",
        minijinja::context! { layout => (), csrf, email, next => safe_next(next), error },
    )?;
    let mut res = (status, axum::response::Html(body)).into_response();
    // Re-set on every render: the cookie and the hidden field always agree.
    let c = set_cookie(LOGIN_CSRF_COOKIE, csrf, Some(3600), secure);
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(e.to_string()))?);
    Ok(res)
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Result<Response, HtmlError> {
    let next = q.next.unwrap_or_else(|| "/".into());
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && accounts::session(state.store.as_ref(), &secret).await.is_ok()
    {
        return Ok(see_other(safe_next(&next)));
    }
    // Keep an existing token so two open sign-in tabs both work.
    let csrf = cookie(&headers, LOGIN_CSRF_COOKIE).filter(|c| c.len() == 64).unwrap_or_else(accounts::new_secret);
    page(StatusCode::OK, &csrf, "", &next, None, is_https(&headers))
}

pub async fn submit(State(state): State<AppState>, headers: HeaderMap, ext: Extensions, Form(f): Form<LoginForm>) -> Result<Response, HtmlError> {
    let secure = is_https(&headers);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let fresh = accounts::new_secret();
    if expected.is_empty() || !accounts::same(&f.csrf, &expected) {
        let msg = "The sign-in form had expired. Please sign in again.".to_string();
        return page(StatusCode::FORBIDDEN, &fresh, &f.email, &f.next, Some(msg), secure);
    }
    match accounts::login(state.store.as_ref(), &state.throttle, &f.email, &f.password, client_ip(&ext)).await {
        Ok(s) => {
            let mut res = see_other(safe_next(&f.next));
            let max_age = (s.expires_at - chrono::Utc::now()).num_seconds().max(0);
            let h = res.headers_mut();
            for c in [set_cookie(SESSION_COOKIE, &s.secret, Some(max_age), secure), set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), secure)] {
                h.append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(e.to_string()))?);
            }
            Ok(res)
        }
        Err(LoginError::Invalid) => page(StatusCode::UNAUTHORIZED, &expected, &f.email, &f.next, Some("That email and password do not match an account.".into()), secure),
        Err(e @ LoginError::Throttled { .. }) => page(StatusCode::TOO_MANY_REQUESTS, &expected, &f.email, &f.next, Some(format!("{}.", capitalise(&e.to_string()))), secure),
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

/// Sign out: POST only (a link could be triggered by another site), CSRF-checked.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LogoutForm>) -> Result<Response, HtmlError> {
    let secure = is_https(&headers);
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if !accounts::same(&f.csrf, &accounts::csrf_token(&secret)) {
            return Err(HtmlError::Forbidden("the form had expired or came from another site; reload the page and try again".into()));
        }
        accounts::logout(state.store.as_ref(), &secret).await?;
    }
    let mut res = see_other("/login");
    let c = set_cookie(SESSION_COOKIE, "", Some(0), secure);
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(e.to_string()))?);
    Ok(res)
}
