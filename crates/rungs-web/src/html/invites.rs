//! Invites: the people team sends one from a person's page or for everyone just
//! imported (`POST /people/{id}/invite`, `POST /people/invite`); the invited person
//! opens the link (`/invite/{token}`), chooses a password and is signed in. The
//! link works once and expires (`rungs_app::notifications::invites`). Without an
//! SMTP server the link is shown once to the sender, to pass on.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::accounts::{self, LoginError};
use rungs_app::notifications::invites;
use rungs_core::PersonId;
use serde::Deserialize;

use super::error::see_other;
use super::{HtmlError, flash, render_string};
use crate::AppState;
use crate::extract::Session;
use crate::extract::session::{SESSION_COOKIE, client_ip, is_https, set_cookie};

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Send (or resend) an invite to one person; back to their page saying how it went.
pub async fn send_one(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let id: PersonId = super::path_id(&id)?;
    let back = format!("/people/{id}/timeline");
    let sent = invites::send(state.store.as_ref(), &s.viewer, id, state.mailer.as_ref(), Utc::now()).await?;
    let until = sent.invite.expires_at.format("%-d %b %Y");
    if sent.emailed {
        let msg = format!("Sent {} an invite at {}. The link works once, until {until}.", sent.person.name, sent.person.email);
        Ok(flash::see_other_with(&back, &msg, &headers))
    } else {
        let msg =
            format!("No email server is set up: give {} this sign-in link yourself. It works once, until {until}, and is not shown again.", sent.person.name);
        let link = format!("{}{}", origin(&headers), sent.path);
        Ok(flash::see_other_with_once(&back, &msg, &link, &headers))
    }
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    csrf: String,
    /// The people to invite (the import's new people), comma separated.
    #[serde(default)]
    people: String,
}

/// Invite everyone a people import added (by email; without email, one by one from
/// their pages, so no list of secret links is shown at once).
pub async fn send_many(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<BulkForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let Some(mailer) = state.mailer.as_ref() else {
        return Err(AppError::invalid("people", "no email server is set up: send each invite from the person's page").into());
    };
    let mut ids = Vec::new();
    for raw in f.people.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        ids.push(raw.parse::<PersonId>().map_err(|_| AppError::invalid("people", format!("'{raw}' is not a person id")))?);
    }
    let (mut sent, mut failed) = (0u64, Vec::new());
    for id in ids {
        match invites::send(state.store.as_ref(), &s.viewer, id, Some(mailer), Utc::now()).await {
            Ok(_) => sent += 1,
            Err(AppError::Forbidden(m)) => return Err(AppError::Forbidden(m).into()),
            Err(e) => failed.push(format!("{id}: {e}")),
        }
    }
    let mut msg = format!("Sent {}.", rungs_core::text::count(sent, "invite"));
    if !failed.is_empty() {
        msg.push_str(&format!(" Not sent ({}): {}.", failed.len(), failed.join("; ")));
    }
    Ok(flash::see_other_with("/people", &msg, &headers))
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("{}://{host}", if is_https(headers) { "https" } else { "http" })
}

fn page(status: StatusCode, token: &str, usable: bool, error: Option<String>) -> Result<Response, HtmlError> {
    let body = render_string("invite.html", minijinja::context! { layout => (), token, usable, error, min => accounts::MIN_PASSWORD })?;
    let mut res = (status, Html(body)).into_response();
    // The URL holds a secret: no cache keeps the page, no referrer carries it away.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(res)
}

pub async fn form(Path(token): Path<String>) -> Result<Response, HtmlError> {
    page(StatusCode::OK, &token, true, None)
}

#[derive(Debug, Deserialize)]
pub struct RedeemForm {
    #[serde(default)]
    password: String,
}

/// Set the password through the link and sign in.
pub async fn redeem(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: Extensions,
    Path(token): Path<String>,
    Form(f): Form<RedeemForm>,
) -> Result<Response, HtmlError> {
    let person = match invites::redeem(state.store.as_ref(), &token, &f.password, Utc::now()).await {
        Ok(p) => p,
        Err(AppError::Invalid(v)) => {
            let e = &v.errors[0];
            let usable = e.field == "password";
            let msg = if usable { format!("The password {}.", e.reason) } else { format!("{}.", capitalise(&e.reason)) };
            return page(StatusCode::UNPROCESSABLE_ENTITY, &token, usable, Some(msg));
        }
        Err(e) => return Err(e.into()),
    };
    match accounts::login(state.store.as_ref(), &state.throttle, &person.email, &f.password, client_ip(&ext)).await {
        Ok(signed) => {
            let mut res = see_other("/");
            let max_age = (signed.expires_at - Utc::now()).num_seconds().max(0);
            let c = set_cookie(SESSION_COOKIE, &signed.secret, Some(max_age), is_https(&headers));
            res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::new(e)))?);
            Ok(res)
        }
        // The password is set: signing in by hand works.
        Err(LoginError::App(e)) => Err(e.into()),
        Err(_) => Ok(see_other("/login")),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
