//! Leaderboards (docs/LEADERBOARDS.md): off unless the organization turns them on;
//! boards by team (the organization, a department, a manager's team) and period
//! (this month, quarter, year, in the organization's time zone) that rank growth and
//! generosity, not only totals: [`Board::MostImproved`], [`Board::Streaks`],
//! [`Board::Breadth`] and [`Board::Wins`].
//!
//! Every number is computed off the request path by the `leaderboards` job into a
//! projection ([`Score`] rows, one per board, period and person who scores), which a
//! request reads as one index range of its top N: a board costs the same in an
//! organization of 300 or 100,000 people. [`Tally`] is the pure part: the ledger
//! folded (reversals and validations applied) and the scores computed from it.

mod tally;

use std::fmt;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use tally::{Member, Tally, horizon};

use crate::store::StoreResult;
use crate::{EventId, OrgId, PersonId, ValidationError};

/// Most event ids a score lists as the events it counted (the newest).
pub const MAX_EVENTS: usize = 10;

/// What a board ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = LeaderboardBoard)]
pub enum Board {
    /// Validated wins gained in the period beyond the previous period's.
    MostImproved,
    /// The longest run of consecutive weeks with a win in the period.
    Streaks,
    /// Distinct people given recognition in the period (and how many outside the
    /// giver's team).
    Breadth,
    /// Validated wins in the period (the total).
    Wins,
}

impl Board {
    pub const ALL: [Board; 4] = [Board::MostImproved, Board::Streaks, Board::Breadth, Board::Wins];

    pub fn as_str(&self) -> &'static str {
        match self {
            Board::MostImproved => "most-improved",
            Board::Streaks => "streaks",
            Board::Breadth => "breadth",
            Board::Wins => "wins",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Board::MostImproved => "Most improved",
            Board::Streaks => "Streaks",
            Board::Breadth => "Breadth of recognition given",
            Board::Wins => "Validated wins",
        }
    }

    /// What the number counts, in words.
    pub fn counts(&self) -> &'static str {
        match self {
            Board::MostImproved => {
                "validated wins (micro-progressions with a validation in force, not reversed) that occurred in the period, minus those of the period before it; only gains are ranked"
            }
            Board::Streaks => {
                "the longest run of consecutive calendar weeks (Monday to Sunday, in the organization's time zone) within the period with at least one win in force"
            }
            Board::Breadth => {
                "distinct people the person gave recognition to in the period (not reversed); the second number is how many of them are outside the giver's team (not sharing a manager, neither managing the other)"
            }
            Board::Wins => "validated wins (micro-progressions with a validation in force, not reversed) that occurred in the period",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Board, ValidationError> {
        Board::ALL.into_iter().find(|b| b.as_str() == s).ok_or_else(|| ValidationError::single(field, "must be one of: most-improved, streaks, breadth, wins"))
    }
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The calendar period a board covers: the current one, in the organization's time
/// zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year];

    pub fn as_str(&self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<PeriodKind, ValidationError> {
        PeriodKind::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| ValidationError::single(field, "must be one of: month, quarter, year"))
    }

    fn months(&self) -> u32 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        }
    }

    /// The period of this kind that `t` falls in, in `tz`, and the one before it.
    pub fn window(&self, t: DateTime<Utc>, tz: Tz) -> (Window, Window) {
        let local = t.with_timezone(&tz);
        let n = self.months();
        let first = (local.month0() / n) * n; // 0-based month the period starts in
        let (y, m) = (local.year(), first + 1);
        let start = local_midnight(tz, y, m);
        let (ny, nm) = add_months(y, m, n as i32);
        let (py, pm) = add_months(y, m, -(n as i32));
        let end = local_midnight(tz, ny, nm);
        let prev = local_midnight(tz, py, pm);
        (Window { start, end }, Window { start: prev, end: start })
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn add_months(y: i32, m: u32, delta: i32) -> (i32, u32) {
    let idx = y * 12 + (m as i32 - 1) + delta;
    (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1)
}

/// Midnight of the first of month `m`, local time, in UTC (a midnight a DST change
/// skips: the first instant after it).
fn local_midnight(tz: Tz, y: i32, m: u32) -> DateTime<Utc> {
    let midnight = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&midnight), |t| t.with_timezone(&Utc)),
    }
}

/// `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// Whose board: everyone, one department, or one manager's direct reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Team {
    All,
    Department(String),
    /// The people whose manager is this person.
    Manager(PersonId),
}

impl Team {
    /// `all`, `department:<name>` or `manager:<person id>`.
    pub fn parse(field: &str, s: &str) -> Result<Team, ValidationError> {
        let s = s.trim();
        if s.is_empty() || s == "all" {
            return Ok(Team::All);
        }
        if let Some(d) = s.strip_prefix("department:") {
            let d = d.trim();
            if d.is_empty() || d.chars().count() > 200 || d.chars().any(char::is_control) {
                return Err(ValidationError::single(field, "department:<name> needs a department name (up to 200 characters)"));
            }
            return Ok(Team::Department(d.to_string()));
        }
        if let Some(m) = s.strip_prefix("manager:") {
            return m
                .trim()
                .parse::<uuid::Uuid>()
                .map(|u| Team::Manager(PersonId(u)))
                .map_err(|_| ValidationError::single(field, "manager:<id> needs a person id (a UUID)"));
        }
        Err(ValidationError::single(field, "must be all, department:<name> or manager:<person id>"))
    }
}

impl fmt::Display for Team {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Team::All => f.write_str("all"),
            Team::Department(d) => write!(f, "department:{d}"),
            Team::Manager(m) => write!(f, "manager:{m}"),
        }
    }
}

/// One person's number on one board for the current period: a row of the
/// projection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Score {
    pub board: Board,
    pub period: PeriodKind,
    pub person: PersonId,
    /// The number ranked (see [`Board::counts`]).
    pub value: i64,
    /// The same count in the period before (most improved: the validated wins it is
    /// compared to).
    pub previous: i64,
    /// A second number: most improved, the validated wins this period; breadth, the
    /// receivers outside the giver's team; streaks, the weeks with a win in the
    /// period; wins, every win logged in the period, validated or not.
    pub extra: i64,
    /// The person's department and manager when it was computed (the team filters).
    pub department: Option<String>,
    pub manager: Option<PersonId>,
    pub window: Window,
    /// The newest events counted (at most [`MAX_EVENTS`]).
    pub events: Vec<EventId>,
}

impl Score {
    pub fn key(&self) -> (Board, PeriodKind, PersonId) {
        (self.board, self.period, self.person)
    }
}

/// A row of a board as read: the score, the person's name and whether they left
/// since it was computed (the access table keeps leavers off the boards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub score: Score,
    pub name: String,
    pub left: bool,
}

/// The organization's switch, and when the job last wrote the boards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    pub enabled: bool,
    pub updated_at: Option<DateTime<Utc>>,
    /// When the `leaderboards` job last computed the boards.
    pub computed_at: Option<DateTime<Utc>>,
    /// Grows on every write of the projection: an instance whose last write is not
    /// the latest rewrites it whole instead of sending a difference.
    #[serde(skip)]
    pub generation: i64,
}

/// One write of the projection, in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaderboardWrite {
    /// Delete every row of the organization first (a cold write).
    pub replace_all: bool,
    pub upserts: Vec<Score>,
    pub removed: Vec<(Board, PeriodKind, PersonId)>,
    pub computed_at: DateTime<Utc>,
}

/// The leaderboard projection every backend provides.
#[async_trait::async_trait]
pub trait LeaderboardStore: Send + Sync {
    /// The switch (off, never computed, when the people team never set it).
    async fn leaderboard_settings(&self, org: OrgId) -> StoreResult<Settings>;
    async fn save_leaderboard_settings(&self, org: OrgId, enabled: bool, at: DateTime<Utc>) -> StoreResult<()>;
    /// Apply a write; returns the new generation.
    async fn write_leaderboard(&self, org: OrgId, write: &LeaderboardWrite) -> StoreResult<i64>;
    /// The top `limit` rows of a board (value, then the second number, descending),
    /// one index range whatever the organization's size.
    async fn leaderboard_top(&self, org: OrgId, board: Board, period: PeriodKind, team: &Team, limit: u32) -> StoreResult<Vec<Standing>>;
}

#[cfg(test)]
mod tests;
