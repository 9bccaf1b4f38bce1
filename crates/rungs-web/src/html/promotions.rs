//! Promotion pages: `/promotions` (what waits on me — cases to review or decide —,
//! the cases I nominated, my own cases, and the cycles), `/cycles/{id}/nominate`
//! (the manager's nomination form), `/cycles/{id}/board` (the people team's
//! calibration board) and `/cases/{id}` (one case: status, history, packet, reviews,
//! and the moves open to the viewer). Every action goes through
//! `rungs_app::promotions`, exactly as the API does; a refused one goes back to the
//! page (303), which says why.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use rungs_app::AppError;
use rungs_app::promotions::{self as w, CaseLine};
use rungs_core::promotion::{CaseEdit, CaseMove, CaseStatus, NominationInput, Vote};
use rungs_core::store::TeamQuery;
use rungs_core::{CaseId, CycleId, PersonId};

use super::error::see_other;
use super::flash;
use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

pub(super) fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

fn sentence(reason: &str) -> String {
    let mut c = reason.chars();
    let s: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
    if s.ends_with('.') { s } else { format!("{s}.") }
}

/// A refused action goes back to `to` (303) with why; other failures are errors.
pub(super) fn refused(headers: &HeaderMap, to: &str, e: AppError) -> Result<Response, HtmlError> {
    let msg = match e {
        AppError::Conflict { reason, .. } => sentence(&reason),
        AppError::Invalid(v) => v.errors.iter().map(|e| format!("{}: {}", e.field, sentence(&e.reason))).collect::<Vec<_>>().join(" "),
        AppError::Forbidden(m) => sentence(&m),
        other => return Err(other.into()),
    };
    Ok(flash::see_other_with(to, &msg, headers))
}

pub(super) fn with_flash(mut res: Response, headers: &HeaderMap, error: &Option<String>) -> Response {
    if error.is_some() {
        flash::clear(&mut res, headers);
    }
    res
}

fn line(c: &CaseLine) -> minijinja::Value {
    let k = &c.case;
    minijinja::context! {
        id => k.id.to_string(), name => c.subject_name, cycle => c.cycle_name, status => k.status.as_str(), status_label => k.status.label(),
        from => k.from.title, to => k.to.title, to_level => k.to.level, date => fmt::date(k.updated_at),
    }
}

/// `/promotions`: the approver's inbox first, then my nominations, my cases, cycles.
pub async fn hub(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let inbox: Vec<_> = w::inbox(store, &s.viewer).await?.iter().map(line).collect();
    let nominated: Vec<_> = w::nominations(store, &s.viewer).await?.iter().map(line).collect();
    let mine: Vec<_> = w::my_cases(store, &s.viewer).await?.iter().map(line).collect();
    let today = w::today(store, s.viewer.org_id).await?;
    let may_nominate = s.viewer.role != rungs_core::person::Role::Employee;
    let cycles: Vec<_> = w::cycles(store, &s.viewer)
        .await?
        .iter()
        .map(|c| {
            minijinja::context! {
                id => c.id.to_string(), name => c.name, phase => c.phase(today),
                nominations => format!("{} – {}", c.nominations_open, c.nominations_close), review => format!("{} – {}", c.review_open, c.review_close),
                can_nominate => c.nominations_open_on(today) && (may_nominate || c.self_nomination),
            }
        })
        .collect();
    let error = flash::take(&headers);
    let body = render_string(
        "promotions.html",
        minijinja::context! { layout => Layout::new(&s, "promotions", "Promotions"), inbox, nominated, mine, cycles, admin => rungs_app::access::Capabilities::of(s.viewer.role).calibrate, error },
    )?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

/// `/cycles/{id}/nominate`: pick a report (or yourself, if the cycle allows), the
/// proposed level and title, and say why.
pub async fn nominate_form(State(state): State<AppState>, s: Session, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let cycle = w::cycle(store, &s.viewer, super::path_id(&id)?).await?;
    let mut people = vec![];
    if cycle.self_nomination {
        people.push(minijinja::context! { id => s.person.id.to_string(), name => format!("{} (yourself)", s.person.name), title => s.person.position.title });
    }
    // The team, a page of it: a nomination names one person, and the form lists
    // whoever the viewer manages (a very large team is better served by the API).
    let team = rungs_app::people::team(store, &s.viewer, &TeamQuery { limit: 500, ..Default::default() }).await.map(|t| t.items).unwrap_or_default();
    people.extend(team.iter().map(|p| minijinja::context! { id => p.id.to_string(), name => p.name, title => p.position.title }));
    let error = flash::take(&headers);
    let body = render_string(
        "nominate.html",
        minijinja::context! {
            layout => Layout::new(&s, "promotions", format!("Nominate for {}", cycle.name)),
            cycle => minijinja::context! { id => cycle.id.to_string(), name => cycle.name, closes => cycle.nominations_close.to_string(), review => cycle.review_open.to_string() },
            people, error,
        },
    )?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

pub async fn nominate(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let cycle: CycleId = super::path_id(&id)?;
    let back = format!("/cycles/{cycle}/nominate");
    let Ok(subject) = field(&pairs, "subject").parse::<PersonId>() else {
        return Ok(flash::see_other_with(&back, "Choose the person you nominate.", &headers));
    };
    let opt = |k: &str| Some(field(&pairs, k)).filter(|v| !v.is_empty());
    let pay_increase = match opt("pay_increase").map(|p| p.parse::<u64>()) {
        Some(Err(_)) => return Ok(flash::see_other_with(&back, "Pay increase: a whole number, or leave it empty.", &headers)),
        other => other.and_then(Result::ok),
    };
    let input = NominationInput { subject, level: opt("level"), track: None, title: opt("title"), justification: field(&pairs, "justification"), pay_increase };
    match w::nominate(state.store.as_ref(), &s.viewer, cycle, input).await {
        Ok(case) => Ok(see_other(&format!("/cases/{}?done=nominated", case.id))),
        Err(e) => refused(&headers, &back, e),
    }
}

/// `/cases/{id}`: one case.
pub async fn case_page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let v = w::case_view(store, &s.viewer, super::path_id(&id)?).await?;
    let k = &v.case;
    let packet = &k.packet;
    let history: Vec<_> = v
        .history
        .iter()
        .map(|t| {
            let x = &t.transition;
            minijinja::context! {
                date => fmt::date(x.at), to => x.to.label(), from => x.from.map(|f| f.label()),
                actor => t.actor_name.clone().unwrap_or_else(|| "Rungs, on the effective date".into()), reason => x.reason,
            }
        })
        .collect();
    let reviews: Vec<_> = v
        .reviews
        .iter()
        .map(|r| minijinja::context! { name => r.reviewer_name, vote => r.review.vote.map(|v| v.as_str()), comment => r.review.comment, date => fmt::date(r.review.at) })
        .collect();
    let moves: Vec<&str> = v.moves.iter().map(rungs_core::promotion::CaseMove::as_str).collect();
    let notice = match q.get("done").map(String::as_str) {
        Some("nominated") => Some("Nominated. You can edit the case until its review starts."),
        Some("edited") => Some("Saved."),
        Some("reviewed") => Some("Your review is recorded."),
        Some("start_review") => Some("The review is open: the case can no longer be edited."),
        Some("approve") if k.status != CaseStatus::Effective => Some("Approved."),
        Some("decline") => Some("Declined."),
        Some("withdraw") => Some("Withdrawn."),
        _ => None,
    };
    let error = flash::take(&headers);
    let title = format!("{}: {} → {}", v.subject_name, k.from.title, k.to.title);
    let body = render_string(
        "case.html",
        minijinja::context! {
            layout => Layout::new(&s, "promotions", title),
            c => minijinja::context! {
                id => k.id.to_string(), subject_id => k.subject.to_string(), name => v.subject_name, nominator => v.nominator_name, cycle => v.cycle_name,
                cycle_id => k.cycle_id.to_string(), status => k.status.as_str(), status_label => k.status.label(),
                from => k.from.clone(), to => k.to.clone(), justification => k.justification, pay_increase => k.pay_increase,
                decision_reason => k.decision_reason, effective_on => k.effective_on.map(|d| d.to_string()),
                promotion_event => k.promotion_event.map(|e| e.to_string()), packet_date => fmt::date(k.packet_at),
                readiness => packet["summary"]["readiness"].as_u64(), wins => packet["summary"]["wins"].as_u64(),
                validated => packet["summary"]["validated_wins"].as_u64(), days_in_level => packet["summary"]["days_in_level"].as_i64(),
                votes => v.votes,
            },
            history, reviews, moves, may_edit => v.may_edit, may_review => v.may_review, today => w::today(state.store.as_ref(), s.viewer.org_id).await?.to_string(),
            notice, error,
        },
    )?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

/// `POST /cases/{id}/moves`: start review, approve, decline, withdraw.
pub async fn move_case(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id: CaseId = super::path_id(&id)?;
    let back = format!("/cases/{id}");
    let Some(mv) = CaseMove::parse(&field(&pairs, "move")) else { return Err(HtmlError::NotFound) };
    let effective_on = match field(&pairs, "effective_on") {
        e if e.is_empty() => None,
        e => match e.parse::<NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => return Ok(flash::see_other_with(&back, "Effective date: a day such as 2027-03-01.", &headers)),
        },
    };
    let reason = Some(field(&pairs, "reason")).filter(|r| !r.is_empty());
    let to = match field(&pairs, "back").as_str() {
        b if b.starts_with("/cycles/") => b.to_string(),
        _ => format!("{back}?done={}", mv.as_str()),
    };
    match w::make_move(state.store.as_ref(), &s.viewer, id, mv, reason, effective_on).await {
        Ok(_) => Ok(see_other(&to)),
        Err(e) => refused(&headers, &back, e),
    }
}

/// `POST /cases/{id}/reviews`.
pub async fn review(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id: CaseId = super::path_id(&id)?;
    let vote = Vote::parse(&field(&pairs, "vote"));
    let comment = Some(field(&pairs, "comment")).filter(|c| !c.is_empty());
    match w::review(state.store.as_ref(), &s.viewer, id, vote, comment).await {
        Ok(_) => Ok(see_other(&format!("/cases/{id}?done=reviewed"))),
        Err(e) => refused(&headers, &format!("/cases/{id}"), e),
    }
}

/// `POST /cases/{id}/edit`: justification, level, title, pay; `refresh` takes a new packet.
pub async fn edit(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id: CaseId = super::path_id(&id)?;
    let back = format!("/cases/{id}");
    let opt = |k: &str| Some(field(&pairs, k)).filter(|v| !v.is_empty());
    let pay_increase = match opt("pay_increase").map(|p| p.parse::<u64>()) {
        Some(Err(_)) => return Ok(flash::see_other_with(&back, "Pay increase: a whole number, or leave it empty.", &headers)),
        other => other.and_then(Result::ok),
    };
    let edit = CaseEdit { level: opt("level"), track: None, title: opt("title"), justification: opt("justification"), pay_increase };
    match w::edit(state.store.as_ref(), &s.viewer, id, edit, field(&pairs, "refresh") == "1").await {
        Ok(_) => Ok(see_other(&format!("{back}?done=edited"))),
        Err(e) => refused(&headers, &back, e),
    }
}

/// `/cycles/{id}/board`: the calibration board.
pub async fn board(State(state): State<AppState>, s: Session, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let b = w::board(state.store.as_ref(), &s.viewer, super::path_id(&id)?).await?;
    let groups: Vec<_> = b
        .groups
        .iter()
        .map(|g| {
            let n = g.cases.len();
            let budgets: Vec<_> = g
                .budgets
                .iter()
                .map(|l| {
                    let allowed = l.budget.promotions;
                    minijinja::context! {
                        key => l.key, scope => l.budget.scope.as_str(), value => l.budget.value, allowed, approved => l.approved,
                        in_review => l.in_review, nominated => l.nominated, declined => l.declined, left => allowed.saturating_sub(l.approved),
                        pay => l.budget.pay, pay_approved => l.pay_approved, svg => super::promotions_svg::budget_bar(l),
                    }
                })
                .collect();
            let cases: Vec<_> = g
                .cases
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let k = &c.case;
                    minijinja::context! {
                        id => k.id.to_string(), position => i, up => i.checked_sub(1), down => (i + 1 < n).then_some(i + 1),
                        name => c.subject_name, department => c.department, from => k.from.title, to => k.to.title, to_level => k.to.level,
                        readiness => c.readiness, days => c.days_in_level, votes => c.votes, status => k.status.as_str(), status_label => k.status.label(),
                        pay_increase => k.pay_increase, decidable => k.status == CaseStatus::InReview, nominated => k.status == CaseStatus::Nominated,
                    }
                })
                .collect();
            // A budget calibrated alone is named by its key: show it as words.
            let name = g
                .name
                .strip_prefix("department:")
                .map(str::to_string)
                .or_else(|| g.name.strip_prefix("track:").map(|t| format!("Track {t}")))
                .unwrap_or_else(|| g.name.clone());
            minijinja::context! { name, budgets, cases }
        })
        .collect();
    let error = flash::take(&headers);
    let c = &b.cycle;
    let body = render_string(
        "board.html",
        minijinja::context! {
            layout => Layout::new(&s, "promotions", format!("Calibration: {}", c.name)),
            cycle => minijinja::context! { id => c.id.to_string(), name => c.name, phase => b.phase, review => format!("{} – {}", c.review_open, c.review_close) },
            groups, today => w::today(state.store.as_ref(), s.viewer.org_id).await?.to_string(), error,
        },
    )?;
    Ok(with_flash((StatusCode::OK, Html(body)).into_response(), &headers, &error))
}

/// `POST /cases/{id}/rank`: move a case up or down its group.
pub async fn rank(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let id: CaseId = super::path_id(&id)?;
    let store = state.store.as_ref();
    let case = store.case(s.viewer.org_id, id).await?;
    let back = format!("/cycles/{}/board", case.cycle_id);
    let Ok(position) = field(&pairs, "position").parse::<usize>() else { return Err(HtmlError::NotFound) };
    match w::reorder(store, &s.viewer, id, position).await {
        Ok(_) => Ok(see_other(&format!("{back}#c-{id}"))),
        Err(e) => refused(&headers, &back, e),
    }
}
