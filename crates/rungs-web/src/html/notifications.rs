//! Your notifications (`/notifications`): newest first, unread marked, mark one or
//! all read; the email settings (`/notifications/settings`). Everyone has their
//! own and only their own (the access table's `read notifications`).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::notifications as n;
use rungs_core::notifications::EmailChoice;
use serde::Deserialize;
use uuid::Uuid;

use super::{HtmlError, Layout, flash, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Older than this notification (the next page).
    before: Option<String>,
    #[serde(default)]
    unread: Option<String>,
}

pub async fn show(State(state): State<AppState>, s: Session, headers: HeaderMap, Query(q): Query<ListQuery>) -> Result<Response, HtmlError> {
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => Some(super::path_id::<Uuid>(b)?),
        None => None,
    };
    let unread_only = q.unread.as_deref() == Some("1");
    let items = n::list(state.store.as_ref(), &s.viewer, unread_only, before, Some(n::PAGE)).await?;
    let next = (items.len() as u32 == n::PAGE).then(|| items.last().map(|x| x.id.to_string())).flatten();
    let list: Vec<_> = items
        .iter()
        .map(|x| {
            minijinja::context! {
                id => x.id.to_string(), text => x.text, link => x.link, unread => x.read_at.is_none(),
                when => fmt::date(x.created_at), kind => x.kind.as_str(),
            }
        })
        .collect();
    let notice = flash::take(&headers);
    let body = render_string(
        "notifications.html",
        minijinja::context! { layout => Layout::new(&s, "notifications", "Notifications"), list, next, unread_only, notice => &notice },
    )?;
    let mut res = Html(body).into_response();
    if notice.is_some() {
        flash::clear(&mut res, &headers);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf: String,
    /// Where to go after (the notification's link, or back to the list).
    #[serde(default)]
    go: String,
}

/// Mark one read, then follow its link (or come back to the list).
pub async fn mark_read(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<ReadForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    n::mark_read(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?, Utc::now()).await?;
    // Only a path inside the app: never a redirect elsewhere.
    let to = if f.go.starts_with('/') && !f.go.starts_with("//") { f.go.as_str() } else { "/notifications" };
    Ok(super::error::see_other(to))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn mark_all_read(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let done = n::mark_all_read(state.store.as_ref(), &s.viewer, Utc::now()).await?;
    let msg = format!("Marked {} read.", rungs_core::text::count(done, "notification"));
    Ok(flash::see_other_with("/notifications", &msg, &headers))
}

async fn settings_page(state: &AppState, s: &Session, headers: &HeaderMap, error: Option<String>, status: StatusCode) -> Result<Response, HtmlError> {
    let prefs = n::preferences(state.store.as_ref(), &s.viewer).await?;
    let rows: Vec<_> = prefs
        .iter()
        .map(|(k, c)| {
            let choices: Vec<_> =
                EmailChoice::ALL.iter().map(|e| minijinja::context! { value => e.as_str(), label => choice_label(*e), checked => e == c }).collect();
            minijinja::context! { kind => k.as_str(), label => k.label(), choices }
        })
        .collect();
    let notice = flash::take(headers);
    let body = render_string(
        "notification_settings.html",
        minijinja::context! {
            layout => Layout::new(s, "notifications", "Notification settings"), rows, notice => &notice, error,
            email => s.person.email, email_on => state.mailer.is_some(),
        },
    )?;
    let mut res = (status, Html(body)).into_response();
    if notice.is_some() {
        flash::clear(&mut res, headers);
    }
    Ok(res)
}

fn choice_label(c: EmailChoice) -> &'static str {
    match c {
        EmailChoice::Off => "Not by email",
        EmailChoice::Immediate => "Right away",
        EmailChoice::Digest => "In the daily digest",
    }
}

pub async fn settings(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    settings_page(&state, &s, &headers, None, StatusCode::OK).await
}

/// Save the email choices: one radio group per kind (`email.<kind>`).
pub async fn save_settings(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.clone()).unwrap_or_default();
    s.check_csrf(&csrf)?;
    let choices: Vec<(String, String)> = pairs.iter().filter_map(|(k, v)| k.strip_prefix("email.").map(|k| (k.to_string(), v.clone()))).collect();
    match n::set_preferences(state.store.as_ref(), &s.viewer, &choices).await {
        Ok(_) => Ok(flash::see_other_with("/notifications/settings", "Saved your email settings.", &headers)),
        Err(AppError::Invalid(v)) => {
            let msg = v.errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
            settings_page(&state, &s, &HeaderMap::new(), Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
