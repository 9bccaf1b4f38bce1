//! Badges: definitions written by the people team in a small declarative rule language
//! (docs/BADGES.md), evaluated over the ledger. A badge has up to three tiers (bronze,
//! silver, gold), each with its own rule; a rule is a tree of leaves (counts, streaks,
//! points received, distinct givers, firsts, milestones) under `all` / `any` / `n_of`.
//!
//! Every leaf is monotone in the events: adding an event can only make a rule true,
//! and a window that closes can only make it false. So an award is decided when an
//! event arrives, as of the instant it was recorded (`eval`), never by a sweep that
//! could run late; a closing window never awards anything, and an award, once made,
//! stays (it is a ledger event, once per person, badge and tier by its event key).
//!
//! `parse` reads a definition (JSON, or YAML read into JSON) and names every error by
//! its position in the rule (`tiers.gold.all[1].count.at_least`); `eval` holds the
//! facts, the evaluation and its evidence; `engine` the incremental state with its
//! index from event shape to rules; `svg` the generated image; `starter` the badges
//! shipped with Rungs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::event::{Category, Magnitude};
use crate::{PersonId, ValidationError};

mod engine;
mod eval;
mod parse;
pub mod starter;
mod svg;

/// The organization's time zone, in which streak weeks are calendar weeks.
pub use chrono_tz::Tz as TimeZone;
pub use engine::{Due, Engine, RunReport, Touched};
pub use eval::{BadgeFact, FactBody, PersonFacts, evaluate, evaluate_in};
pub use parse::{badge_yaml, parse_badge, parse_badge_yaml, yaml_value};
pub use svg::badge_svg;

/// Most events an award lists as having earned it.
pub const MAX_EARNED_BY: usize = 100;
/// Most tiers' worth of nesting a rule may have (`all` inside `any` inside ...).
pub const MAX_DEPTH: usize = 8;
/// Most leaves in one tier's rule.
pub const MAX_LEAVES: usize = 32;

/// A badge's tier. A badge with one rule has only `bronze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Bronze,
    Silver,
    Gold,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Bronze, Tier::Silver, Tier::Gold];

    pub fn as_str(&self) -> &'static str {
        match self {
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// What kind of event a leaf counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    MicroProgression,
    Recognition,
    MilestoneCompleted,
    MicroPromotion,
}

impl FactKind {
    pub const ALL: [FactKind; 4] = [FactKind::MicroProgression, FactKind::Recognition, FactKind::MilestoneCompleted, FactKind::MicroPromotion];

    pub fn as_str(&self) -> &'static str {
        match self {
            FactKind::MicroProgression => "micro_progression",
            FactKind::Recognition => "recognition",
            FactKind::MilestoneCompleted => "milestone_completed",
            FactKind::MicroPromotion => "micro_promotion",
        }
    }
}

/// Which events a leaf looks at. `category`, `magnitude` and `validated` only apply to
/// wins (`micro_progression`); `competency` to wins and recognition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub kind: FactKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub magnitude: Option<Magnitude>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competency: Option<String>,
    /// Only wins with at least one validation (manager or peer) still in force.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub validated: bool,
}

/// A rule: a tree of leaves under combinators. Written as one-key maps (`count: {...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// At least `at_least` events matching the filter, within the last `within_days`
    /// days (occurred in the window ending at the evaluation instant) or ever.
    Count {
        #[serde(flatten)]
        filter: Filter,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_days: Option<u32>,
        at_least: u32,
    },
    /// Events matching the filter in each of `weeks` consecutive calendar weeks
    /// (ISO weeks, Monday to Sunday, in the organization's time zone).
    Streak {
        #[serde(flatten)]
        filter: Filter,
        weeks: u32,
    },
    /// At least `at_least` recognition points received (the `points` of recognition
    /// events about the person), within the window or ever.
    PointsReceived {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        competency: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_days: Option<u32>,
        at_least: u32,
    },
    /// Recognition from at least `at_least` different people (the events' actors).
    DistinctGivers {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        competency: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_days: Option<u32>,
        at_least: u32,
    },
    /// The person's first event matching the filter.
    First(Filter),
    /// A milestone module completed: the one named, or any.
    Milestone {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    All(Vec<Rule>),
    Any(Vec<Rule>),
    NOf {
        n: u32,
        of: Vec<Rule>,
    },
}

impl Rule {
    /// The leaves' filters (what shape of event can change this rule), for the index.
    pub fn filters(&self) -> Vec<Filter> {
        let mut out = Vec::new();
        self.collect_filters(&mut out);
        out
    }

    fn collect_filters(&self, out: &mut Vec<Filter>) {
        let rec = |competency: &Option<String>| Filter {
            kind: FactKind::Recognition,
            category: None,
            magnitude: None,
            competency: competency.clone(),
            validated: false,
        };
        match self {
            Rule::Count { filter, .. } | Rule::Streak { filter, .. } | Rule::First(filter) => out.push(filter.clone()),
            Rule::PointsReceived { competency, .. } | Rule::DistinctGivers { competency, .. } => out.push(rec(competency)),
            Rule::Milestone { .. } => {
                out.push(Filter { kind: FactKind::MilestoneCompleted, category: None, magnitude: None, competency: None, validated: false });
            }
            Rule::All(rs) | Rule::Any(rs) | Rule::NOf { of: rs, .. } => rs.iter().for_each(|r| r.collect_filters(out)),
        }
    }

    /// The rule in words, for pages and the award's reason.
    pub fn describe(&self) -> String {
        fn window(d: &Option<u32>) -> String {
            match d {
                Some(1) => " in the last day".to_string(),
                Some(d) => format!(" in the last {d} days"),
                None => String::new(),
            }
        }
        fn what(f: &Filter, plural: bool) -> String {
            let mut s = String::new();
            if f.validated {
                s.push_str("validated ");
            }
            if let Some(m) = f.magnitude {
                s.push_str(match m {
                    Magnitude::Nano => "nano ",
                    Magnitude::Micro => "micro ",
                });
            }
            if let Some(c) = f.category {
                s.push_str(crate::event::category_label(c));
                s.push(' ');
            }
            s.push_str(match (f.kind, plural) {
                (FactKind::MicroProgression, false) => "win",
                (FactKind::MicroProgression, true) => "wins",
                (FactKind::Recognition, false) => "recognition",
                (FactKind::Recognition, true) => "recognitions",
                (FactKind::MilestoneCompleted, false) => "milestone completed",
                (FactKind::MilestoneCompleted, true) => "milestones completed",
                (FactKind::MicroPromotion, false) => "micro-promotion",
                (FactKind::MicroPromotion, true) => "micro-promotions",
            });
            if let Some(c) = &f.competency {
                s.push_str(&format!(" in {c}"));
            }
            s
        }
        match self {
            Rule::Count { filter, within_days, at_least } => format!("at least {at_least} {}{}", what(filter, *at_least != 1), window(within_days)),
            Rule::Streak { filter, weeks } => format!("a {} every week for {} in a row", what(filter, false), crate::text::count(u64::from(*weeks), "week")),
            Rule::PointsReceived { competency, within_days, at_least } => {
                let c = competency.as_ref().map(|c| format!(" for {c}")).unwrap_or_default();
                format!("at least {} received{c}{}", crate::text::count(u64::from(*at_least), "recognition point"), window(within_days))
            }
            Rule::DistinctGivers { competency, within_days, at_least } => {
                let c = competency.as_ref().map(|c| format!(" for {c}")).unwrap_or_default();
                format!("recognition from at least {at_least} different {}{c}{}", crate::text::plural(u64::from(*at_least), "person"), window(within_days))
            }
            Rule::First(f) => format!("a first {}", what(f, false)),
            Rule::Milestone { key: Some(k) } => format!("milestone '{k}' completed"),
            Rule::Milestone { key: None } => "a milestone completed".to_string(),
            Rule::All(rs) => format!("all of: {}", rs.iter().map(Rule::describe).collect::<Vec<_>>().join("; ")),
            Rule::Any(rs) => format!("any of: {}", rs.iter().map(Rule::describe).collect::<Vec<_>>().join("; ")),
            Rule::NOf { n, of } => format!("{n} of: {}", of.iter().map(Rule::describe).collect::<Vec<_>>().join("; ")),
        }
    }
}

/// A badge as the people team defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeDef {
    /// Lower-case letters, digits and `-`: `skill-burst`.
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// One rule per tier; at least one.
    pub tiers: BTreeMap<Tier, Rule>,
}

impl BadgeDef {
    /// The event key that makes an award unique.
    pub fn award_key(subject: PersonId, badge: &str, tier: Tier) -> String {
        award_key(subject, badge, tier)
    }
}

/// The event key that makes an award unique: `badge:<subject>:<badge>:<tier>`.
pub fn award_key(subject: PersonId, badge: &str, tier: Tier) -> String {
    format!("badge:{subject}:{badge}:{}", tier.as_str())
}

/// A badge key: 1-64 characters of `a-z`, `0-9` and `-`, starting with a letter.
pub fn parse_badge_key(field: &str, key: &str) -> Result<String, ValidationError> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { Ok(key.to_string()) } else { Err(ValidationError::single(field, "must be 1-64 characters of a-z, 0-9 and '-', starting with a letter")) }
}

#[cfg(test)]
mod tests;

/// A saved badge definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBadge {
    pub def: BadgeDef,
    /// Bumped on every save: a change of any badge's revision means the rules changed,
    /// and the evaluator re-judges everyone from scratch.
    pub revision: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Badge definitions and the reduced ledger read badge rules need: a capability of
/// every [`Store`](crate::store::Store) backend. Awards themselves are ledger events
/// (`badge_awarded`) whose event key makes each one unique.
#[async_trait::async_trait]
pub trait BadgeStore: Send + Sync {
    /// Create or replace the badge `def.key`; returns its new revision.
    async fn save_badge(&self, org: crate::OrgId, def: &BadgeDef, at: chrono::DateTime<chrono::Utc>) -> crate::store::StoreResult<i64>;
    /// Every badge of the organization, by key (badges are few and small).
    async fn badges(&self, org: crate::OrgId) -> crate::store::StoreResult<Vec<StoredBadge>>;
    /// The events badge rules read (wins, recognition, milestones, micro-promotions,
    /// validations, reversals, awards), reduced to [`BadgeFact`]s, in seq order: at most
    /// `limit` with `seq > after_seq`.
    async fn badge_facts(&self, org: crate::OrgId, after_seq: i64, limit: u32) -> crate::store::StoreResult<Vec<BadgeFact>>;
}
