//! Expectations, checkable criteria and milestone modules, and their validation
//! against the rest of the framework.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Framework;
use crate::ValidationError;
use crate::event::Category;
use crate::text::{parse_key, parse_text};

/// Most evidence a rule may ask for: beyond this a criterion stops being a step.
pub const MAX_MIN_EVENTS: u32 = 50;
/// Longest window a rule may look back over (ten years).
pub const MAX_WITHIN_MONTHS: u32 = 120;

/// A checkable rule over a person's ledger: at least `min_events` points of
/// micro-progressions that evidence the competency (or, for a milestone module, one of
/// its competencies), of the given categories, within the last `within_months`
/// months, validated if `validated_only`. A plain win is one point; validated and
/// recent wins weigh more (docs/READINESS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRule {
    /// Points needed (1–50); one plain micro-progression is one point.
    pub min_events: u32,
    /// Categories of win that count; empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    /// Only wins in this many months before today count (1–120); absent means any time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_months: Option<u32>,
    /// Only wins validated by a manager or a peer count.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub validated_only: bool,
}

/// A checkable rule over recognition received (docs/READINESS.md): recognition tagged
/// with the expectation's competency from at least `distinct_givers` different people.
/// Breadth weighs more than repetition: each giver counts once, a full point from
/// another team and half a point from the person's own team (none under
/// `outside_team`); more recognition from the same giver adds nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecognitionRule {
    /// Distinct people needed (1–50).
    pub distinct_givers: u32,
    /// Only people outside the person's team count (team: the same manager, or one
    /// managing the other, when the recognition was given).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside_team: bool,
    /// Only recognition in this many months before today counts (1–120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_months: Option<u32>,
}

impl RecognitionRule {
    fn validate(&self, field: &str, e: &mut ValidationError) {
        if self.distinct_givers == 0 || self.distinct_givers > MAX_MIN_EVENTS {
            e.push(format!("{field}.distinct_givers"), format!("must be between 1 and {MAX_MIN_EVENTS}"));
        }
        if let Some(m) = self.within_months
            && (m == 0 || m > MAX_WITHIN_MONTHS)
        {
            e.push(format!("{field}.within_months"), format!("must be between 1 and {MAX_WITHIN_MONTHS}"));
        }
    }
}

/// How an expectation is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Criterion {
    /// Enough evidence on the ledger.
    Evidence(EvidenceRule),
    /// The milestone module with this key is complete.
    Milestone(String),
    /// Recognition tagged with the competency, from enough different people.
    Recognition(RecognitionRule),
}

/// What one level of a track expects of one competency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub competency: String,
    pub track: String,
    pub level: String,
    /// What is expected, in the ladder's words.
    pub text: String,
    /// How it is checked; absent means a person judges it (it does not count
    /// towards readiness, and is listed as such).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<Criterion>,
}

/// A milestone module: one checkable step of the transition into `to_level`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneModule {
    /// Key, unique within the framework.
    pub key: String,
    pub track: String,
    /// The level this module leads into (from the level below it).
    pub to_level: String,
    pub title: String,
    /// Competencies this module builds; evidence of any of them counts.
    pub competencies: Vec<String>,
    pub criterion: EvidenceRule,
}

impl EvidenceRule {
    fn validate(&self, field: &str, e: &mut ValidationError) {
        if self.min_events == 0 || self.min_events > MAX_MIN_EVENTS {
            e.push(format!("{field}.min_events"), format!("must be between 1 and {MAX_MIN_EVENTS}"));
        }
        if let Some(m) = self.within_months
            && (m == 0 || m > MAX_WITHIN_MONTHS)
        {
            e.push(format!("{field}.within_months"), format!("must be between 1 and {MAX_WITHIN_MONTHS}"));
        }
        let mut seen = HashSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            if !seen.insert(c) {
                e.push(format!("{field}.categories[{i}]"), "is listed twice");
            }
        }
    }
}

/// Expectations and milestones must point at tracks, levels, competencies and
/// milestones that exist, once each.
pub(super) fn validate(fw: &Framework, e: &mut ValidationError) {
    let level_ok = |field: &str, track: &str, level: &str, e: &mut ValidationError| match fw.track(track) {
        None => e.push(format!("{field}.track"), format!("unknown track '{track}'")),
        Some(t) if !t.levels.iter().any(|l| l.key == level) => e.push(format!("{field}.level"), format!("unknown level '{level}' in track '{track}'")),
        Some(_) => {}
    };
    let mut keys = HashSet::new();
    for (i, m) in fw.milestones.iter().enumerate() {
        let f = format!("milestones[{i}]");
        e.collect(parse_key(&format!("{f}.key"), &m.key));
        e.collect(parse_text(&format!("{f}.title"), &m.title, 200));
        if !keys.insert(m.key.as_str()) {
            e.push(format!("{f}.key"), format!("duplicate milestone '{}'", m.key));
        }
        level_ok(&f, &m.track, &m.to_level, e);
        if fw.level_rank(&m.track, &m.to_level) == Some(0) {
            e.push(format!("{f}.to_level"), "the first level of a track has no transition into it");
        }
        if m.competencies.is_empty() {
            e.push(format!("{f}.competencies"), "must name at least one competency");
        }
        for (j, c) in m.competencies.iter().enumerate() {
            if !fw.has_competency(c) {
                e.push(format!("{f}.competencies[{j}]"), format!("unknown competency '{c}'"));
            }
        }
        m.criterion.validate(&format!("{f}.criterion"), e);
    }
    let mut pairs = HashSet::new();
    for (i, x) in fw.expectations.iter().enumerate() {
        let f = format!("expectations[{i}]");
        if !fw.has_competency(&x.competency) {
            e.push(format!("{f}.competency"), format!("unknown competency '{}'", x.competency));
        }
        level_ok(&f, &x.track, &x.level, e);
        e.collect(parse_text(&format!("{f}.text"), &x.text, 4000));
        if !pairs.insert((x.competency.as_str(), x.track.as_str(), x.level.as_str())) {
            e.push(f.clone(), format!("a second expectation of '{}' at {}/{}", x.competency, x.track, x.level));
        }
        match &x.criterion {
            Some(Criterion::Evidence(r)) => r.validate(&format!("{f}.criterion.evidence"), e),
            Some(Criterion::Recognition(r)) => r.validate(&format!("{f}.criterion.recognition"), e),
            Some(Criterion::Milestone(k)) => match fw.milestones.iter().find(|m| &m.key == k) {
                None => e.push(format!("{f}.criterion.milestone"), format!("unknown milestone '{k}'")),
                Some(m) if m.track != x.track || m.to_level != x.level => {
                    e.push(format!("{f}.criterion.milestone"), format!("milestone '{k}' leads into {}/{}, not this level", m.track, m.to_level));
                }
                Some(_) => {}
            },
            None => {}
        }
    }
}
