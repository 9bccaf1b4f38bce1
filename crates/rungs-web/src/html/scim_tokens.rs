//! SCIM provisioning for the people team (`/scim-tokens`): the SCIM tokens an
//! identity provider uses (created here, each secret shown once on the page the form
//! redirects to and stored only as a digest), and revoking them. Who may is the
//! access table's (`manage SCIM provisioning tokens`, asked by `rungs_app::tokens`).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rungs_app::AppError;
use rungs_app::tokens;
use serde::Deserialize;

use super::{HtmlError, Layout, flash, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

async fn page(state: &AppState, s: &Session, headers: &HeaderMap, error: Option<String>, status: StatusCode) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let list: Vec<_> = tokens::list_scim(store, &s.viewer)
        .await?
        .iter()
        .map(|t| {
            minijinja::context! {
                id => t.id.to_string(), label => t.label, created => fmt::date(t.created_at),
                revoked => t.revoked_at.map(fmt::date),
            }
        })
        .collect();
    let notice = flash::take(headers);
    let secret = flash::take_once(headers);
    let base = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map_or_else(|| "/scim/v2".into(), |h| format!("https://{h}/scim/v2"));
    let body = render_string(
        "scim_tokens.html",
        minijinja::context! { layout => Layout::new(s, "scim-tokens", "SCIM provisioning"), list, error, notice => &notice, secret => &secret, base },
    )?;
    let mut res = (status, Html(body)).into_response();
    if notice.is_some() {
        flash::clear(&mut res, headers);
    }
    if secret.is_some() {
        flash::clear_once(&mut res, headers);
    }
    // The page may hold a token: no cache keeps a copy.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn show(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    page(&state, &s, &headers, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

/// Create a SCIM token, attributed to the signed-in person.
pub async fn create(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<CreateForm>) -> Result<Response, HtmlError> {
    if s.check_csrf(&f.csrf).is_err() {
        return page(&state, &s, &HeaderMap::new(), Some(super::STALE_FORM.to_string()), StatusCode::FORBIDDEN).await;
    }
    let Some(me) = s.viewer.person_id else { return Err(AppError::Forbidden("sign in as a person to create a SCIM token".into()).into()) };
    match tokens::issue_scim(state.store.as_ref(), &s.viewer, me, &f.label).await {
        Ok((t, secret)) => {
            let msg = format!("Created the SCIM token “{}”. Paste it into your identity provider now.", t.label);
            Ok(flash::see_other_with_once("/scim-tokens#secret-h", &msg, &secret, &headers))
        }
        Err(AppError::Invalid(v)) => {
            let msg = v.errors.first().map(|e| format!("Name: {}.", e.reason)).unwrap_or_default();
            page(&state, &s, &HeaderMap::new(), Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let t = tokens::revoke_scim(state.store.as_ref(), &s.viewer, super::path_id(&id)?).await?;
    Ok(flash::see_other_with("/scim-tokens", &format!("Revoked “{}”: the identity provider can no longer provision with it.", t.label), &headers))
}
