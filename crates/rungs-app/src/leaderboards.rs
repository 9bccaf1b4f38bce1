//! Leaderboards as use cases (docs/LEADERBOARDS.md): the people team's switch, a
//! board read on behalf of a viewer (the access table decides who reads which board
//! and keeps leavers off them; every number comes with what it counts and the events
//! it counted), and the [`Runner`] the `leaderboards` job runs to keep the projection
//! up to date, off the request path.
//!
//! A request reads the top N of one board: one index range of the projection, the
//! same cost for 300 people or 100,000. The job folds the ledger incrementally (the
//! badge facts after its cursor), computes every score in memory and writes only the
//! rows that changed; an instance that did not make the latest write (another
//! instance did, or it just started) rewrites the projection whole.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use rungs_core::badges::TimeZone as Tz;
use rungs_core::leaderboards::{Board, LeaderboardWrite, Member, PeriodKind, Score, Settings, Tally, Team, Window, horizon};
use rungs_core::person::{PersonStatus, Role};
use rungs_core::store::{Store, StoreError};
use rungs_core::{EventId, OrgId, PersonId, ValidationError};

use crate::access::table::{self, Action, Reach};
use crate::access::{Relation, Scope, Subject};
use crate::{AppError, Viewer};

/// Rows a board shows when none is asked for, and the most one read returns.
pub const TOP: u32 = 10;
pub const MAX_TOP: u32 = 100;
/// Facts read per store call by the job.
const CHUNK: u32 = 100_000;

/// The switch, for anyone signed in (pages decide whether to offer the boards).
pub async fn settings(store: &dyn Store, viewer: &Viewer) -> Result<Settings, AppError> {
    Ok(store.leaderboard_settings(viewer.org_id).await?)
}

/// Turn leaderboards on or off (the people team).
pub async fn set_enabled(store: &dyn Store, viewer: &Viewer, enabled: bool, now: DateTime<Utc>) -> Result<Settings, AppError> {
    if !table::may(viewer.role, Action::SetLeaderboards) {
        return Err(AppError::Forbidden("only the people team turns leaderboards on or off".into()));
    }
    store.save_leaderboard_settings(viewer.org_id, enabled, now).await?;
    Ok(store.leaderboard_settings(viewer.org_id).await?)
}

/// Which board: parsed from the query, every error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardQuery {
    pub board: Board,
    pub period: PeriodKind,
    pub team: Team,
    pub limit: u32,
}

impl BoardQuery {
    /// Defaults: `most-improved`, `month`, `all`, [`TOP`].
    pub fn parse(board: Option<&str>, period: Option<&str>, team: Option<&str>, limit: Option<u32>) -> Result<BoardQuery, ValidationError> {
        let mut e = ValidationError::new();
        let board = e.collect(board.map_or(Ok(Board::MostImproved), |b| Board::parse("board", b)));
        let period = e.collect(period.map_or(Ok(PeriodKind::Month), |p| PeriodKind::parse("period", p)));
        let team = e.collect(team.map_or(Ok(Team::All), |t| Team::parse("team", t)));
        let limit = limit.unwrap_or(TOP);
        if limit == 0 || limit > MAX_TOP {
            e.push("limit", format!("must be between 1 and {MAX_TOP}"));
        }
        e.into_result()?;
        Ok(BoardQuery { board: board.unwrap_or(Board::MostImproved), period: period.unwrap_or(PeriodKind::Month), team: team.unwrap_or(Team::All), limit })
    }
}

/// One row of a board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entry {
    /// 1 for the first; people with the same two numbers share a rank.
    pub rank: u32,
    pub person: PersonId,
    pub name: String,
    /// The number ranked (the board's `counts`).
    pub value: i64,
    /// The same count the period before.
    pub previous: i64,
    /// The board's second number (see `second`).
    pub extra: i64,
    /// The numbers in one sentence.
    pub why: String,
    /// The newest events counted (at most 10), each on the person's timeline.
    pub events: Vec<EventId>,
}

/// A board, explained.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Leaderboard {
    pub board: Board,
    pub title: String,
    /// What `value` counts.
    pub counts: String,
    /// What `extra` counts.
    pub second: String,
    pub period: PeriodKind,
    /// The current period, in the organization's time zone.
    pub window: Window,
    /// `all`, `department:<name>` or `manager:<id>`.
    pub team: String,
    /// The team in words.
    pub team_label: String,
    /// When the `leaderboards` job last computed the boards (they lag the ledger by
    /// at most its interval).
    pub computed_at: Option<DateTime<Utc>>,
    pub entries: Vec<Entry>,
}

fn second(board: Board) -> &'static str {
    match board {
        Board::MostImproved => "validated wins this period",
        Board::Streaks => "weeks with a win this period",
        Board::Breadth => "people recognized outside the giver's team",
        Board::Wins => "wins logged this period, validated or not",
    }
}

fn why(s: &Score) -> String {
    let p = s.period.as_str();
    match s.board {
        Board::MostImproved => format!("{} validated wins this {p} against {} the {p} before: {:+}", s.extra, s.previous, s.value),
        Board::Streaks => {
            format!("{} consecutive weeks with a win (wins in {} weeks of this {p}; longest run the {p} before: {})", s.value, s.extra, s.previous)
        }
        Board::Breadth => {
            format!("recognized {} different people this {p}, {} of them outside their team ({} people the {p} before)", s.value, s.extra, s.previous)
        }
        Board::Wins => format!("{} validated wins this {p} ({} wins logged in all; {} validated the {p} before)", s.value, s.extra, s.previous),
    }
}

/// The viewer's relation to a manager's team: `Myself` for the manager and their
/// direct reports, `Manager` for the managers above, `Other` for anyone else.
async fn team_relation(store: &dyn Store, viewer: &Viewer, manager: PersonId) -> Result<Relation, AppError> {
    let Some(me) = viewer.person_id else { return Ok(Relation::Other) };
    if me == manager {
        return Ok(Relation::Myself);
    }
    match store.person(viewer.org_id, me).await {
        Ok(p) if p.manager_id == Some(manager) => return Ok(Relation::Myself),
        Ok(_) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let scope = Scope::for_subjects(store, viewer.clone(), &[manager]).await?;
    Ok(scope.relation(manager))
}

/// May the viewer read this team's boards? A manager who does not exist, or a team
/// the viewer may not read, is a 404.
async fn may_read(store: &dyn Store, viewer: &Viewer, team: &Team) -> Result<(), AppError> {
    let ok = match team {
        Team::All => table::allowed(viewer.role, Relation::Other, Action::ReadLeaderboard(Reach::Organization), Subject::ACTIVE),
        Team::Department(_) => table::allowed(viewer.role, Relation::Other, Action::ReadLeaderboard(Reach::Department), Subject::ACTIVE),
        Team::Manager(m) => {
            let person = store.person(viewer.org_id, *m).await?;
            let rel = team_relation(store, viewer, *m).await?;
            let left = person.status == PersonStatus::Departed;
            table::allowed(viewer.role, rel, Action::ReadLeaderboard(Reach::Team), Subject { left, own_target: false })
        }
    };
    if ok { Ok(()) } else { Err(AppError::NotFound) }
}

/// The team in words (a manager's team by the manager's name).
async fn team_label(store: &dyn Store, org: OrgId, team: &Team) -> Result<String, AppError> {
    Ok(match team {
        Team::All => "everyone".into(),
        Team::Department(d) => format!("the {d} department"),
        Team::Manager(m) => format!("{}'s team", store.person(org, *m).await?.name),
    })
}

/// A board: `None` when the organization has leaderboards off.
pub async fn read(store: &dyn Store, viewer: &Viewer, q: &BoardQuery, now: DateTime<Utc>) -> Result<Option<Leaderboard>, AppError> {
    let settings = store.leaderboard_settings(viewer.org_id).await?;
    if !settings.enabled {
        return Ok(None);
    }
    may_read(store, viewer, &q.team).await?;
    let rows = store.leaderboard_top(viewer.org_id, q.board, q.period, &q.team, q.limit).await?;
    let ranked = |left: bool| table::allowed(viewer.role, Relation::Other, Action::RankOnLeaderboard, Subject { left, own_target: false });
    let mut entries: Vec<Entry> = vec![];
    for r in rows.into_iter().filter(|r| ranked(r.left)) {
        let s = &r.score;
        let rank = match entries.last() {
            Some(prev) if prev.value == s.value && prev.extra == s.extra => prev.rank,
            _ => entries.len() as u32 + 1,
        };
        entries.push(Entry {
            rank,
            person: s.person,
            name: r.name.clone(),
            value: s.value,
            previous: s.previous,
            extra: s.extra,
            why: why(s),
            events: s.events.clone(),
        });
    }
    let tz = time_zone(store, viewer.org_id).await?;
    let (window, _) = q.period.window(now, tz);
    Ok(Some(Leaderboard {
        board: q.board,
        title: q.board.title().into(),
        counts: q.board.counts().into(),
        second: second(q.board).into(),
        period: q.period,
        window,
        team: q.team.to_string(),
        team_label: team_label(store, viewer.org_id, &q.team).await?,
        computed_at: settings.computed_at,
        entries,
    }))
}

/// The organization's time zone (its recognition policy's, like badge streaks).
async fn time_zone(store: &dyn Store, org: OrgId) -> Result<Tz, AppError> {
    Ok(crate::recognition::policy(store, org).await?.time_zone.parse().unwrap_or(Tz::UTC))
}

/// What one job run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// `off` (leaderboards are off: nothing computed), `cold` (the projection
    /// rewritten whole) or `incremental` (only the rows that changed written).
    pub mode: String,
    /// Ledger events read.
    pub facts: u64,
    /// Scores above zero, over every board and period.
    pub scores: u64,
    /// Rows written and removed.
    pub written: u64,
    pub removed: u64,
}

struct OrgState {
    tally: Tally,
    tz: Tz,
    /// What this instance last wrote, and the generation that write got.
    written: HashMap<(Board, PeriodKind, PersonId), Score>,
    generation: i64,
}

/// The state one server instance keeps for the `leaderboards` job: per organization,
/// the folded ledger and what it last wrote.
#[derive(Default, Clone)]
pub struct Runner {
    orgs: Arc<tokio::sync::Mutex<HashMap<OrgId, OrgState>>>,
}

impl Runner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fold what was appended since the last run, compute every board as of `now`,
    /// and write what changed.
    pub async fn run(&self, store: &dyn Store, org: OrgId, now: DateTime<Utc>) -> Result<RunReport, AppError> {
        let mut orgs = self.orgs.lock().await;
        let settings = store.leaderboard_settings(org).await?;
        if !settings.enabled {
            orgs.remove(&org);
            return Ok(RunReport { mode: "off".into(), ..RunReport::default() });
        }
        let tz = time_zone(store, org).await?;
        if orgs.get(&org).is_none_or(|s| s.tz != tz) {
            orgs.insert(org, OrgState { tally: Tally::new(), tz, written: HashMap::new(), generation: -1 });
        }
        let state = orgs.get_mut(&org).ok_or_else(|| AppError::internal("leaderboard state vanished"))?;
        let mut report = RunReport::default();
        loop {
            let chunk = store.badge_facts(org, state.tally.cursor, CHUNK).await?;
            if chunk.is_empty() {
                break;
            }
            report.facts += chunk.len() as u64;
            state.tally.apply(&chunk);
        }
        state.tally.prune(horizon(now, tz));
        let members: HashMap<PersonId, Member> = store
            .all_people(org)
            .await?
            .into_iter()
            .map(|p| {
                let left = p.status == PersonStatus::Departed;
                // The job ranks for everyone: the row is the same for every role.
                let ranked = table::allowed(Role::Admin, Relation::Other, Action::RankOnLeaderboard, Subject { left, own_target: false });
                (p.id, Member { department: p.department, manager: p.manager_id, ranked })
            })
            .collect();
        let scores = state.tally.scores(&members, now, tz);
        report.scores = scores.len() as u64;
        let fresh: HashMap<_, Score> = scores.into_iter().map(|s| (s.key(), s)).collect();
        let cold = state.generation != settings.generation;
        let write = if cold {
            LeaderboardWrite { replace_all: true, upserts: fresh.values().cloned().collect(), removed: vec![], computed_at: now }
        } else {
            LeaderboardWrite {
                replace_all: false,
                upserts: fresh.iter().filter(|(k, s)| state.written.get(*k) != Some(*s)).map(|(_, s)| s.clone()).collect(),
                removed: state.written.keys().filter(|k| !fresh.contains_key(*k)).copied().collect(),
                computed_at: now,
            }
        };
        report.mode = if cold { "cold" } else { "incremental" }.into();
        report.written = write.upserts.len() as u64;
        report.removed = write.removed.len() as u64;
        state.generation = store.write_leaderboard(org, &write).await?;
        state.written = fresh;
        Ok(report)
    }
}
