//! The opportunity board: `/opportunities` (the open ones, with what matches the
//! viewer's own gaps, their applications and what they posted), `/opportunities/new`
//! (post one), and `/opportunities/{id}` (apply, withdraw, or as the owner accept,
//! decline, mark complete and close). Every action goes through
//! `rungs_app::opportunities`, exactly as the API does; a refused move goes back to
//! the page (303), which says why.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rungs_app::AppError;
use rungs_app::opportunities::OpportunityView;
use rungs_core::event::Category;
use rungs_core::framework::Framework;
use rungs_core::opportunity::{ApplicationStatus, ApplyInput, Gap, Move, OpportunityInput, OpportunityQuery, OpportunityStatus};
use rungs_core::{ApplicationId, OpportunityId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::see_other;
use super::flash;
use super::{HtmlError, Layout, fmt, render, render_string};
use crate::AppState;
use crate::extract::Session;

fn names(fw: &Framework, keys: &[String]) -> Vec<String> {
    keys.iter().map(|k| fw.competency(k).map_or_else(|| k.clone(), |c| c.name.clone())).collect()
}

fn status_label(s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::Applied => "Waiting for the owner",
        ApplicationStatus::Accepted => "Accepted",
        ApplicationStatus::Declined => "Declined",
        ApplicationStatus::Withdrawn => "Withdrawn",
        ApplicationStatus::Completed => "Completed",
    }
}

/// An opportunity as the templates show it.
fn card(v: &OpportunityView, s: &Session, gaps: &[Gap], fw: &Framework) -> minijinja::Value {
    let o = &v.opportunity;
    let mine = v.applications.iter().find(|a| Some(a.application.applicant) == s.viewer.person_id && a.application.status.is_live());
    let is_owner = s.viewer.person_id == Some(o.owner);
    let matches: Vec<&str> = gaps.iter().filter(|g| g.built_by(o)).map(|g| g.name.as_str()).collect();
    let applications: Vec<_> = v
        .applications
        .iter()
        .map(|a| {
            let x = &a.application;
            minijinja::context! {
                id => x.id.to_string(), name => a.applicant_name, person_id => x.applicant.to_string(), note => x.note,
                status => x.status.as_str(), status_label => status_label(x.status), date => fmt::date(x.created_at),
                evidence => x.evidence.map(|e| e.to_string()),
            }
        })
        .collect();
    minijinja::context! {
        id => o.id.to_string(), title => o.title, description => o.description, owner => v.owner_name,
        competencies => names(fw, &o.competencies), category => rungs_core::event::category_label(o.category), capacity => o.capacity, places_left => o.places_left(),
        taken => o.taken, pending => o.pending, open => o.status == OpportunityStatus::Open,
        accepting => o.accepts_applications(), full => o.places_left() == 0, date => fmt::date(o.created_at),
        is_owner, can_manage => v.can_decide,
        can_apply => !is_owner && mine.is_none() && o.accepts_applications(),
        mine => mine.map(|a| minijinja::context! { id => a.application.id.to_string(), status => a.application.status.as_str(), status_label => status_label(a.application.status) }),
        matches, applications,
    }
}

/// The viewer's open gaps toward their next level, with the win categories each
/// counts, so the board can point out what would help; empty if readiness cannot be
/// computed.
async fn my_gaps(state: &AppState, s: &Session) -> Vec<Gap> {
    match rungs_app::readiness::get(state.store.as_ref(), &s.viewer, s.person.id).await {
        Ok(r) => r
            .recommendations
            .iter()
            .map(|x| Gap {
                key: x.competency.clone(),
                name: x.name.clone(),
                categories: rungs_app::opportunities::counted_categories(&r.readiness, &x.competency),
            })
            .collect(),
        Err(_) => vec![],
    }
}

#[derive(Debug, Deserialize)]
pub struct BoardParams {
    #[serde(default)]
    posted: Option<String>,
}

pub async fn board(State(state): State<AppState>, s: Session, Query(p): Query<BoardParams>) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let gaps = my_gaps(&state, &s).await;
    let open =
        rungs_app::opportunities::list(store, &s.viewer, &OpportunityQuery { status: Some(OpportunityStatus::Open), limit: 200, ..Default::default() }).await?;
    let me = s.viewer.person_id;
    let mut cards: Vec<(usize, minijinja::Value)> = vec![];
    let mut applied = vec![];
    let mut posted = vec![];
    for v in &open.items {
        let c = card(v, &s, &gaps, &fw);
        // What the viewer posted is listed once, under "You posted": not offered to
        // them as something to take on.
        if me == Some(v.opportunity.owner) {
            posted.push(c);
            continue;
        }
        if v.applications.iter().any(|a| Some(a.application.applicant) == me) {
            applied.push(c.clone());
        }
        let score = gaps.iter().filter(|g| g.built_by(&v.opportunity)).count();
        cards.push((score, c));
    }
    // What builds more of the viewer's gaps comes first; otherwise newest first.
    cards.sort_by_key(|c| std::cmp::Reverse(c.0));
    // Closed opportunities the viewer posted or applied to stay visible to them.
    if let Some(me) = me {
        let closed =
            rungs_app::opportunities::list(store, &s.viewer, &OpportunityQuery { status: Some(OpportunityStatus::Closed), limit: 200, ..Default::default() })
                .await?;
        for v in &closed.items {
            if v.opportunity.owner == me {
                posted.push(card(v, &s, &gaps, &fw));
            } else if v.applications.iter().any(|a| a.application.applicant == me) {
                applied.push(card(v, &s, &gaps, &fw));
            }
        }
    }
    render(
        "opportunities.html",
        minijinja::context! {
            layout => Layout::new(&s, "opportunities", "Opportunities"),
            cards => cards.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
            applied, posted, has_gaps => !gaps.is_empty(), just_posted => p.posted.is_some(),
        },
    )
}

/// What was typed into the post form, kept for the re-rendered form.
#[derive(Debug, Default, Clone, Serialize)]
struct Draft {
    title: String,
    description: String,
    competencies: Vec<String>,
    category: String,
    capacity: String,
}

impl Draft {
    fn from_pairs(pairs: &[(String, String)]) -> (Draft, String) {
        let mut d = Draft::default();
        let mut csrf = String::new();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => d.title = v.clone(),
                "description" => d.description = v.clone(),
                "competencies" => d.competencies.push(v.clone()),
                "capacity" => d.capacity = v.clone(),
                "category" => d.category = v.clone(),
                "csrf" => csrf = v.clone(),
                _ => {}
            }
        }
        (d, csrf)
    }

    fn to_input(&self) -> OpportunityInput {
        let capacity = match self.capacity.trim() {
            "" => Value::Null,
            c => c.parse::<u64>().map_or_else(|_| Value::String(c.to_string()), Value::from),
        };
        OpportunityInput {
            title: json!(self.title),
            description: if self.description.trim().is_empty() { Value::Null } else { json!(self.description) },
            competencies: json!(self.competencies),
            category: if self.category.trim().is_empty() { Value::Null } else { json!(self.category) },
            capacity,
            owner: Value::Null,
        }
    }
}

fn input_of(field: &str) -> &'static str {
    match field.split(['[', '.']).next().unwrap_or("") {
        "title" => "title",
        "description" => "description",
        "competencies" => "competencies",
        "capacity" => "capacity",
        "category" => "category",
        _ => "form",
    }
}

fn sentence(reason: &str) -> String {
    let mut c = reason.chars();
    let s: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
    if s.ends_with('.') { s } else { format!("{s}.") }
}

async fn new_page(state: &AppState, s: &Session, draft: &Draft, errors: &HashMap<&'static str, String>, status: StatusCode) -> Result<Response, HtmlError> {
    let fw = rungs_app::framework::get(state.store.as_ref(), &s.viewer).await?;
    let groups = fmt::competency_groups(&fw, &draft.competencies);
    let categories: Vec<_> = Category::ALL.iter().map(|c| minijinja::context! { value => c.as_str(), label => fmt::category(*c) }).collect();
    let summary: Vec<_> = ["title", "description", "competencies", "category", "capacity", "form"]
        .iter()
        .filter_map(|f| errors.get(f).map(|m| minijinja::context! { name => *f, msg => m }))
        .collect();
    let body = render_string(
        "opportunity_new.html",
        minijinja::context! { layout => Layout::new(s, "opportunities", "Post an opportunity"), draft, errors, summary, groups, categories },
    )?;
    Ok((status, Html(body)).into_response())
}

pub async fn new_form(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let draft = Draft { capacity: "1".into(), category: Category::ProjectCompleted.as_str().into(), ..Default::default() };
    new_page(&state, &s, &draft, &HashMap::new(), StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, s: Session, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    let (draft, csrf) = Draft::from_pairs(&pairs);
    if s.check_csrf(&csrf).is_err() {
        // An old tab or an expired session's form: keep what was typed and ask again
        // (the re-rendered form carries a fresh token).
        let errors = HashMap::from([("form", super::STALE_FORM.to_string())]);
        return new_page(&state, &s, &draft, &errors, StatusCode::FORBIDDEN).await;
    }
    match rungs_app::opportunities::post(state.store.as_ref(), &s.viewer, draft.to_input(), None).await {
        Ok(v) => Ok(see_other(&format!("/opportunities/{}?posted=1", v.opportunity.id))),
        Err(AppError::Invalid(v)) => {
            let mut errors: HashMap<&'static str, String> = HashMap::new();
            for e in v.errors {
                errors.entry(input_of(&e.field)).or_insert_with(|| sentence(&e.reason));
            }
            new_page(&state, &s, &draft, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DetailParams {
    #[serde(default)]
    posted: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn detail_page(
    state: &AppState,
    s: &Session,
    id: OpportunityId,
    notice: Option<String>,
    error: Option<String>,
    note: &str,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let v = rungs_app::opportunities::get(store, &s.viewer, id).await?;
    let gaps = my_gaps(state, s).await;
    let title = v.opportunity.title.clone();
    let body = render_string(
        "opportunity.html",
        minijinja::context! { layout => Layout::new(s, "opportunities", title), o => card(&v, s, &gaps, &fw), notice, error, note },
    )?;
    Ok((status, Html(body)).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<DetailParams>,
) -> Result<Response, HtmlError> {
    let notice = match (p.posted.is_some(), p.done.as_deref()) {
        (true, _) => Some("Posted. It is on the board now; you decide on applications here.".to_string()),
        (_, Some("applied")) => Some("You applied. The owner decides; you can withdraw while you wait.".to_string()),
        (_, Some("accept")) => Some("Accepted: a place is taken.".to_string()),
        (_, Some("decline")) => Some("Declined.".to_string()),
        (_, Some("withdraw")) => Some("Your application is withdrawn.".to_string()),
        (_, Some("complete")) => Some("Marked complete: the work is on their ledger as a validated win.".to_string()),
        (_, Some("close")) => Some("Closed to new applications.".to_string()),
        _ => None,
    };
    let error = flash::take(&headers);
    let mut res = detail_page(&state, &s, super::path_id::<OpportunityId>(&id)?, notice, error.clone(), "", StatusCode::OK).await?;
    if error.is_some() {
        flash::clear(&mut res, &headers);
    }
    Ok(res)
}

/// A refused action goes back to the page (303: a refresh does not send it again),
/// which says why; other failures are errors.
fn refused(headers: &HeaderMap, id: OpportunityId, e: AppError) -> Result<Response, HtmlError> {
    let msg = match e {
        AppError::Conflict { reason, .. } => sentence(&reason),
        AppError::Invalid(v) => v.errors.iter().map(|e| sentence(&e.reason)).collect::<Vec<_>>().join(" "),
        AppError::Forbidden(m) => sentence(&m),
        other => return Err(other.into()),
    };
    Ok(flash::see_other_with(&format!("/opportunities/{id}"), &msg, headers))
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn apply(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let id = super::path_id::<OpportunityId>(&id)?;
    let note = field(&pairs, "note");
    if s.check_csrf(&field(&pairs, "csrf")).is_err() {
        return detail_page(&state, &s, id, None, Some(super::STALE_FORM.to_string()), &note, StatusCode::FORBIDDEN).await;
    }
    let input = ApplyInput { note: if note.trim().is_empty() { Value::Null } else { json!(note) } };
    match rungs_app::opportunities::apply(state.store.as_ref(), &s.viewer, id, input, None).await {
        Ok(_) => Ok(see_other(&format!("/opportunities/{id}?done=applied"))),
        Err(e) => refused(&headers, id, e),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path((id, app, action)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id = super::path_id::<OpportunityId>(&id)?;
    let app: ApplicationId = app.parse().map_err(|_| HtmlError::NotFound)?;
    let mv = Move::parse(&action).ok_or(HtmlError::NotFound)?;
    match rungs_app::opportunities::decide(state.store.as_ref(), &s.viewer, id, app, mv).await {
        Ok(_) => Ok(see_other(&format!("/opportunities/{id}?done={}", mv.as_str()))),
        Err(e) => refused(&headers, id, e),
    }
}

pub async fn close(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id = super::path_id::<OpportunityId>(&id)?;
    match rungs_app::opportunities::close(state.store.as_ref(), &s.viewer, id).await {
        Ok(_) => Ok(see_other(&format!("/opportunities/{id}?done=close"))),
        Err(e) => refused(&headers, id, e),
    }
}
