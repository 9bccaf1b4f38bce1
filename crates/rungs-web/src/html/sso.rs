//! Single sign-on pages: `/sso/start` sends the browser to the identity provider
//! with a fresh `state`, `nonce` and PKCE challenge (the values themselves ride in
//! a ten-minute HttpOnly cookie, `rungs_sso`); `/sso/callback` checks the returned
//! `state` against that cookie, exchanges the code, validates the ID token
//! (`rungs_app::sso`) and opens the Rungs session, keeping the ID token in a cookie
//! only `/logout` receives. Signing out (`/logout`, `super::login`) ends the Rungs
//! session, then signs out at the provider when it offers RP-initiated logout.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use rungs_app::sso::{Pending, SsoSignInError};
use serde::Deserialize;

use super::HtmlError;
use super::error::{safe_next, see_other};
use super::login::{SsoOffer, page};
use crate::AppState;
use crate::extract::session::{SESSION_COOKIE, cookie, is_https, set_cookie};

/// The cookie that carries the pending sign-in between the redirect and the callback.
pub const SSO_COOKIE: &str = "rungs_sso";
/// How long a pending sign-in lasts.
const PENDING_SECS: i64 = 600;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: Option<String>,
}

fn header_value(s: &str) -> Result<HeaderValue, HtmlError> {
    HeaderValue::from_str(s).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::new(e)))
}

/// The sign-in page again, with what went wrong.
fn refused(state: &AppState, headers: &HeaderMap, status: StatusCode, msg: String) -> Result<Response, HtmlError> {
    let secure = is_https(headers);
    let mut res = page(status, &state.form_key.issue(), "", "/", Some(msg), secure, &SsoOffer::of(state))?;
    res.headers_mut().append(header::SET_COOKIE, header_value(&set_cookie(SSO_COOKIE, "", Some(0), secure))?);
    Ok(res)
}

pub async fn start(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<StartQuery>) -> Result<Response, HtmlError> {
    let Some(provider) = state.sso.clone() else { return Err(HtmlError::NotFound) };
    let pending = Pending::new(safe_next(q.next.as_deref().unwrap_or("/")));
    let url = match provider.authorization_url(&pending).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "single sign-on could not start");
            return refused(
                &state,
                &headers,
                StatusCode::BAD_GATEWAY,
                "Single sign-on is unavailable right now: the identity provider could not be reached.".into(),
            );
        }
    };
    let mut res = see_other(&url);
    let c = set_cookie(SSO_COOKIE, &pending.encode(), Some(PENDING_SECS), is_https(&headers));
    res.headers_mut().append(header::SET_COOKIE, header_value(&c)?);
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    /// RFC 9207: the issuer of the response, when the provider says it.
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

pub async fn callback(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<CallbackQuery>) -> Result<Response, HtmlError> {
    let Some(provider) = state.sso.clone() else { return Err(HtmlError::NotFound) };
    let secure = is_https(&headers);
    if let Some(err) = q.error {
        let why = q.error_description.unwrap_or(err);
        return refused(&state, &headers, StatusCode::FORBIDDEN, format!("Your identity provider did not sign you in: {why}."));
    }
    let pending = cookie(&headers, SSO_COOKIE).and_then(|c| Pending::decode(&c));
    let (Some(pending), Some(code), Some(returned)) = (pending, q.code, q.state) else {
        return refused(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            "That sign-in link had expired or was opened in another browser. Please sign in again.".into(),
        );
    };
    if q.iss.as_deref().is_some_and(|iss| iss != provider.config.issuer) {
        // A response from another provider (a mix-up attack, RFC 9207).
        return refused(&state, &headers, StatusCode::FORBIDDEN, "That sign-in response came from another identity provider. Please sign in again.".into());
    }
    if !rungs_app::accounts::same(&returned, &pending.state) {
        return refused(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            "That sign-in response does not belong to this browser (state mismatch). Please sign in again.".into(),
        );
    }
    let rungs_app::sso::Finished { claims, id_token } = match provider.finish(&pending, &code).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on refused");
            return refused(&state, &headers, StatusCode::FORBIDDEN, format!("Single sign-on failed: {e}."));
        }
    };
    let org = match state.store.default_org().await {
        Ok(Some(o)) => o,
        Ok(None) => return refused(&state, &headers, StatusCode::FORBIDDEN, "Rungs has no organization yet.".into()),
        Err(e) => return Err(rungs_app::AppError::from(e).into()),
    };
    match rungs_app::sso::sign_in(state.store.as_ref(), org.id, &claims, provider.config.jit).await {
        Ok(s) => {
            let mut res = see_other(safe_next(&pending.next));
            let max_age = (s.expires_at - chrono::Utc::now()).num_seconds().max(0);
            let h = res.headers_mut();
            let cookies = [
                set_cookie(SESSION_COOKIE, &s.secret, Some(max_age), secure),
                set_cookie(SSO_COOKIE, "", Some(0), secure),
                super::login::sso_hint_cookie(&id_token, Some(max_age), secure),
            ];
            for c in cookies {
                h.append(header::SET_COOKIE, header_value(&c)?);
            }
            Ok(res)
        }
        Err(SsoSignInError::App(e)) => Err(e.into()),
        Err(e) => refused(&state, &headers, StatusCode::FORBIDDEN, format!("{}.", capitalise(&e.to_string()))),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
