//! Badges a person holds: mine (`/badges`) and a person's (`/people/{id}/badges`, by
//! the timeline's read rule), each with its image, tier and why (the rule met or the
//! reason given, and the events that earned it, linked to the timeline); the
//! manager's "award by hand with a reason" form; and the badge images. Every decision
//! is `rungs_app::badges`'s (and the access table's); this file turns answers into pages.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::badges::Held;
use rungs_core::PersonId;
use rungs_core::badges::{StoredBadge, Tier};
use serde::{Deserialize, Serialize};

use super::error::see_other;
use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// One event that earned a badge, linked to its line on the timeline.
#[derive(Debug, Serialize)]
struct EarnedView {
    href: String,
    kind_label: &'static str,
    title: String,
    date: String,
}

/// A held badge as the page draws it.
#[derive(Debug, Serialize)]
pub struct HeldView {
    key: String,
    name: String,
    tier: &'static str,
    image: String,
    date: String,
    by_hand: bool,
    reason: Option<String>,
    earned: Vec<EarnedView>,
}

/// The image URL of a badge tier (a page route: the session signs it in).
pub fn image_url(key: &str, tier: Tier) -> String {
    format!("/badges/{key}/image.svg?tier={}", tier.as_str())
}

/// Held badges as views; `timeline` is where the person's events are listed.
pub fn held_views(held: &[Held], timeline: &str) -> Vec<HeldView> {
    held.iter()
        .map(|h| HeldView {
            key: h.badge.clone(),
            name: h.name.clone(),
            tier: h.tier.as_str(),
            image: image_url(&h.badge, h.tier),
            date: fmt::date(h.awarded_at),
            by_hand: h.by_hand,
            reason: h.reason.clone(),
            earned: h
                .earned_by
                .iter()
                .map(|e| EarnedView {
                    href: format!("{timeline}#e-{}", e.id),
                    kind_label: fmt::kind_label(e.kind()),
                    title: fmt::summary(&e.body).title,
                    date: fmt::date(e.occurred_at),
                })
                .collect(),
        })
        .collect()
}

/// A badge of the catalogue: what each tier asks, in words, with its image.
#[derive(Debug, Serialize)]
struct CatalogView {
    key: String,
    name: String,
    description: String,
    tiers: Vec<minijinja::Value>,
}

fn catalog(badges: &[StoredBadge]) -> Vec<CatalogView> {
    badges
        .iter()
        .map(|b| CatalogView {
            key: b.def.key.clone(),
            name: b.def.name.clone(),
            description: b.def.description.clone(),
            tiers: b
                .def
                .tiers
                .iter()
                .map(|(t, r)| minijinja::context! { tier => t.as_str(), rule => r.describe(), image => image_url(&b.def.key, *t) })
                .collect(),
        })
        .collect()
}

/// What was typed in the award form, kept when it is shown again.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    badge: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
pub struct Flash {
    awarded: Option<String>,
}

pub async fn mine(State(state): State<AppState>, s: Session, Query(q): Query<Flash>) -> Result<Response, HtmlError> {
    let me = s.person.id;
    page(&state, &s, me, &AwardForm::default(), &HashMap::new(), q.awarded.is_some(), StatusCode::OK).await
}

pub async fn of_person(State(state): State<AppState>, s: Session, Path(id): Path<String>, Query(q): Query<Flash>) -> Result<Response, HtmlError> {
    let id: PersonId = id.parse().map_err(|_| HtmlError::NotFound)?;
    page(&state, &s, id, &AwardForm::default(), &HashMap::new(), q.awarded.is_some(), StatusCode::OK).await
}

async fn page(
    state: &AppState,
    s: &Session,
    id: PersonId,
    input: &AwardForm,
    errors: &HashMap<String, String>,
    awarded: bool,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    // `held` applies the timeline's read rule (404 for anyone else).
    let held = rungs_app::badges::held(store, &s.viewer, id).await?;
    let person = rungs_app::people::get(store, &s.viewer, id).await?;
    let own = Some(id) == s.viewer.person_id;
    let timeline = if own { "/timeline".to_string() } else { format!("/people/{id}/timeline") };
    let badges = rungs_app::badges::list(store, &s.viewer).await?;
    let can_award = !badges.is_empty() && rungs_app::badges::may_award(store, &s.viewer, id).await?;
    let options: Vec<_> = badges
        .iter()
        .map(|b| minijinja::context! { key => b.def.key, name => b.def.name, tiers => b.def.tiers.keys().map(rungs_core::badges::Tier::as_str).collect::<Vec<_>>() })
        .collect();
    let (current, title) = if own { ("badges", "My badges".to_string()) } else { ("team", format!("{}’s badges", person.name)) };
    let body = render_string(
        "badges.html",
        minijinja::context! {
            layout => Layout::new(s, current, title.clone()),
            heading => title,
            own,
            person => minijinja::context! { id => id.to_string(), name => person.name, title => person.position.title },
            timeline,
            held => held_views(&held, &timeline),
            catalog => if own { catalog(&badges) } else { vec![] },
            can_award,
            options,
            tiers => Tier::ALL.iter().map(rungs_core::badges::Tier::as_str).collect::<Vec<_>>(),
            input,
            errors,
            awarded,
        },
    )?;
    Ok((status, axum::response::Html(body)).into_response())
}

/// Which form input an error field belongs to.
fn input_of(field: &str) -> &'static str {
    match field {
        "badge" => "badge",
        "tier" => "tier",
        "reason" => "reason",
        _ => "form",
    }
}

/// Award a badge by hand, with a reason: the same use case as
/// `POST /api/v1/people/{id}/badges`. A tier already held is said on the form.
pub async fn award(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<AwardForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let subject: PersonId = id.parse().map_err(|_| HtmlError::NotFound)?;
    let mut errors = HashMap::new();
    let tier = Tier::parse(f.tier.trim());
    if tier.is_none() {
        errors.insert("tier".to_string(), "Choose bronze, silver or gold.".to_string());
    }
    if f.badge.trim().is_empty() {
        errors.insert("badge".to_string(), "Choose a badge.".to_string());
    }
    let reason = f.reason.trim();
    if reason.is_empty() {
        errors.insert("reason".to_string(), "Say why: the reason is shown with the badge.".to_string());
    }
    if let (Some(tier), true) = (tier, errors.is_empty()) {
        match rungs_app::badges::award_by_hand(state.store.as_ref(), &s.viewer, subject, f.badge.trim(), tier, reason, Utc::now()).await {
            Ok(_) => return Ok(see_other(&format!("/people/{subject}/badges?awarded=1"))),
            Err(AppError::Invalid(v)) => {
                for e in v.errors {
                    errors.entry(input_of(&e.field).into()).or_insert(e.reason);
                }
            }
            Err(AppError::Conflict { field, reason }) => {
                errors.insert(input_of(&field).into(), format!("{reason}: a tier is awarded once."));
            }
            Err(e) => return Err(e.into()),
        }
    }
    page(&state, &s, subject, &f, &errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Debug, Deserialize)]
pub struct ImageParams {
    tier: Option<String>,
}

/// A badge tier's generated image (SVG), for `<img>` on the pages.
pub async fn image(State(state): State<AppState>, s: Session, Path(key): Path<String>, Query(q): Query<ImageParams>) -> Result<Response, HtmlError> {
    let tier = match q.tier.as_deref() {
        None => Tier::Bronze,
        Some(t) => Tier::parse(t).ok_or(HtmlError::NotFound)?,
    };
    let b = rungs_app::badges::get(state.store.as_ref(), &s.viewer, &key).await?;
    let svg = rungs_core::badges::badge_svg(&b.def.key, &b.def.name, tier);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=300")], svg).into_response())
}
