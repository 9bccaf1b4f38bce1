//! Recognition with points (docs/RECOGNITION.md): the organization's [`Policy`]
//! (allowance per role, the monthly calendar in its time zone, the cap per giver →
//! receiver, the company values), the [`Allowance`] the server stamps on each
//! recognition event, what a gift looks like as input ([`GiftInput`]), the read
//! models (feed rows, balances, flows) and collusion detection ([`collusion`]).
//!
//! The allowance itself is enforced by the append plan (`ledger::plan`): each
//! recognition carries the allowance in force when it was given, the plan's snapshot
//! holds what the giver already spent in that period ([`SpendKey`]), and the plan
//! refuses what would overspend, inside the write transaction, so two concurrent
//! gifts cannot both spend the last points.

pub mod collusion;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::event::Event;
use crate::person::Role;
use crate::text::{parse_key, parse_text};
use crate::{PersonId, ValidationError};

/// Most people one recognition may go to.
pub const MAX_RECEIVERS: usize = 20;
/// Most company-value tags one recognition may carry.
pub const MAX_TAGS: usize = 10;
/// Most points one recognition may give each receiver (the event's own limit).
pub const MAX_POINTS: u32 = 1000;

/// The allowance a recognition draws from, stamped on the event by the server (never
/// taken from a client): the period it falls in, how many points the giver had for
/// that period, and the cap per receiver. Kept on the ledger, so every refusal and
/// every balance can be explained by what was in force then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// Points the giver may give in the period, in all.
    pub points: u32,
    /// Points the giver may give one receiver in the period.
    pub pair_cap: u32,
}

/// What a giver spent in one allowance period, to one receiver or to everyone: the
/// sum of `points` of the recognition events in force (not reversed) whose actor is
/// `giver` (and subject `receiver`) with `period_start <= occurred_at < period_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpendKey {
    pub giver: PersonId,
    pub receiver: Option<PersonId>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
}

impl SpendKey {
    /// The two keys one recognition of `allowance` from `giver` to `receiver` spends.
    pub fn of(giver: PersonId, receiver: PersonId, a: &Allowance) -> [SpendKey; 2] {
        let k = SpendKey { giver, receiver: None, period_start: a.period_start, period_end: a.period_end };
        [k, SpendKey { receiver: Some(receiver), ..k }]
    }
}

/// Monthly points per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleAllowances {
    #[schema(maximum = 100000)]
    pub employee: u32,
    #[schema(maximum = 100000)]
    pub manager: u32,
    #[schema(maximum = 100000)]
    pub admin: u32,
}

/// The organization's recognition rules, set by the people team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// IANA time zone the calendar runs in, e.g. `Europe/Berlin`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Day of the month (1-28) the allowance resets, at midnight in `time_zone`.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 28)]
    pub reset_day: u32,
    /// Points each role may give per period.
    #[serde(default = "default_allowances")]
    pub allowance: RoleAllowances,
    /// Most points one giver may give one receiver per period.
    #[serde(default = "default_pair_cap")]
    #[schema(minimum = 1, maximum = 100000)]
    pub pair_cap: u32,
    /// The company values recognition may be tagged with (keys). Empty: any tag.
    #[serde(default = "default_values")]
    #[schema(max_items = 50)]
    pub values: Vec<String>,
}

fn utc() -> String {
    "UTC".into()
}
fn one() -> u32 {
    1
}
fn default_allowances() -> RoleAllowances {
    RoleAllowances { employee: 100, manager: 200, admin: 200 }
}
fn default_pair_cap() -> u32 {
    50
}
fn default_values() -> Vec<String> {
    ["teamwork", "ownership", "customer-focus", "craft", "courage", "learning"].map(String::from).to_vec()
}

impl Default for Policy {
    fn default() -> Self {
        Policy { time_zone: utc(), reset_day: 1, allowance: default_allowances(), pair_cap: default_pair_cap(), values: default_values() }
    }
}

/// One allowance period: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Policy {
    /// Check every field; errors name them (`time_zone`, `reset_day`, `values[2]`).
    pub fn validate(self) -> Result<Policy, ValidationError> {
        let mut e = ValidationError::new();
        if self.time_zone.parse::<Tz>().is_err() {
            e.push("time_zone", "must be an IANA time zone such as Europe/Berlin or UTC");
        }
        if !(1..=28).contains(&self.reset_day) {
            e.push("reset_day", "must be between 1 and 28 (every month has it)");
        }
        let a = self.allowance;
        for (field, v) in [("allowance.employee", a.employee), ("allowance.manager", a.manager), ("allowance.admin", a.admin)] {
            if v > 100_000 {
                e.push(field, "must be at most 100000");
            }
        }
        if self.pair_cap == 0 || self.pair_cap > 100_000 {
            e.push("pair_cap", "must be between 1 and 100000");
        }
        if self.values.len() > 50 {
            e.push("values", "must list at most 50 values");
        }
        let mut values = Vec::with_capacity(self.values.len());
        for (i, v) in self.values.iter().enumerate() {
            if let Some(k) = e.collect(parse_key(&format!("values[{i}]"), v)) {
                if values.contains(&k) {
                    e.push(format!("values[{i}]"), "is listed twice");
                }
                values.push(k);
            }
        }
        e.into_result()?;
        Ok(Policy { values, ..self })
    }

    fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// Points `role` may give per period.
    pub fn allowance_for(&self, role: Role) -> u32 {
        match role {
            Role::Employee => self.allowance.employee,
            Role::Manager => self.allowance.manager,
            Role::Admin => self.allowance.admin,
        }
    }

    /// The period `t` falls in: from the last reset day at local midnight to the next.
    pub fn period_at(&self, t: DateTime<Utc>) -> Period {
        let tz = self.tz();
        let local = t.with_timezone(&tz);
        let (mut y, mut m) = (local.year(), local.month());
        let mut start = self.reset(tz, y, m);
        if t < start {
            (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
            start = self.reset(tz, y, m);
        }
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Period { start, end: self.reset(tz, ny, nm) }
    }

    /// Midnight of the reset day of month `m` of year `y`, local time, in UTC. A
    /// midnight a DST change skips starts the period at the first instant after it.
    fn reset(&self, tz: Tz, y: i32, m: u32) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(y, m, self.reset_day.clamp(1, 28)).unwrap_or_default();
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        match tz.from_local_datetime(&midnight) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => {
                let later = midnight + chrono::Duration::hours(1);
                tz.from_local_datetime(&later).earliest().map_or_else(|| Utc.from_utc_datetime(&midnight), |t| t.with_timezone(&Utc))
            }
        }
    }

    /// The allowance of a giver of `role` for a recognition at `t`.
    pub fn allowance_at(&self, role: Role, t: DateTime<Utc>) -> Allowance {
        let p = self.period_at(t);
        Allowance { period_start: p.start, period_end: p.end, points: self.allowance_for(role), pair_cap: self.pair_cap }
    }
}

/// A recognition as a client gives it: to one or more people, the same points to each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftInput {
    /// Who is recognized (1-20 people, not the giver).
    #[schema(min_items = 1, max_items = 20)]
    pub to: Vec<PersonId>,
    /// What they did (up to 2,000 characters; no control characters but newline and tab).
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$"
    )]
    pub message: String,
    /// Points to each receiver, from the giver's allowance.
    #[serde(default)]
    #[schema(maximum = 1000)]
    pub points: u32,
    /// Company values (keys from the policy's `values`).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub tags: Vec<String>,
    /// Competency keys the recognized work evidences.
    #[serde(default)]
    pub competencies: Vec<String>,
    /// Private recognition is seen by the giver, the receivers, their managers and
    /// the people team only.
    #[serde(default = "yes")]
    pub public: bool,
}

fn yes() -> bool {
    true
}

impl GiftInput {
    /// Check the shape (every error at once); the policy's values, the framework's
    /// competencies, access and the allowance are checked by the caller and the ledger.
    pub fn parse(self, policy: &Policy) -> Result<GiftInput, ValidationError> {
        let mut e = ValidationError::new();
        if self.to.is_empty() {
            e.push("to", "must name at least one person");
        }
        if self.to.len() > MAX_RECEIVERS {
            e.push("to", format!("must name at most {MAX_RECEIVERS} people"));
        }
        for (i, p) in self.to.iter().enumerate() {
            if self.to[..i].contains(p) {
                e.push(format!("to[{i}]"), "is named twice");
            }
        }
        let message = e.collect(parse_text("message", &self.message, 2000));
        if self.points > MAX_POINTS {
            e.push("points", format!("must be at most {MAX_POINTS}"));
        }
        let tags = parse_tags("tags", &self.tags, policy, &mut e);
        if self.competencies.len() > crate::event::MAX_COMPETENCIES {
            e.push("competencies", format!("must list at most {} competencies", crate::event::MAX_COMPETENCIES));
        }
        let competencies: Vec<String> =
            self.competencies.iter().enumerate().filter_map(|(i, c)| e.collect(parse_key(&format!("competencies[{i}]"), c))).collect();
        e.into_result()?;
        Ok(GiftInput { message: message.unwrap_or_default(), tags, competencies, ..self })
    }
}

/// Tags as keys, at most [`MAX_TAGS`], each one of the policy's values when it lists any.
pub fn parse_tags(field: &str, raw: &[String], policy: &Policy, e: &mut ValidationError) -> Vec<String> {
    if raw.len() > MAX_TAGS {
        e.push(field, format!("must list at most {MAX_TAGS} values"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let Some(k) = e.collect(parse_key(&f, t)) else { continue };
        if !policy.values.is_empty() && !policy.values.contains(&k) {
            e.push(&f, format!("'{k}' is not one of the company values: {}", policy.values.join(", ")));
        } else if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// One recognition in the feed, with the names to show.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FeedItem {
    pub event: Event,
    /// The giver's name (`None` for a system import).
    pub giver_name: Option<String>,
    pub receiver_name: String,
}

/// Where a feed page starts and how it is filtered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedQuery {
    /// Only events with a smaller seq (the cursor of the previous page).
    pub before_seq: Option<i64>,
    /// Only recognition given or received by this person.
    pub person: Option<PersonId>,
    pub limit: u32,
}

/// Points received by a person: in all, and in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Received {
    pub points: u64,
    pub count: u64,
}

/// What one giver gave one receiver in a window (the collusion detector's input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Flow {
    pub giver: PersonId,
    pub receiver: PersonId,
    pub points: u64,
    pub count: u64,
}

/// The recognition read models every backend provides.
#[async_trait::async_trait]
pub trait RecognitionStore: Send + Sync {
    /// The organization's policy; `None` when the people team never set one.
    async fn recognition_policy(&self, org: crate::OrgId) -> crate::store::StoreResult<Option<Policy>>;
    async fn save_recognition_policy(&self, org: crate::OrgId, policy: &Policy) -> crate::store::StoreResult<()>;
    /// What [`SpendKey`] describes, as the append plan's snapshot would load it.
    async fn recognition_spent(&self, org: crate::OrgId, key: &SpendKey) -> crate::store::StoreResult<u64>;
    /// Points received by `person` in force, from `since` on (all time if `None`).
    async fn recognition_received(&self, org: crate::OrgId, person: PersonId, since: Option<DateTime<Utc>>) -> crate::store::StoreResult<Received>;
    /// Recognition in force, newest first (seq descending), at most `limit`; public
    /// and private alike (the caller decides what the viewer sees).
    async fn recognition_feed(&self, org: crate::OrgId, q: &FeedQuery) -> crate::store::StoreResult<Vec<FeedItem>>;
    /// Points in force per giver → receiver among recognition with
    /// `from <= occurred_at < to` and points.
    async fn recognition_flows(&self, org: crate::OrgId, from: DateTime<Utc>, to: DateTime<Utc>) -> crate::store::StoreResult<Vec<Flow>>;
}

#[cfg(test)]
mod tests;
