//! Timelines: mine (`/timeline`) and a person's (`/people/{id}/timeline`, for their
//! managers and the people team), every event kind, filterable by kind; and the
//! manager's "validate" button, which records a `validation` event.

use std::collections::{HashMap, HashSet};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rungs_app::access::can_record;
use rungs_app::people::TimelineEntry;
use rungs_core::event::{EventBody, EventInput, EventKind};
use rungs_core::framework::Framework;
use rungs_core::ledger::constraint::ALREADY_VALIDATED;
use rungs_core::{EventId, PersonId};
use serde::{Deserialize, Serialize};

use super::error::see_other;
use super::{HtmlError, Layout, fmt, render};
use crate::AppState;
use crate::extract::Session;

/// One timeline line, ready for the template.
#[derive(Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub date: String,
    pub iso: String,
    pub summary: fmt::Summary,
    pub by: Option<String>,
    pub by_label: &'static str,
    pub competencies: Vec<String>,
    pub evidence: Vec<String>,
    pub reversed: bool,
    pub progression: bool,
    pub validations: usize,
    /// The viewer may validate this win now (shows the button).
    pub can_validate: bool,
}

/// Turn timeline entries into rows. `validate` asks whether to compute the button.
pub fn rows(entries: &[TimelineEntry], names: &HashMap<PersonId, String>, s: &Session, fw: &Framework, _now: DateTime<Utc>, validate: bool) -> Vec<Row> {
    let me = s.viewer.person_id;
    let mine: HashSet<EventId> = entries
        .iter()
        .filter(|e| e.event.actor == me && e.reversed_by.is_none())
        .filter_map(|e| match &e.event.body {
            EventBody::Validation(v) => Some(v.target),
            _ => None,
        })
        .collect();
    let comp_name = |k: &str| fw.competencies.iter().find(|c| c.key == k).map_or_else(|| k.to_string(), |c| c.name.clone());
    entries
        .iter()
        .map(|e| {
            let ev = &e.event;
            let kind = ev.kind();
            let by = match ev.actor {
                Some(a) if Some(a) == me && ev.subject != a => Some("you".to_string()),
                Some(a) if a != ev.subject => names.get(&a).cloned(),
                _ => None,
            };
            let by_label = if kind == EventKind::Recognition { "From" } else { "Recorded by" };
            Row {
                id: ev.id.to_string(),
                kind: kind.as_str(),
                kind_label: fmt::kind_label(kind),
                date: fmt::date(ev.occurred_at),
                iso: ev.occurred_at.format("%Y-%m-%d").to_string(),
                summary: fmt::summary(&ev.body),
                by,
                by_label,
                competencies: ev.competencies.iter().map(|c| comp_name(c)).collect(),
                evidence: ev.evidence.clone(),
                reversed: e.reversed_by.is_some(),
                progression: kind.is_progression(),
                validations: e.validations.len(),
                can_validate: validate && kind == EventKind::MicroProgression && e.reversed_by.is_none() && !mine.contains(&ev.id),
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct Filter {
    #[serde(default)]
    kind: Option<String>,
    /// Set by the redirect after a validation, to say it worked.
    #[serde(default)]
    validated: Option<String>,
    /// Set by the redirect after logging a win.
    #[serde(default)]
    logged: Option<String>,
}

pub async fn mine(state: State<AppState>, s: Session, q: Query<Filter>) -> Result<Response, HtmlError> {
    let me = s.person.id;
    page(state, s, me, q, None, None).await
}

pub async fn of_person(
    state: State<AppState>,
    s: Session,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    q: Query<Filter>,
) -> Result<Response, HtmlError> {
    let id: PersonId = id.parse().map_err(|_| HtmlError::NotFound)?;
    let notice = super::flash::take(&headers);
    let link = super::flash::take_once(&headers);
    let mut res = page(state, s, id, q, notice.clone(), link.clone()).await?;
    if notice.is_some() {
        super::flash::clear(&mut res, &headers);
    }
    if link.is_some() {
        super::flash::clear_once(&mut res, &headers);
        // The page holds a one-time sign-in link: no cache keeps it.
        res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

async fn page(
    State(state): State<AppState>,
    s: Session,
    id: PersonId,
    Query(q): Query<Filter>,
    notice: Option<String>,
    invite_link: Option<String>,
) -> Result<Response, HtmlError> {
    let flash = if q.validated.as_deref() == Some("again") {
        Some("You had already validated this win: it counts once.")
    } else if q.validated.is_some() {
        Some("Win validated.")
    } else if q.logged.is_some() {
        Some("Your win is on your timeline.")
    } else {
        None
    };
    let store = state.store.as_ref();
    // Access is decided once, for this person only (a walk up their manager chain).
    let rungs_app::people::TimelineView { person, entries: timeline, names, scope } = rungs_app::people::timeline_view(store, &s.viewer, id).await?;
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let left = person.status == rungs_core::person::PersonStatus::Departed;
    let may_validate = can_record(s.viewer.role, scope.relation(id), EventKind::Validation, None, left);
    let filter = q.kind.as_deref().and_then(EventKind::parse);
    let all = rows(&timeline, &names, &s, &fw, Utc::now(), may_validate);
    let total = all.len();
    let shown: Vec<Row> = all.into_iter().filter(|r| filter.is_none_or(|k| r.kind == k.as_str())).collect();
    // The badges held, from the entries already read (awards not reversed).
    let medals: Vec<_> = timeline
        .iter()
        .filter(|e| e.reversed_by.is_none())
        .filter_map(|e| match &e.event.body {
            EventBody::BadgeAwarded(b) => Some(minijinja::context! {
                key => b.badge, name => b.name, tier => b.tier.as_str(), image => super::badges::image_url(&b.badge, b.tier),
            }),
            _ => None,
        })
        .collect();
    let kinds: Vec<_> = EventKind::ALL.iter().map(|k| minijinja::context! { value => k.as_str(), label => fmt::kind_label(*k) }).collect();
    let own = Some(id) == s.viewer.person_id;
    let (current, title) = if own { ("timeline", "My timeline".to_string()) } else { ("team", format!("{}’s timeline", person.name)) };
    let action = if own { "/timeline".to_string() } else { format!("/people/{id}/timeline") };
    let sign_in = super::sign_ins::section(&state, &s, id).await?;
    render(
        "timeline.html",
        minijinja::context! {
            layout => Layout::new(&s, current, title.clone()),
            heading => title,
            own,
            person => minijinja::context! { id => id.to_string(), name => person.name, title => person.position.title },
            rows => shown,
            medals,
            badges_href => if own { "/badges".to_string() } else { format!("/people/{id}/badges") },
            total,
            kinds,
            selected => filter.map_or("", |k| k.as_str()),
            action,
            flash,
            notice,
            invite_link,
            invite => !own && !left && rungs_app::access::Capabilities::of(s.viewer.role).invite,
            sign_in,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ValidateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    /// `home`: validated from the home page's inbox, go back there.
    #[serde(default)]
    back: String,
}

/// Validate one of this person's wins: a `validation` event through the same use
/// case as `POST /api/v1/events`, so the same rules apply (not one's own, visible only).
pub async fn validate(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<ValidateForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let subject: PersonId = id.parse().map_err(|_| HtmlError::NotFound)?;
    let input =
        EventInput { subject: subject.to_string().into(), kind: "validation".into(), payload: serde_json::json!({ "target": f.target }), ..Default::default() };
    // A second click (two tabs, a double click, a resubmitted form) finds the win
    // already validated by this person: the store refuses it, and the page says so
    // as the success it is.
    let again = match rungs_app::events::record(state.store.as_ref(), &s.viewer, vec![input], None).await {
        Ok(_) => false,
        Err(rungs_app::AppError::Conflict { reason, .. }) if reason == ALREADY_VALIDATED => true,
        Err(e) => return Err(e.into()),
    };
    let flag = if again { "again" } else { "1" };
    if f.back == "home" {
        return Ok(see_other(&format!("/?validated={flag}#inbox-h")));
    }
    Ok(see_other(&format!("/people/{subject}/timeline?validated={flag}#e-{}", f.target)))
}
