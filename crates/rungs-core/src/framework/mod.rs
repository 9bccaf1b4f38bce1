//! Career frameworks: tracks with ordered levels, competencies grouped by category,
//! an expectation per competency × level with a checkable criterion, and milestone
//! modules per level transition. Versioned by the store ([`FrameworkStore`]); read and
//! written as YAML ([`yaml`]) and imported from a CSV competency matrix ([`matrix`])
//! or a Markdown ladder ([`markdown`]), both through [`ladder`], which also flags
//! competency names that drift ([`drift`]).
//! The documented format is `docs/FRAMEWORKS.md` with its JSON Schema beside it.

pub mod csv;
pub mod diff;
pub mod drift;
pub mod format;
#[cfg(test)]
mod import_tests;
pub mod ladder;
mod mapping;
pub mod markdown;
pub mod matrix;
mod model;
mod preview;
pub mod sheet;
pub mod suggest;
#[cfg(test)]
mod tests;
mod versions;
pub mod yaml;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ValidationError;
use crate::person::Position;
use crate::text::{parse_key, parse_text};

/// One rung of a track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Level {
    /// Key, unique within the track, e.g. `l3`.
    pub key: String,
    /// Default title at this level, e.g. `Senior Engineer`.
    pub title: String,
}

/// A career track: an ordered ladder of levels (first = most junior).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Track {
    pub key: String,
    pub name: String,
    pub levels: Vec<Level>,
}

/// A competency evidence can be tagged with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Competency {
    pub key: String,
    pub name: String,
    /// Grouping such as `craft`, `impact`, `leadership`, or `Technical Skills` as a
    /// ladder writes it; empty when the ladder gives none.
    pub category: String,
}

pub use model::{Criterion, EvidenceRule, Expectation, MilestoneModule, RecognitionRule};
pub use versions::{FrameworkStore, FrameworkVersion, version_in_force};

/// An organization's framework.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub tracks: Vec<Track>,
    pub competencies: Vec<Competency>,
    /// What each level expects of each competency (absent pairs expect nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
    /// Milestone modules, each on the way into one level of one track.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<MilestoneModule>,
}

impl Framework {
    pub fn track(&self, key: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.key == key)
    }

    /// Index of `level` in `track` (0 = most junior).
    pub fn level_rank(&self, track: &str, level: &str) -> Option<usize> {
        self.track(track)?.levels.iter().position(|l| l.key == level)
    }

    pub fn has_competency(&self, key: &str) -> bool {
        self.competencies.iter().any(|c| c.key == key)
    }

    pub fn competency(&self, key: &str) -> Option<&Competency> {
        self.competencies.iter().find(|c| c.key == key)
    }

    /// The level after `level` in `track`, if there is one.
    pub fn next_level(&self, track: &str, level: &str) -> Option<&Level> {
        let rank = self.level_rank(track, level)?;
        self.track(track)?.levels.get(rank + 1)
    }

    /// Expectations of one level, in framework order.
    pub fn expectations_for<'a>(&'a self, track: &'a str, level: &'a str) -> impl Iterator<Item = &'a Expectation> + 'a {
        self.expectations.iter().filter(move |x| x.track == track && x.level == level)
    }

    /// Milestone modules on the way into `level` of `track`.
    pub fn milestones_into<'a>(&'a self, track: &'a str, level: &'a str) -> impl Iterator<Item = &'a MilestoneModule> + 'a {
        self.milestones.iter().filter(move |m| m.track == track && m.to_level == level)
    }

    /// Check a position against the framework; `field` prefixes the error.
    pub fn check_position(&self, field: &str, p: &Position) -> Result<(), ValidationError> {
        match self.track(&p.track) {
            None => Err(ValidationError::single(format!("{field}.track"), format!("unknown track '{}'", p.track))),
            Some(t) if !t.levels.iter().any(|l| l.key == p.level) => {
                Err(ValidationError::single(format!("{field}.level"), format!("unknown level '{}' in track '{}'", p.level, p.track)))
            }
            Some(_) => Ok(()),
        }
    }

    /// Check the framework itself: keys well-formed and unique, every track has levels.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut e = ValidationError::new();
        let mut seen = std::collections::HashSet::new();
        for (i, t) in self.tracks.iter().enumerate() {
            e.collect(parse_key(&format!("tracks[{i}].key"), &t.key));
            e.collect(parse_text(&format!("tracks[{i}].name"), &t.name, 200));
            if !seen.insert(&t.key) {
                e.push(format!("tracks[{i}].key"), format!("duplicate track '{}'", t.key));
            }
            if t.levels.is_empty() {
                e.push(format!("tracks[{i}].levels"), "must have at least one level");
            }
            let mut lv = std::collections::HashSet::new();
            for (j, l) in t.levels.iter().enumerate() {
                e.collect(parse_key(&format!("tracks[{i}].levels[{j}].key"), &l.key));
                e.collect(parse_text(&format!("tracks[{i}].levels[{j}].title"), &l.title, 200));
                if !lv.insert(&l.key) {
                    e.push(format!("tracks[{i}].levels[{j}].key"), format!("duplicate level '{}'", l.key));
                }
            }
        }
        let mut cs = std::collections::HashSet::new();
        for (i, c) in self.competencies.iter().enumerate() {
            e.collect(parse_key(&format!("competencies[{i}].key"), &c.key));
            e.collect(parse_text(&format!("competencies[{i}].name"), &c.name, 200));
            if !cs.insert(&c.key) {
                e.push(format!("competencies[{i}].key"), format!("duplicate competency '{}'", c.key));
            }
            // Blank means uncategorised: an import never invents a category.
            if !c.category.is_empty() {
                e.collect(parse_text(&format!("competencies[{i}].category"), &c.category, 100));
            }
        }
        model::validate(self, &mut e);
        e.into_result()
    }
}

/// Drop a leading byte-order mark (spreadsheets and Windows editors write one), noting
/// it in `tolerated` so the import preview says what was forgiven.
pub(crate) fn strip_bom<'a>(file: &str, text: &'a str, tolerated: &mut Vec<String>) -> &'a str {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            tolerated.push(format!("{file}:1: byte-order mark ignored"));
            rest
        }
        None => text,
    }
}
