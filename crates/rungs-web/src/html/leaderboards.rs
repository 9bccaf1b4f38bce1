//! `/leaderboards`: the four boards of one period and team, each as SVG bars with
//! its numbers explained and links to the events counted; when the organization has
//! leaderboards off, a 404 page that says so (and offers the people team the
//! switch). Every decision is in `rungs_app::leaderboards`.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rungs_app::access::table::{self, Action};
use rungs_app::leaderboards::{BoardQuery, Leaderboard};
use rungs_core::leaderboards::{Board, PeriodKind, Team};
use serde::{Deserialize, Serialize};

use super::{HtmlError, Layout, flash, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

#[derive(Debug, Deserialize)]
pub struct Params {
    period: Option<String>,
    team: Option<String>,
}

/// One event link.
#[derive(Serialize)]
struct Link {
    href: String,
    n: usize,
}

#[derive(Serialize)]
struct Row {
    rank: u32,
    name: String,
    value: i64,
    previous: i64,
    extra: i64,
    why: String,
    links: Vec<Link>,
    /// Length of the bar, in percent of the leader's.
    pct: i64,
}

#[derive(Serialize)]
struct View {
    key: &'static str,
    title: String,
    counts: String,
    second: String,
    rows: Vec<Row>,
}

fn view(b: &Leaderboard) -> View {
    let max = b.entries.iter().map(|e| e.value).max().unwrap_or(1).max(1);
    let rows = b
        .entries
        .iter()
        .map(|e| {
            // Wins are on the person's timeline; recognition given is on its
            // receivers', so the breadth board links to the feed.
            let links = if b.board == Board::Breadth {
                vec![Link { href: "/recognition".into(), n: e.events.len() }]
            } else {
                e.events.iter().enumerate().map(|(i, id)| Link { href: format!("/people/{}/timeline#e-{id}", e.person), n: i + 1 }).collect()
            };
            let pct = ((e.value.max(0) * 100) / max).max(2);
            Row { rank: e.rank, name: e.name.clone(), value: e.value, previous: e.previous, extra: e.extra, why: e.why.clone(), links, pct }
        })
        .collect();
    View { key: b.board.as_str(), title: b.title.clone(), counts: b.counts.clone(), second: b.second.clone(), rows }
}

/// The page: every board for the period and team asked.
pub async fn show(State(state): State<AppState>, s: Session, headers: HeaderMap, Query(p): Query<Params>) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let may_switch = table::may(s.viewer.role, Action::SetLeaderboards);
    let settings = rungs_app::leaderboards::settings(store, &s.viewer).await?;
    let notice = flash::take(&headers);
    let layout = Layout::new(&s, "leaderboards", "Leaderboards");
    // The teams offered: everyone, the viewer's department, their own team (as a
    // member), and the team they manage.
    let mut teams = vec![(Team::All.to_string(), "Everyone".to_string())];
    if let Some(d) = &s.person.department {
        teams.push((Team::Department(d.clone()).to_string(), format!("My department ({d})")));
    }
    if let Some(m) = s.person.manager_id {
        teams.push((Team::Manager(m).to_string(), "My team".into()));
    }
    if s.viewer.role != rungs_core::person::Role::Employee {
        teams.push((Team::Manager(s.person.id).to_string(), "The team I manage".into()));
    }
    let period = p.period.as_deref().filter(|x| !x.is_empty());
    let team = p.team.as_deref().filter(|x| !x.is_empty());
    let mut boards = vec![];
    let mut window = None;
    let mut team_label = String::new();
    let mut computed_at = None;
    let mut status = StatusCode::OK;
    if settings.enabled {
        for board in Board::ALL {
            let q = BoardQuery::parse(Some(board.as_str()), period, team, None).map_err(|e| HtmlError::BadRequest(e.to_string()))?;
            match rungs_app::leaderboards::read(store, &s.viewer, &q, Utc::now()).await? {
                Some(b) => {
                    window = Some(fmt::span(b.window.start, b.window.end - chrono::Duration::seconds(1)));
                    team_label.clone_from(&b.team_label);
                    computed_at = b.computed_at.map(fmt::date);
                    boards.push(view(&b));
                }
                None => status = StatusCode::NOT_FOUND,
            }
        }
    } else {
        status = StatusCode::NOT_FOUND;
    }
    let periods: Vec<_> = PeriodKind::ALL.iter().map(|k| (k.as_str(), k.as_str() == period.unwrap_or("month"))).collect();
    let team_now = team.unwrap_or("all").to_string();
    let body = render_string(
        "leaderboards.html",
        minijinja::context! {
            layout, notice => &notice, enabled => settings.enabled && status == StatusCode::OK, may_switch,
            boards, window, team_label, computed_at, periods, teams, team_now,
        },
    )?;
    let mut res = (status, Html(body)).into_response();
    if notice.is_some() {
        flash::clear(&mut res, &headers);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    enabled: String,
}

/// The people team's switch.
pub async fn switch(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(f): Form<SwitchForm>) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let on = f.enabled == "true";
    rungs_app::leaderboards::set_enabled(state.store.as_ref(), &s.viewer, on, Utc::now()).await?;
    let msg = if on {
        "Leaderboards are on. The boards fill in within a minute, when the leaderboards job next runs."
    } else {
        "Leaderboards are off: nobody sees them until they are turned on again."
    };
    Ok(flash::see_other_with("/leaderboards", msg, &headers))
}
