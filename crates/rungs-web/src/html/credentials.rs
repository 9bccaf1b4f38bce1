//! Verifiable credentials pages (docs/CREDENTIALS.md): `/credentials`, your
//! credentials (download the JSON or the baked PNG, the public link to share, issue
//! one for an achievement, automatic issuing); `/credentials/all`, the people team's
//! list with revocation. The verify page is public (`crate::credentials`).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rungs_app::credentials::holder;
use rungs_app::credentials::issuing::base_url;
use rungs_core::event::EventBody;
use serde::Deserialize;
use uuid::Uuid;

use super::{HtmlError, Layout, flash, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

fn achievement_title(body: &EventBody) -> String {
    match body {
        EventBody::MilestoneCompleted(m) => format!("Milestone: {}", m.title),
        EventBody::BadgeAwarded(b) => format!("Badge: {} ({})", b.name, b.tier.as_str()),
        EventBody::MicroPromotion(p) => format!("Micro-promotion: {}", p.scope),
        _ => String::new(),
    }
}

pub async fn mine(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let base = base_url(&state.issuer);
    let achievements = holder::achievements(store, &s.viewer).await?;
    let auto = holder::opted_in(store, &s.viewer).await?;
    let rows: Vec<_> = achievements
        .iter()
        .rev()
        .map(|(e, c)| {
            minijinja::context! {
                event_id => e.id.to_string(), title => achievement_title(&e.body), when => fmt::date(e.occurred_at),
                issued => c.as_ref().map(|c| minijinja::context! {
                    id => c.id.to_string(), url => format!("{base}/credentials/{}", c.id), json => format!("/credentials/{}", c.id),
                    png => format!("/credentials/{}.png", c.id), issued => fmt::date(c.issued_at),
                    revoked => c.revoked_at.map(fmt::date), reason => c.revoke_reason.clone(),
                }),
            }
        })
        .collect();
    let notice = flash::take(&headers);
    let body = render_string(
        "credentials.html",
        minijinja::context! { layout => Layout::new(&s, "credentials", "My credentials"), rows, auto, notice => &notice, did => state.issuer.did() },
    )?;
    let mut res = Html(body).into_response();
    if notice.is_some() {
        flash::clear(&mut res, &headers);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    event_id: String,
}

pub async fn issue(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<IssueForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let id = super::path_id(&f.event_id)?;
    let c = holder::request(state.store.as_ref(), &state.issuer, &s.viewer, id, Utc::now()).await?;
    Ok(flash::see_other_with("/credentials", &format!("Issued: {}. Download it or share its link.", c.name), &headers))
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    auto_issue: Option<String>,
}

pub async fn settings(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<SettingsForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let on = f.auto_issue.as_deref() == Some("on");
    holder::set_opt_in(state.store.as_ref(), &s.viewer, on, Utc::now()).await?;
    let msg = if on { "New achievements will be issued as credentials automatically." } else { "Automatic issuing is off." };
    Ok(flash::see_other_with("/credentials", msg, &headers))
}

#[derive(Debug, Deserialize)]
pub struct AllQuery {
    before: Option<String>,
}

/// Credentials per page of the people team's list.
const PAGE: u32 = 50;

pub async fn all(State(state): State<AppState>, s: Session, headers: HeaderMap, Query(q): Query<AllQuery>) -> Result<Response, HtmlError> {
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => Some(super::path_id::<Uuid>(b)?),
        None => None,
    };
    let store = state.store.as_ref();
    let items = holder::all(store, &s.viewer, before, PAGE).await?;
    let next = (items.len() as u32 == PAGE).then(|| items.last().map(|x| x.id.to_string())).flatten();
    let mut rows = Vec::with_capacity(items.len());
    for c in &items {
        let who = store.person(s.viewer.org_id, c.person).await.map_or_else(|_| "Someone".into(), |p| p.name);
        rows.push(minijinja::context! {
            id => c.id.to_string(), name => c.name, who, issued => fmt::date(c.issued_at), source => c.source.as_str(),
            revoked => c.revoked_at.map(fmt::date), reason => c.revoke_reason,
        });
    }
    let notice = flash::take(&headers);
    let body = render_string(
        "credential_admin.html",
        minijinja::context! { layout => Layout::new(&s, "credential-admin", "Credentials issued"), rows, next, notice => &notice },
    )?;
    let mut res = Html(body).into_response();
    if notice.is_some() {
        flash::clear(&mut res, &headers);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let id = super::path_id::<Uuid>(&id)?;
    match holder::revoke(state.store.as_ref(), &s.viewer, id, &f.reason).await {
        Ok(c) => Ok(flash::see_other_with("/credentials/all", &format!("Revoked: {}. It now verifies as revoked everywhere.", c.name), &headers)),
        Err(rungs_app::AppError::Invalid(v)) => {
            let msg = v.errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
            Ok(flash::see_other_with("/credentials/all", &format!("Not revoked — {msg}"), &headers))
        }
        Err(rungs_app::AppError::Conflict { reason, .. }) => Ok(flash::see_other_with("/credentials/all", &format!("Not revoked — {reason}"), &headers)),
        Err(e) => Err(e.into()),
    }
}
