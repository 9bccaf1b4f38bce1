//! Proposal pages: `/proposals` (what waits on my decision — approve or reject with a
//! comment —, the form a manager proposes with, my proposals, my delegation) and
//! `/approval-routes` (the people team's routes, one JSON document per kind, checked
//! on save). Every action goes through `rungs_app::proposals`, exactly as the API
//! does; a refused one goes back to the page (303), which says why.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use rungs_app::proposals as w;
use rungs_core::person::Position;
use rungs_core::proposal::{DelegationInput, Details, Proposal, ProposalInput, ProposalKind, Route};
use rungs_core::store::TeamQuery;
use rungs_core::{PersonId, ProposalId, ValidationError};

use super::error::see_other;
use super::flash;
use super::promotions::{field, refused, with_flash};
use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

fn what(p: &Proposal, pay_hidden: bool) -> String {
    match &p.details {
        Details::MicroPromotion { from, to, .. } => format!("Micro-promotion: {from} → {to}"),
        Details::LateralMove { department, to } => {
            let to = to.as_ref().map(|p| format!("{} ({}/{})", p.title, p.track, p.level));
            format!("Lateral move to {}", [department.clone(), to].into_iter().flatten().collect::<Vec<_>>().join(", "))
        }
        Details::Demotion { to } => format!("Demotion to {} ({}/{})", to.title, to.track, to.level),
        Details::PayChange { .. } if pay_hidden => "Pay change (amount visible to the people team and the person)".into(),
        Details::PayChange { delta, .. } => format!("Pay change: {delta:+}"),
    }
}

fn step_label(p: &Proposal) -> String {
    match p.current_step.and_then(|i| p.steps.get(i as usize).map(|s| (i, s))) {
        Some((i, s)) => format!("step {} of {}: {} ({} of {} needed)", i + 1, p.steps.len(), s.name, s.need, s.approvers.len()),
        None => p.status.as_str().to_string(),
    }
}

/// `/proposals`.
pub async fn page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let inbox: Vec<_> = w::inbox(store, &s.viewer)
        .await?
        .iter()
        .map(|i| {
            let p = &i.proposal;
            minijinja::context! {
                id => p.id.to_string(), name => i.subject_name, what => what(p, i.pay_hidden), rationale => p.rationale,
                effective => p.effective_on.to_string(), step => step_label(p), delegated => i.as_approver != s.person.id, reminded => i.reminded,
            }
        })
        .collect();
    let mut mine = vec![];
    for p in w::mine(store, &s.viewer).await? {
        let v = w::view(store, &s.viewer, p.id).await?;
        mine.push(minijinja::context! {
            id => p.id.to_string(), name => v.subject_name, what => what(&v.proposal, v.pay_hidden), status => p.status.as_str(),
            step => step_label(&p), effective => p.effective_on.to_string(), date => fmt::date(p.created_at),
            pending => p.status == rungs_core::proposal::ProposalStatus::Pending,
        });
    }
    let team = rungs_app::people::team(store, &s.viewer, &TeamQuery { limit: 500, ..Default::default() }).await.map(|t| t.items).unwrap_or_default();
    let people: Vec<_> = team.iter().map(|p| minijinja::context! { id => p.id.to_string(), name => p.name, title => p.position.title }).collect();
    let delegation = match w::my_delegation(store, &s.viewer).await? {
        Some(d) => {
            let name = store.person(s.viewer.org_id, d.delegate).await.map_or_else(|_| d.delegate.to_string(), |p| p.name);
            Some(minijinja::context! { delegate => d.delegate.to_string(), name, from => d.from.to_string(), until => d.until.to_string() })
        }
        None => None,
    };
    // The delegation picker: a name search of at most a few rows (never the whole org).
    let find = q.get("find").map(|f| f.trim().to_string()).unwrap_or_default();
    let (found, more) = w::find_delegates(store, &s.viewer, &find).await?;
    let found: Vec<_> = found.iter().map(|c| minijinja::context! { id => c.id.to_string(), name => c.name, title => c.title }).collect();
    let error = flash::take(&headers);
    let body = render_string(
        "proposals.html",
        minijinja::context! {
            layout => Layout::new(&s, "proposals", "Proposals and approvals"), inbox, mine, people, delegation, error,
            find, found, more, searched => find.chars().count() >= 2,
            today => rungs_app::calendar::today(store, s.viewer.org_id).await?.to_string(),
        },
    )?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

/// The proposal form's details, by kind.
fn details(pairs: &[(String, String)]) -> Result<Details, ValidationError> {
    let f = |k: &str| field(pairs, k);
    let opt = |k: &str| Some(f(k)).filter(|v| !v.is_empty());
    let position = || Position { track: f("track"), level: f("level"), title: f("title") };
    Ok(match ProposalKind::parse(&f("kind")) {
        Some(ProposalKind::MicroPromotion) => Details::MicroPromotion {
            from: f("from"),
            to: f("to"),
            competencies: f("competencies").split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
            toward_level: opt("toward_level"),
        },
        Some(ProposalKind::LateralMove) => Details::LateralMove { department: opt("department"), to: opt("track").map(|_| position()) },
        Some(ProposalKind::Demotion) => Details::Demotion { to: position() },
        Some(ProposalKind::PayChange) => Details::PayChange {
            delta: f("delta").parse().map_err(|_| ValidationError::single("details.delta", "a whole number (negative for a cut)"))?,
            promotion_case: None,
        },
        None => return Err(ValidationError::single("kind", "choose what you propose")),
    })
}

pub async fn propose(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let back = "/proposals";
    let Ok(subject) = field(&pairs, "subject").parse::<PersonId>() else {
        return Ok(flash::see_other_with(back, "Choose the person you propose for.", &headers));
    };
    let Ok(effective_on) = field(&pairs, "effective_on").parse() else {
        return Ok(flash::see_other_with(back, "Effective on: a date.", &headers));
    };
    let details = match details(&pairs) {
        Ok(d) => d,
        Err(e) => return refused(&headers, back, e.into()),
    };
    let input = ProposalInput { subject, details, rationale: field(&pairs, "rationale"), effective_on };
    match w::propose(state.store.as_ref(), &s.viewer, input).await {
        Ok(_) => Ok(see_other("/proposals")),
        Err(e) => refused(&headers, back, e),
    }
}

/// Approve or reject (`decision` = `approve` | `reject`) with a comment.
pub async fn decide(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id: ProposalId = super::path_id(&id)?;
    let approve = field(&pairs, "decision") == "approve";
    let comment = Some(field(&pairs, "comment")).filter(|c| !c.is_empty());
    match w::decide(state.store.as_ref(), &s.viewer, id, approve, comment).await {
        Ok(_) => Ok(see_other("/proposals")),
        Err(e) => refused(&headers, "/proposals", e),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    match w::withdraw(state.store.as_ref(), &s.viewer, super::path_id(&id)?).await {
        Ok(_) => Ok(see_other("/proposals")),
        Err(e) => refused(&headers, "/proposals", e),
    }
}

/// Set (or, with `end`, end) the viewer's delegation.
pub async fn delegation(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let store = state.store.as_ref();
    if field(&pairs, "end") == "1" {
        return match w::end_delegation(store, &s.viewer).await {
            Ok(()) => Ok(see_other("/proposals")),
            Err(e) => refused(&headers, "/proposals", e),
        };
    }
    let (Ok(delegate), Ok(from), Ok(until)) = (field(&pairs, "delegate").parse::<PersonId>(), field(&pairs, "from").parse(), field(&pairs, "until").parse())
    else {
        return Ok(flash::see_other_with("/proposals", "Delegation: find and choose the person who decides for you, and give two dates.", &headers));
    };
    match w::set_delegation(store, &s.viewer, DelegationInput { delegate, from, until }).await {
        Ok(_) => Ok(see_other("/proposals")),
        Err(e) => refused(&headers, "/proposals", e),
    }
}

/// `/approval-routes`: the people team's routes.
pub async fn routes_page(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    rungs_app::access::require(s.viewer.role, rungs_app::access::table::Action::ConfigureRoutes, "only the people team configures approval routes")?;
    let routes: Vec<_> = w::routes(state.store.as_ref(), &s.viewer)
        .await?
        .into_iter()
        .map(|(r, configured)| {
            minijinja::context! {
                kind => r.kind.as_str(), label => r.kind.label(), configured,
                json => serde_json::to_string_pretty(&r).unwrap_or_default(),
            }
        })
        .collect();
    let error = flash::take(&headers);
    let body = render_string("approval_routes.html", minijinja::context! { layout => Layout::new(&s, "approval-routes", "Approval routes"), routes, error })?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

pub async fn save_route(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let back = "/approval-routes";
    let route: Route = match serde_json::from_str(&field(&pairs, "route")) {
        Ok(r) => r,
        Err(e) => return Ok(flash::see_other_with(back, &format!("The route is not valid JSON for a route: {e}."), &headers)),
    };
    match w::save_route(state.store.as_ref(), &s.viewer, route).await {
        Ok(_) => Ok(see_other(back)),
        Err(e) => refused(&headers, back, e),
    }
}
