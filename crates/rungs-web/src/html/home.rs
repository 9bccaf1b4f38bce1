//! Home: where I stand (position, time in level, next rung), my last progressions and
//! the recognition I received.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use rungs_core::event::EventKind;
use serde::{Deserialize, Serialize};

use super::timeline::{Row, rows};
use super::{HtmlError, Layout, flash, fmt, render};
use crate::AppState;
use crate::extract::Session;

#[derive(Serialize)]
struct Position {
    title: String,
    track: String,
    level: String,
    level_number: String,
    next_level: Option<String>,
    time_in_level: String,
    since: String,
    department: Option<String>,
    scope: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeParams {
    /// Set by the redirect after validating from the inbox.
    #[serde(default)]
    validated: Option<String>,
}

pub async fn show(State(state): State<AppState>, s: Session, headers: HeaderMap, Query(q): Query<HomeParams>) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let me = s.person.id;
    let now = Utc::now();
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let rungs_app::people::TimelineView { person: p, entries: timeline, names, .. } = rungs_app::people::timeline_view(store, &s.viewer, me).await?;
    let track = fw.track(&p.position.track);
    let rank = fw.level_rank(&p.position.track, &p.position.level);
    let position = Position {
        title: p.position.title.clone(),
        track: track.map_or_else(|| p.position.track.clone(), |t| t.name.clone()),
        level: p.position.level.to_uppercase(),
        level_number: match (rank, track) {
            (Some(r), Some(t)) => format!("level {} of {}", r + 1, t.levels.len()),
            _ => String::new(),
        },
        next_level: rank.and_then(|r| track?.levels.get(r + 1)).map(|l| l.title.clone()),
        time_in_level: fmt::span(p.level_since, now),
        since: fmt::date(p.level_since),
        department: p.department.clone(),
        scope: p.scope.clone(),
    };
    let manager = rungs_app::people::manager_name(store, &s.viewer, &p).await?;
    let all: Vec<Row> = rows(&timeline, &names, &s, &fw, now, false);
    let progressions: Vec<&Row> = all.iter().filter(|r| r.progression && !r.reversed).take(5).collect();
    let recognition: Vec<&Row> = all.iter().filter(|r| r.kind == EventKind::Recognition.as_str() && !r.reversed).take(5).collect();
    let last_progression = p.last_progression_at.map(|t| fmt::ago(t, now));
    let balance = super::recognition::my_balance(&state, &s).await?;
    let readiness = rungs_core::readiness::readiness(&fw, &p.position, &timeline.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), now).score;
    let inbox = rungs_app::inbox::get(store, &s.viewer, now).await?;
    let inbox_ctx = (!inbox.is_empty()).then(|| {
        minijinja::context! {
            awaiting => inbox.awaiting.iter().map(|w| minijinja::context! {
                id => w.id.to_string(), subject => w.subject.to_string(), name => w.subject_name, title => w.title,
                date => fmt::date(w.occurred_at), iso => w.occurred_at.format("%Y-%m-%d").to_string(),
            }).collect::<Vec<_>>(),
            awaiting_total => inbox.awaiting_total,
            awaiting_days => rungs_app::inbox::AWAITING_WITHIN.num_days(),
            stalled => inbox.stalled.iter().map(|p| minijinja::context! {
                id => p.id.to_string(), name => p.name,
                last => p.last_progression_at.map_or_else(|| "no progression yet".to_string(), |t| format!("last progressed {}", fmt::ago(t, now))),
            }).collect::<Vec<_>>(),
            stalled_total => inbox.stalled_total,
            direct_total => inbox.direct_total,
            applications => inbox.applications.iter().map(|a| minijinja::context! { id => a.id.to_string(), title => a.title, pending => a.pending }).collect::<Vec<_>>(),
        }
    });
    // A manager's picture: how ready their direct reports are (bounded by them).
    let team_readiness = if inbox.direct_total > 0 {
        rungs_app::shape::direct_readiness(store, &s.viewer, now).await?.filter(|(_, of)| *of > 0).map(|(bands, of)| {
            let rows: Vec<(String, u64)> = rungs_app::shape::BANDS.iter().zip(bands).map(|(b, n)| (format!("{b}%"), n)).collect();
            let desc = format!("Readiness for the next level of {}: {}.", rungs_core::text::count(of, "direct report"), rows.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", "));
            minijinja::context! {
                svg => super::shape_charts::bars("home-readiness", "Your direct reports by readiness for their next level", &desc, &rows, &[true, false, false, false, false]),
                rows => rows.iter().map(|(l, n)| minijinja::context! { label => l, n }).collect::<Vec<_>>(),
                of,
            }
        })
    } else {
        None
    };
    let overview = super::overview::context(store, &s, now).await?;
    let notice = flash::take(&headers);
    let flash = match q.validated.as_deref() {
        Some("again") => Some("You had already validated this win: it counts once.".to_string()),
        Some(_) => Some("Win validated: it counts toward their readiness now.".to_string()),
        None => notice.clone(),
    };
    let suggested =
        super::suggestions::context(&rungs_app::evidence::suggestions(store, &s.viewer, Some(rungs_core::evidence::SuggestionState::Pending)).await?);
    let mut res = render(
        "home.html",
        minijinja::context! {
            inbox => inbox_ctx,
            team_readiness,
            overview,
            flash,
            suggested,
            layout => Layout::new(&s, "home", "Home"),
            first_name => p.name.split_whitespace().next().unwrap_or(&p.name),
            position,
            manager,
            last_progression,
            readiness,
            counts => minijinja::context! {
                wins => p.micro_progressions,
                micro_promotions => p.micro_promotions,
                promotions => p.promotions,
                recognitions => p.recognitions_received,
            },
            progressions,
            recognition,
            balance,
        },
    )?;
    if notice.is_some() {
        flash::clear(&mut res, &headers);
    }
    Ok(res)
}
