//! Badge administration for the people team (`/badges/admin`): every badge with its
//! rules in words, an editor for a definition in YAML (errors listed by their position
//! in the rule, nothing saved), and the rule preview — who would get each tier now and
//! why, the same evaluation the badge job runs. Decisions are `rungs_app::badges`'s.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::badges::{Preview, PreviewLine};
use rungs_core::badges::{badge_yaml, yaml_value};
use serde::{Deserialize, Serialize};

use super::badges::image_url;
use super::error::see_other;
use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// Preview lines a page shows (the rest are counted), and events per line.
const PREVIEW_PEOPLE: usize = 50;
const PREVIEW_EVENTS: usize = 5;

/// A starting point for a new badge.
const EXAMPLE: &str = "key: team-player\nname: Team Player\ndescription: Recognised by colleagues, again and again.\ntiers:\n  bronze: {distinct_givers: {within_days: 365, at_least: 3}}\n  silver: {distinct_givers: {within_days: 365, at_least: 6}}\n";

#[derive(Debug, Deserialize)]
pub struct Params {
    /// Edit this badge.
    key: Option<String>,
    /// Set by the redirect after saving.
    saved: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    yaml: String,
    /// `preview` or `save`.
    #[serde(default)]
    action: String,
}

/// One error, at its position in the rule.
#[derive(Debug, Serialize)]
struct Problem {
    field: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct PreviewView {
    rules: Vec<minijinja::Value>,
    total: usize,
    would_award: u64,
    facts: u64,
    lines: Vec<minijinja::Value>,
}

fn preview_view(p: &Preview, lines: &[PreviewLine]) -> PreviewView {
    PreviewView {
        rules: p.rules.iter().map(|(t, r)| minijinja::context! { tier => t.as_str(), rule => r }).collect(),
        total: p.entries.len(),
        would_award: p.would_award,
        facts: p.facts,
        lines: lines
            .iter()
            .map(|l| {
                let events: Vec<_> = l
                    .events
                    .iter()
                    .map(|e| {
                        minijinja::context! {
                            href => format!("/people/{}/timeline#e-{}", l.person, e.id),
                            title => fmt::summary(&e.body).title,
                            kind_label => fmt::kind_label(e.kind()),
                            date => fmt::date(e.occurred_at),
                        }
                    })
                    .collect();
                minijinja::context! {
                    person => l.person.to_string(), name => l.name, tier => l.tier.as_str(), held => l.held,
                    events, more => l.earned_by.saturating_sub(l.events.len()),
                }
            })
            .collect(),
    }
}

struct View<'a> {
    yaml: &'a str,
    problems: Vec<Problem>,
    preview: Option<PreviewView>,
    saved: Option<String>,
    editing: Option<String>,
}

async fn page(state: &AppState, s: &Session, v: View<'_>, status: StatusCode) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    if !rungs_app::badges::may_define(&s.viewer) {
        return Err(HtmlError::Forbidden("only the people team defines badges".into()));
    }
    let badges = rungs_app::badges::list(store, &s.viewer).await?;
    let list: Vec<_> = badges
        .iter()
        .map(|b| {
            let top = b.def.tiers.keys().next_back().copied().unwrap_or(rungs_core::badges::Tier::Bronze);
            minijinja::context! {
                key => b.def.key, name => b.def.name, description => b.def.description, revision => b.revision,
                updated => fmt::date(b.updated_at), image => image_url(&b.def.key, top),
                tiers => b.def.tiers.iter().map(|(t, r)| minijinja::context! { tier => t.as_str(), rule => r.describe() }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let body = render_string(
        "badge_admin.html",
        minijinja::context! {
            layout => Layout::new(s, "badge-admin", "Badge rules"),
            list,
            yaml => v.yaml,
            problems => v.problems,
            preview => v.preview,
            saved => v.saved,
            editing => v.editing,
        },
    )?;
    Ok((status, axum::response::Html(body)).into_response())
}

pub async fn show(State(state): State<AppState>, s: Session, Query(q): Query<Params>) -> Result<Response, HtmlError> {
    let (yaml, editing) = match q.key.as_deref() {
        Some(k) => {
            let b = rungs_app::badges::get(state.store.as_ref(), &s.viewer, k).await?;
            (badge_yaml(&b.def), Some(b.def.name))
        }
        None => (EXAMPLE.to_string(), None),
    };
    let view = View { yaml: &yaml, problems: vec![], preview: None, saved: q.saved, editing };
    page(&state, &s, view, StatusCode::OK).await
}

/// Preview or save the definition typed in the editor. Both validate it first; a bad
/// definition lists every error by position and changes nothing.
pub async fn submit(State(state): State<AppState>, s: Session, Form(f): Form<EditForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let store = state.store.as_ref();
    let now = Utc::now();
    let problems = |e: rungs_core::ValidationError| e.errors.into_iter().map(|e| Problem { field: e.field, reason: e.reason }).collect::<Vec<_>>();
    let value = match yaml_value(&f.yaml) {
        Ok(v) => v,
        Err(e) => {
            let view = View { yaml: &f.yaml, problems: problems(e), preview: None, saved: None, editing: None };
            return page(&state, &s, view, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let result = if f.action == "save" {
        rungs_app::badges::define(store, &s.viewer, &value, now).await.map(|b| Err(b.def.key))
    } else {
        rungs_app::badges::preview(store, &s.viewer, &value, now).await.map(Ok)
    };
    match result {
        Ok(Err(saved)) => Ok(see_other(&format!("/badges/admin?saved={saved}#list-h"))),
        Ok(Ok(preview)) => {
            let lines = rungs_app::badges::explain_preview(store, &s.viewer, &preview, PREVIEW_PEOPLE, PREVIEW_EVENTS).await?;
            let view = View { yaml: &f.yaml, problems: vec![], preview: Some(preview_view(&preview, &lines)), saved: None, editing: None };
            page(&state, &s, view, StatusCode::OK).await
        }
        Err(AppError::Invalid(e)) => {
            let view = View { yaml: &f.yaml, problems: problems(e), preview: None, saved: None, editing: None };
            page(&state, &s, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
