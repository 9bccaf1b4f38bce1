//! My team: each of my reports (direct and indirect) with level, time in level, last
//! progression, the stall marker (`rungs_app::people::is_stalled`), and readiness for
//! the next level with its top gap (`rungs_app::org_readiness`, the scores of
//! `/people/{id}/progress`).

use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use rungs_app::access::Scope;
use rungs_core::page::MAX_PAGE;
use rungs_core::person::PersonStatus;
use rungs_core::store::PeopleQuery;
use serde::Serialize;

use super::{HtmlError, Layout, fmt, render};
use crate::AppState;
use crate::extract::Session;

#[derive(Serialize)]
struct Member {
    id: String,
    name: String,
    title: String,
    level: String,
    direct: bool,
    time_in_level: String,
    last_progression: String,
    last_progression_iso: String,
    stalled: bool,
    /// Readiness 0–100 for the next level; `None` at the top of the track.
    readiness: Option<u8>,
    next_title: String,
    /// The competency whose gap, closed, raises readiness most, and what is missing.
    top_gap: Option<String>,
    top_gap_missing: String,
}

pub async fn show(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let now = Utc::now();
    let me = s.person.id;
    let mut people = vec![];
    // My team is my reports, direct and indirect, as the access rules define them
    // (the people team would otherwise see everyone through `list`).
    let scope = Scope::load_with_reports(store, s.viewer.clone()).await?;
    let only: Vec<_> = scope.reports().iter().copied().collect();
    let mut cursor = None;
    loop {
        let q = PeopleQuery { cursor, limit: MAX_PAGE, only: Some(only.clone()), ..Default::default() };
        let page = rungs_app::people::list(store, &s.viewer, q).await?;
        people.extend(page.items.into_iter().filter(|p| p.id != me && p.status == PersonStatus::Active && scope.reports().contains(&p.id)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let fw = store.framework(s.viewer.org_id).await?;
    let summaries = rungs_app::org_readiness::summaries(store, s.viewer.org_id, fw, &people, now).await?;
    let mut members: Vec<Member> = people
        .into_iter()
        .zip(summaries)
        .map(|(p, r)| Member {
            id: p.id.to_string(),
            title: p.position.title.clone(),
            level: p.position.level.to_uppercase(),
            direct: p.manager_id == Some(me),
            time_in_level: fmt::span(p.level_since, now),
            last_progression: p.last_progression_at.map_or_else(|| "none yet".into(), |t| fmt::ago(t, now)),
            last_progression_iso: p.last_progression_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            stalled: rungs_app::people::is_stalled(&p, now),
            readiness: r.next_level.is_some().then_some(r.score),
            next_title: r.next_title.unwrap_or_default(),
            top_gap_missing: r.top_gap.as_ref().map(|g| g.missing.clone()).unwrap_or_default(),
            top_gap: r.top_gap.map(|g| g.name),
            name: p.name,
        })
        .collect();
    // Direct reports first, then the rest; by name within each (the store's order).
    members.sort_by_key(|m| !m.direct);
    let stalled = members.iter().filter(|m| m.stalled).count();
    render(
        "team.html",
        minijinja::context! {
            layout => Layout::new(&s, "team", "My team"),
            members,
            stalled,
            stall_days => rungs_app::people::STALL_AFTER.num_days(),
        },
    )
}
