//! Webhooks for the people team (`/webhooks`): the subscriptions, a form to add one
//! (its signing secret shown once, on the page the form redirects to, and kept
//! nowhere), pause / resume / remove, and the delivery log with a replay per delivery.
//! Who may is the access table's (`manage webhooks`, asked by `rungs_app::webhooks`).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use rungs_app::AppError;
use rungs_app::webhooks as w;
use rungs_core::event::EventKind;
use rungs_core::webhooks::{DeliveryStatus, SubscriptionInput};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{HtmlError, Layout, flash, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// The value of the "every kind" checkbox.
const EVERY_KIND: &str = "all";

/// What was typed in the add form, kept when it is shown again.
#[derive(Debug, Default, Serialize)]
struct Draft {
    url: String,
    description: String,
    kinds: Vec<String>,
}

impl Draft {
    fn from_pairs(pairs: &[(String, String)]) -> (Draft, String) {
        let mut d = Draft::default();
        let mut csrf = String::new();
        for (k, v) in pairs {
            match k.as_str() {
                "url" => d.url = v.trim().to_string(),
                "description" => d.description = v.clone(),
                "kinds" => d.kinds.push(v.clone()),
                "csrf" => csrf = v.clone(),
                _ => {}
            }
        }
        (d, csrf)
    }

    /// Empty kinds means every kind (the API's rule), so "every kind" sends none.
    fn to_input(&self) -> SubscriptionInput {
        let every = self.kinds.iter().any(|k| k == EVERY_KIND);
        let kinds = if every { vec![] } else { self.kinds.clone() };
        SubscriptionInput { url: self.url.clone(), description: Some(self.description.clone()), kinds }
    }
}

fn sentence(reason: &str) -> String {
    let mut c = reason.chars();
    let s: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
    if s.ends_with('.') { s } else { format!("{s}.") }
}

/// The form input an API field belongs to (`kinds[2]` is the kinds group).
fn input_of(field: &str) -> &'static str {
    match field {
        "url" => "url",
        "description" => "description",
        f if f.starts_with("kinds") => "kinds",
        _ => "form",
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

fn kind_names(kinds: &[EventKind]) -> String {
    if kinds.is_empty() { "every kind".into() } else { kinds.iter().map(|k| fmt::kind_label(*k)).collect::<Vec<_>>().join(", ") }
}

async fn page(
    state: &AppState,
    s: &Session,
    headers: &HeaderMap,
    draft: &Draft,
    errors: &HashMap<&'static str, String>,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let subs = w::list(store, &s.viewer).await?;
    let log = w::deliveries(store, &s.viewer, None, None, None, Some(w::LOG_PAGE)).await?;
    let url_of: HashMap<Uuid, &str> = subs.iter().map(|x| (x.id, x.url.as_str())).collect();
    let list: Vec<_> = subs
        .iter()
        .map(|x| {
            minijinja::context! {
                id => x.id.to_string(), url => x.url, description => x.description, kinds => kind_names(&x.kinds),
                active => x.active, created => fmt::date(x.created_at),
            }
        })
        .collect();
    let deliveries: Vec<_> = log
        .iter()
        .map(|d| {
            let error = match (d.last_status, d.last_error.as_deref()) {
                (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
                (Some(code), None) if d.status != DeliveryStatus::Delivered => format!("HTTP {code}"),
                (None, Some(e)) => e.to_string(),
                _ => String::new(),
            };
            minijinja::context! {
                id => d.id.to_string(), kind => fmt::kind_label(d.kind), seq => d.seq,
                url => url_of.get(&d.subscription_id).copied().unwrap_or("(removed)"),
                status => d.status.as_str(), attempts => d.attempts, error,
                next => (d.status == DeliveryStatus::Pending).then(|| when(d.next_attempt_at)),
                delivered => d.delivered_at.map(when), created => when(d.created_at),
            }
        })
        .collect();
    let checked = |v: &str| draft.kinds.iter().any(|k| k == v);
    let kinds: Vec<_> =
        EventKind::ALL.iter().map(|k| minijinja::context! { value => k.as_str(), label => fmt::kind_label(*k), checked => checked(k.as_str()) }).collect();
    let summary: Vec<_> =
        ["url", "kinds", "description", "form"].iter().filter_map(|f| errors.get(f).map(|m| minijinja::context! { name => *f, msg => m })).collect();
    let notice = flash::take(headers);
    let secret = flash::take_once(headers);
    let body = render_string(
        "webhooks.html",
        minijinja::context! {
            layout => Layout::new(s, "webhooks", "Webhooks"), list, deliveries, kinds, every => checked(EVERY_KIND),
            draft, errors, summary, notice => &notice, secret => &secret, log_page => w::LOG_PAGE,
        },
    )?;
    let mut res = (status, Html(body)).into_response();
    if notice.is_some() {
        flash::clear(&mut res, headers);
    }
    if secret.is_some() {
        flash::clear_once(&mut res, headers);
    }
    // The page may hold a signing secret: no cache keeps a copy.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn show(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    page(&state, &s, &headers, &Draft::default(), &HashMap::new(), StatusCode::OK).await
}

/// Add a subscription. A bad URL or no kind ticked shows the form again with what was
/// typed and the error beside the field; nothing is saved.
pub async fn create(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    let (draft, csrf) = Draft::from_pairs(&pairs);
    if s.check_csrf(&csrf).is_err() {
        let errors = HashMap::from([("form", super::STALE_FORM.to_string())]);
        return page(&state, &s, &HeaderMap::new(), &draft, &errors, StatusCode::FORBIDDEN).await;
    }
    let input = draft.to_input();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    if draft.kinds.is_empty() {
        errors.insert("kinds", "Tick the kinds of event to send, or “every kind”.".into());
        // Check the other fields too, so every error shows at once.
        if let Err(v) = input.parse() {
            for e in v.errors {
                errors.entry(input_of(&e.field)).or_insert_with(|| sentence(&e.reason));
            }
        }
        return page(&state, &s, &HeaderMap::new(), &draft, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match w::create(state.store.as_ref(), &s.viewer, &input, Utc::now()).await {
        Ok(c) => {
            let msg = format!("Added {}. It receives the events recorded from now on.", c.subscription.url);
            Ok(flash::see_other_with_once("/webhooks#secret-h", &msg, &c.secret, &headers))
        }
        Err(AppError::Invalid(v)) => {
            for e in v.errors {
                errors.entry(input_of(&e.field)).or_insert_with(|| sentence(&e.reason));
            }
            page(&state, &s, &HeaderMap::new(), &draft, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    csrf: String,
    /// `true` to resume, `false` to pause.
    #[serde(default)]
    active: bool,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Pause or resume a subscription.
pub async fn set_active(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let sub = w::set_active(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?, f.active, Utc::now()).await?;
    let msg = if sub.active {
        format!("Resumed {}. Deliveries held while it was paused go out now, in order.", sub.url)
    } else {
        format!("Paused {}. Nothing is sent to it until you resume it.", sub.url)
    };
    Ok(flash::see_other_with("/webhooks", &msg, &headers))
}

/// Remove a subscription and its deliveries.
pub async fn remove(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    w::remove(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?).await?;
    Ok(flash::see_other_with("/webhooks", "Removed. Nothing more is sent to it.", &headers))
}

/// Send a delivery again.
pub async fn replay(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let d = w::replay(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?, Utc::now()).await?;
    let msg = format!("Replaying the {} event (ledger position {}): it goes out again in its place.", fmt::kind_label(d.kind), d.seq);
    Ok(flash::see_other_with("/webhooks#log-h", &msg, &headers))
}
