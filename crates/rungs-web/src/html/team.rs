//! My team, a page at a time and sortable: each of my reports (direct and indirect)
//! with level, time in level, last
//! progression, the stall marker (`rungs_app::people::is_stalled`), and readiness for
//! the next level with its top gap (`rungs_app::org_readiness`, the scores of
//! `/people/{id}/progress`).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use rungs_core::store::{TeamQuery, TeamSort};
use serde::{Deserialize, Serialize};

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

/// Rows per page: a screenful, and a bounded amount of readiness to compute.
pub const TEAM_PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct TeamParams {
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    dir: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

pub async fn show(State(state): State<AppState>, s: Session, Query(q): Query<TeamParams>) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let now = Utc::now();
    let me = s.person.id;
    let sort = q.sort.as_deref().and_then(TeamSort::parse).unwrap_or_default();
    let descending = q.dir.as_deref() == Some("desc");
    let page_no = q.page.unwrap_or(1).max(1);
    // My team is my reports, direct and indirect (as the access rules define them:
    // `Store::team` walks the same manager chain as `Store::is_report`), resolved
    // once, in the database, a page at a time. Only this page's readiness is computed.
    let query = TeamQuery {
        sort,
        descending,
        offset: (page_no - 1).saturating_mul(TEAM_PAGE),
        limit: TEAM_PAGE,
        stalled_before: now - rungs_app::people::STALL_AFTER,
        direct_only: false,
    };
    let team = rungs_app::people::team(store, &s.viewer, &query).await?;
    let people = team.items;
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let summaries = rungs_app::org_readiness::summaries(store, s.viewer.org_id, fw, &people, now).await?;
    let members: Vec<Member> = people
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
    let pages = team.total.div_ceil(u64::from(TEAM_PAGE)).max(1);
    let link = |sort: TeamSort, desc: bool, page: u64| {
        let mut l = format!("/team?sort={}", sort.as_str());
        if desc {
            l.push_str("&dir=desc");
        }
        if page > 1 {
            l.push_str(&format!("&page={page}"));
        }
        l
    };
    // Each sortable column's header links to its sort (asc, or the reverse of the
    // current one), and says which way the table is sorted now.
    let columns: Vec<_> =
        [(TeamSort::Name, "Name"), (TeamSort::Level, "Position"), (TeamSort::LevelSince, "Time in level"), (TeamSort::LastProgression, "Last progression")]
            .into_iter()
            .map(|(c, label)| {
                let current = c == sort;
                let aria = if !current {
                    "none"
                } else if descending {
                    "descending"
                } else {
                    "ascending"
                };
                minijinja::context! { label, href => link(c, current && !descending, 1), aria, current }
            })
            .collect();
    let page = u64::from(page_no);
    // The pictures, on the first page only: one grouped query over the team and the
    // direct reports' readiness (bounded: `rungs_app::shape`).
    let glance = if page_no == 1 && team.total > 0 { Some(glance(store, &s, now).await?) } else { None };
    render(
        "team.html",
        minijinja::context! {
            layout => Layout::new(&s, "team", "My team"),
            members,
            columns,
            total => team.total,
            direct => team.direct,
            stalled => team.stalled,
            page,
            pages,
            first => if team.total == 0 { 0 } else { (page - 1) * u64::from(TEAM_PAGE) + 1 },
            last => ((page - 1) * u64::from(TEAM_PAGE) + members_len(team.total, page)).min(team.total),
            prev => (page > 1).then(|| link(sort, descending, page - 1)),
            next => (page < pages).then(|| link(sort, descending, page + 1)),
            stall_days => rungs_app::people::STALL_AFTER.num_days(),
            glance,
        },
    )
}

/// How many rows page `page` holds in a team of `total`.
fn members_len(total: u64, page: u64) -> u64 {
    total.saturating_sub((page - 1) * u64::from(TEAM_PAGE)).min(u64::from(TEAM_PAGE))
}

/// The team at a glance: readiness of the direct reports, time in level and levels of
/// everyone, each as SVG bars with the same numbers as a table.
async fn glance(store: &dyn rungs_core::store::Store, s: &Session, now: chrono::DateTime<Utc>) -> Result<minijinja::Value, HtmlError> {
    use rungs_app::shape::{BANDS, BUCKETS};
    let shape = rungs_app::shape::team(store, &s.viewer, now).await?;
    let readiness = rungs_app::shape::direct_readiness(store, &s.viewer, now).await?;
    let table = |rows: &[(String, u64)]| rows.iter().map(|(l, n)| minijinja::context! { label => l, n }).collect::<Vec<_>>();
    let readiness = readiness.map(|(bands, of)| {
        let rows: Vec<(String, u64)> = BANDS.iter().zip(bands).map(|(b, n)| (format!("{b}%"), n)).collect();
        let desc = format!(
            "Readiness for the next level of {}: {}.",
            rungs_core::text::count(of, "direct report"),
            rows.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", ")
        );
        minijinja::context! {
            svg => super::shape_charts::bars("team-readiness", "Direct reports by readiness for their next level", &desc, &rows, &[true, false, false, false, false]),
            rows => table(&rows), of,
        }
    });
    let til: Vec<(String, u64)> = BUCKETS.iter().zip(shape.time_in_level).map(|(b, n)| ((*b).to_string(), n)).collect();
    let til_desc = format!(
        "Time in their current level of {}: {}.",
        rungs_core::text::count(shape.people, "person"),
        til.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", ")
    );
    let levels: Vec<(String, u64)> = shape.levels.iter().map(|(l, n)| (l.to_uppercase(), *n)).collect();
    let levels_desc = format!("People per level: {}.", levels.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", "));
    Ok(minijinja::context! {
        readiness,
        time_in_level => minijinja::context! {
            svg => super::shape_charts::bars("team-til", "Everyone by time in their current level", &til_desc, &til, &[false, false, false, true, true]),
            rows => table(&til),
        },
        levels => minijinja::context! {
            svg => super::shape_charts::bars("team-levels", "Everyone by level", &levels_desc, &levels, &[]),
            rows => table(&levels),
        },
        people => shape.people,
    })
}
