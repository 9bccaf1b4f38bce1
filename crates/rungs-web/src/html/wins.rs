//! Log a win: a micro-progression form. The submission goes through
//! `rungs_app::events::record`, exactly as the API does; its field errors are shown
//! beside the inputs and everything typed is kept.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rungs_app::AppError;
use rungs_core::PersonId;
use rungs_core::event::{Category, EventBody, Magnitude, MicroProgression, ParsedEvent};
use rungs_core::framework::suggest::Suggestion;
use rungs_core::text::{parse_key, parse_url};
use serde::Serialize;

use super::error::see_other;
use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// What was typed, kept for the re-rendered form.
#[derive(Debug, Default, Clone, Serialize)]
struct Input {
    category: String,
    magnitude: String,
    title: String,
    description: String,
    competencies: Vec<String>,
    evidence: String,
}

impl Input {
    fn from_pairs(pairs: &[(String, String)]) -> (Input, String) {
        let mut i = Input::default();
        let mut csrf = String::new();
        for (k, v) in pairs {
            match k.as_str() {
                "category" => i.category = v.clone(),
                "magnitude" => i.magnitude = v.clone(),
                "title" => i.title = v.clone(),
                "description" => i.description = v.clone(),
                "competencies" => i.competencies.push(v.clone()),
                "evidence" => i.evidence = v.clone(),
                "csrf" => csrf = v.clone(),
                _ => {}
            }
        }
        (i, csrf)
    }

    /// The win as the ledger takes it, parsed from the typed fields (no JSON detour),
    /// or every mistake at once, keyed by the input it concerns. The text is checked
    /// even when a choice is missing, so one submission shows all that is wrong.
    fn parse(&self, subject: PersonId) -> Result<ParsedEvent, HashMap<&'static str, String>> {
        let mut errors: HashMap<&'static str, String> = HashMap::new();
        let category = Category::parse(self.category.trim());
        if category.is_none() {
            errors.insert("category", "Choose a category.".into());
        }
        let magnitude = Magnitude::parse(self.magnitude.trim());
        if magnitude.is_none() {
            errors.insert("magnitude", "Choose nano or micro.".into());
        }
        let description = Some(self.description.clone()).filter(|d| !d.trim().is_empty());
        let win = MicroProgression {
            category: category.unwrap_or(Category::Skill),
            magnitude: magnitude.unwrap_or(Magnitude::Micro),
            title: self.title.clone(),
            description,
        };
        let mut problems = Vec::new();
        let body = EventBody::MicroProgression(win).normalize().map_err(|v| problems.extend(v.errors)).ok();
        let mut competencies: Vec<String> = self
            .competencies
            .iter()
            .enumerate()
            .filter_map(|(i, c)| parse_key(&format!("competencies[{i}]"), c).map_err(|v| problems.extend(v.errors)).ok())
            .collect();
        competencies.sort();
        competencies.dedup();
        let evidence: Vec<String> = Some(self.evidence.trim())
            .filter(|e| !e.is_empty())
            .and_then(|e| parse_url("evidence[0]", e).map_err(|v| problems.extend(v.errors)).ok())
            .into_iter()
            .collect();
        for p in problems {
            let at = input_of(&p.field);
            errors.entry(at).or_insert_with(|| friendly(at, &p.reason));
        }
        match body {
            Some(body) if errors.is_empty() => Ok(ParsedEvent { id: None, subject, occurred_at: None, body, competencies, evidence }),
            _ => Err(errors),
        }
    }
}

/// Which form input an error field from the use case belongs to.
fn input_of(field: &str) -> &'static str {
    let f = field.strip_prefix("payload.").unwrap_or(field);
    match f.split(['[', '.']).next().unwrap_or("") {
        "category" => "category",
        "magnitude" => "magnitude",
        "title" => "title",
        "description" => "description",
        "competencies" => "competencies",
        "evidence" => "evidence",
        _ => "form",
    }
}

/// `magnitude: unknown variant…` reads badly in a form: say what to do instead.
fn friendly(input: &str, reason: &str) -> String {
    match input {
        "category" if reason.contains("null") || reason.contains("missing") || reason.contains("variant") || reason.contains("type") => {
            "Choose a category.".into()
        }
        "magnitude" if reason.contains("null") || reason.contains("missing") || reason.contains("variant") || reason.contains("type") => {
            "Choose nano or micro.".into()
        }
        _ => {
            let mut c = reason.chars();
            let s: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
            if s.ends_with('.') { s } else { format!("{s}.") }
        }
    }
}

/// Competencies suggested from what was typed, shown above the checkboxes.
#[derive(Debug, Default, Serialize)]
struct Suggested {
    asked: bool,
    items: Vec<Suggestion>,
}

async fn page(state: &AppState, s: &Session, input: &Input, errors: &HashMap<&'static str, String>, status: StatusCode) -> Result<Response, HtmlError> {
    page_with(state, s, input, errors, &Suggested::default(), status).await
}

async fn page_with(
    state: &AppState,
    s: &Session,
    input: &Input,
    errors: &HashMap<&'static str, String>,
    suggested: &Suggested,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let fw = rungs_app::framework::get(state.store.as_ref(), &s.viewer).await?;
    let categories: Vec<_> = Category::ALL.iter().map(|c| minijinja::context! { value => fmt::category_key(*c), label => fmt::category(*c) }).collect();
    let groups = fmt::competency_groups(&fw, &input.competencies);
    // The error summary lists problems in the order the fields appear.
    let summary: Vec<_> = ["title", "category", "magnitude", "description", "competencies", "evidence", "form"]
        .iter()
        .filter_map(|f| errors.get(f).map(|m| minijinja::context! { name => *f, msg => m }))
        .collect();
    let body = render_string(
        "win_new.html",
        minijinja::context! {
            layout => Layout::new(s, "win", "Log a win"),
            input,
            errors,
            summary,
            categories,
            groups,
            suggested,
        },
    )?;
    Ok((status, axum::response::Html(body)).into_response())
}

pub async fn form(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let input = Input { magnitude: "micro".into(), ..Default::default() };
    page(&state, &s, &input, &HashMap::new(), StatusCode::OK).await
}

pub async fn submit(State(state): State<AppState>, s: Session, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    let (mut input, csrf) = Input::from_pairs(&pairs);
    if s.check_csrf(&csrf).is_err() {
        // An old tab or an expired session's form: keep what was typed and ask again
        // (the re-rendered form carries a fresh token).
        let errors = HashMap::from([("form", super::STALE_FORM.to_string())]);
        return page(&state, &s, &input, &errors, StatusCode::FORBIDDEN).await;
    }
    if pairs.iter().any(|(k, v)| k == "action" && v == "suggest") {
        // Nothing is recorded: tick what the text points at and show why.
        let text = format!("{}\n{}", input.title, input.description);
        let items = rungs_app::framework::suggest(state.store.as_ref(), &s.viewer, &text, None).await.unwrap_or_default();
        for x in &items {
            if !input.competencies.contains(&x.competency) {
                input.competencies.push(x.competency.clone());
            }
        }
        return page_with(&state, &s, &input, &HashMap::new(), &Suggested { asked: true, items }, StatusCode::OK).await;
    }
    let win = match input.parse(s.person.id) {
        Ok(win) => win,
        Err(errors) => return page(&state, &s, &input, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match rungs_app::events::record_parsed(state.store.as_ref(), &s.viewer, vec![win], None).await {
        Ok(_) => Ok(see_other("/timeline?logged=1")),
        Err(AppError::Invalid(v)) => {
            let mut errors: HashMap<&'static str, String> = HashMap::new();
            for e in v.errors {
                let at = input_of(&e.field);
                errors.entry(at).or_insert_with(|| friendly(at, &e.reason));
            }
            page(&state, &s, &input, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
