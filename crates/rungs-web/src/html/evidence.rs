//! Evidence sources for the people team (`/evidence`): the senders with the address
//! each delivers to, a form to add one (its secret shown once, on the page the form
//! redirects to, and kept nowhere but as a hash), removal, each source's latest
//! deliveries, and the mapping (rules, account links, auto-accept) edited as text.
//! Who may is the access table's (`ManageEvidence`, asked by `rungs_app::evidence`).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::evidence::{self as ev, Mapping};
use rungs_core::evidence::SourceKind;
use serde::Deserialize;
use uuid::Uuid;

use super::{HtmlError, Layout, flash, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// Deliveries shown per source.
const RECENT: u32 = 10;

#[derive(Debug, Default, Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct MappingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rules: String,
    #[serde(default)]
    accounts: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    auto_accept: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn sentence(reason: &str) -> String {
    let mut c = reason.chars();
    let s: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
    if s.ends_with('.') { s } else { format!("{s}.") }
}

/// The page, with `mapping` as typed (or as stored) and the errors of a refused form.
async fn page(
    state: &AppState,
    s: &Session,
    headers: &HeaderMap,
    draft: Option<(&SourceForm, &Mapping)>,
    errors: &HashMap<String, Vec<String>>,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let sources = ev::sources(store, &s.viewer).await?;
    let mut list = Vec::new();
    for x in &sources {
        let recent = store.received(s.viewer.org_id, x.id, RECENT).await.map_err(AppError::from)?;
        list.push(minijinja::context! {
            id => x.id.to_string(), kind => x.kind.label(), name => x.name, created => fmt::date(x.created_at),
            path => format!("/hooks/v1/evidence/{}", x.id),
            recent => recent.iter().map(|r| minijinja::context! {
                delivery => r.delivery, outcome => r.outcome.as_str().replace('_', " "), at => r.received_at.format("%-d %b %Y %H:%M UTC").to_string(),
            }).collect::<Vec<_>>(),
        });
    }
    let stored;
    let (form, mapping) = match draft {
        Some((f, m)) => (Some(f), m),
        None => {
            stored = ev::mapping(store, &s.viewer).await?;
            (None, &stored)
        }
    };
    let kinds: Vec<_> = SourceKind::ALL.iter().map(|k| minijinja::context! { value => k.as_str(), label => k.label() }).collect();
    let notice = flash::take(headers);
    let secret = flash::take_once(headers);
    let body = render_string(
        "evidence.html",
        minijinja::context! {
            layout => Layout::new(s, "evidence", "Evidence"), list, kinds, errors,
            source => minijinja::context! { kind => form.map_or("github", |f| f.kind.as_str()), name => form.map_or("", |f| f.name.as_str()) },
            mapping => minijinja::context! { rules => mapping.rules, accounts => mapping.accounts, auto_accept => mapping.auto_accept },
            categories => rungs_core::event::Category::ALL.iter().map(rungs_core::event::Category::as_str).collect::<Vec<_>>().join(", "),
            notice => &notice, secret => &secret,
        },
    )?;
    let mut res = (status, Html(body)).into_response();
    if notice.is_some() {
        flash::clear(&mut res, headers);
    }
    if secret.is_some() {
        flash::clear_once(&mut res, headers);
    }
    // The page may hold a secret: no cache keeps a copy.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn show(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    page(&state, &s, &headers, None, &HashMap::new(), StatusCode::OK).await
}

fn group(v: rungs_core::ValidationError) -> HashMap<String, Vec<String>> {
    let mut errors: HashMap<String, Vec<String>> = HashMap::new();
    for e in v.errors {
        let input = e.field.split('[').next().unwrap_or("form").to_string();
        let at = e.field.find('[').map(|i| format!("{}: ", e.field[i + 1..].trim_end_matches(']'))).unwrap_or_default();
        errors.entry(input).or_default().push(format!("{at}{}", sentence(&e.reason)));
    }
    errors
}

/// Add a source; the redirect shows its secret once.
pub async fn create(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<SourceForm>) -> Result<Response, HtmlError> {
    if s.check_csrf(&f.csrf).is_err() {
        let errors = HashMap::from([("form".to_string(), vec![super::STALE_FORM.to_string()])]);
        let m = ev::mapping(state.store.as_ref(), &s.viewer).await?;
        return page(&state, &s, &HeaderMap::new(), Some((&f, &m)), &errors, StatusCode::FORBIDDEN).await;
    }
    match ev::create_source(state.store.as_ref(), &s.viewer, &f.kind, &f.name, Utc::now()).await {
        Ok(c) => {
            let msg = format!("Added {} ({}). Deliver to /hooks/v1/evidence/{} on this server.", c.source.name, c.source.kind.label(), c.source.id);
            Ok(flash::see_other_with_once("/evidence#secret-h", &msg, &c.secret, &headers))
        }
        Err(AppError::Invalid(v)) => {
            let m = ev::mapping(state.store.as_ref(), &s.viewer).await?;
            page(&state, &s, &HeaderMap::new(), Some((&f, &m)), &group(v), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Remove a source: its deliveries are refused from now on.
pub async fn remove(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    ev::remove_source(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?).await?;
    Ok(flash::see_other_with("/evidence", "Removed. Its deliveries are refused from now on; the suggestions it made stay.", &headers))
}

/// Save the mapping: all of it, or nothing with every mistake beside its box.
pub async fn save_mapping(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<MappingForm>) -> Result<Response, HtmlError> {
    let m = Mapping { rules: f.rules.replace("\r\n", "\n"), accounts: f.accounts.replace("\r\n", "\n"), auto_accept: f.auto_accept.is_some() };
    let blank = SourceForm::default();
    if s.check_csrf(&f.csrf).is_err() {
        let errors = HashMap::from([("form".to_string(), vec![super::STALE_FORM.to_string()])]);
        return page(&state, &s, &HeaderMap::new(), Some((&blank, &m)), &errors, StatusCode::FORBIDDEN).await;
    }
    match ev::set_mapping(state.store.as_ref(), &s.viewer, &m).await {
        Ok(()) => Ok(flash::see_other_with("/evidence#mapping-h", "Mapping saved: deliveries from now on are mapped with it.", &headers)),
        Err(AppError::Invalid(v)) => page(&state, &s, &HeaderMap::new(), Some((&blank, &m)), &group(v), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e.into()),
    }
}
