//! A person's suggested wins, answered from the home page: accept (with the title
//! and competencies as they edited them) or dismiss. Both go through
//! `rungs_app::evidence`, as the API does.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::evidence::{self as ev, AcceptInput};
use rungs_core::evidence::Suggestion;
use serde::Deserialize;
use uuid::Uuid;

use super::{HtmlError, flash, fmt};
use crate::AppState;
use crate::extract::Session;

#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    /// Comma-separated competency keys.
    #[serde(default)]
    competencies: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The pending suggestions of the home page's "Suggested from your work".
pub fn context(list: &[Suggestion]) -> Vec<minijinja::Value> {
    list.iter()
        .map(|x| {
            minijinja::context! {
                id => x.id.to_string(), title => x.title, url => x.url, source => x.source_kind.label(),
                competencies => x.competencies.join(", "), category => fmt::category(x.category),
                date => x.occurred_at.map(fmt::date),
            }
        })
        .collect()
}

pub async fn accept(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let competencies: Vec<String> = f.competencies.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
    let edit = AcceptInput { title: Some(f.title.trim().to_string()).filter(|t| !t.is_empty()), description: None, competencies: Some(competencies) };
    match ev::accept(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?, &edit, Utc::now()).await {
        Ok((_, event)) => Ok(flash::see_other_with(
            "/",
            &format!("Accepted: “{}” is on your timeline. Once your manager or a peer validates it, it counts toward your readiness.", event_title(&event)),
            &headers,
        )),
        Err(AppError::Conflict { .. }) => Ok(flash::see_other_with("/", "You had already answered this suggestion: it counts once.", &headers)),
        Err(e) => Err(e.into()),
    }
}

fn event_title(e: &rungs_core::event::Event) -> String {
    match &e.body {
        rungs_core::event::EventBody::MicroProgression(m) => m.title.clone(),
        _ => String::new(),
    }
}

pub async fn dismiss(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    match ev::dismiss(state.store.as_ref(), &s.viewer, super::path_id::<Uuid>(&id)?, Utc::now()).await {
        Ok(_) | Err(AppError::Conflict { .. }) => Ok(flash::see_other_with("/", "Dismissed: nothing was added to your ledger.", &headers)),
        Err(e) => Err(e.into()),
    }
}
