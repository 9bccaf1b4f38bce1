//! The preview of a ladder import: what [`super::ladder::apply`] would make, shown
//! before it is committed (the grid of competencies × levels, each competency's
//! cells, the changes against the framework in force).

use serde::Serialize;

use super::drift::Drift;
use crate::ValidationError;
use utoipa::ToSchema;

/// What an import would do, shown before it is committed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatrixPreview {
    pub track: String,
    /// `true` when the import creates the track (a Markdown ladder naming a new one).
    #[serde(default)]
    pub new_track: bool,
    /// Level keys, in ladder order.
    pub levels: Vec<String>,
    /// Every competency of the import; `new` when the framework did not have it.
    pub competencies: Vec<MatrixCompetency>,
    /// Expectations (text only) the import sets.
    pub expectations: usize,
    /// What was tolerated, one line each, with file and line.
    pub tolerated: Vec<String>,
    /// Pairs of names that may be one competency (in the file, or a name in the file
    /// and one already in the framework, whose `at` is `framework`). A commit is
    /// refused while any has no `decision`. At most [`MAX_DRIFT_SHOWN`] are listed.
    pub drift: Vec<Drift>,
    /// Flagged pairs beyond those listed (answer them all with `different=*`).
    #[serde(default)]
    pub drift_more: usize,
    /// Of those, how many are not answered yet.
    #[serde(skip)]
    pub hidden_undecided: usize,
    /// What the commit would change, against the framework as it is: an empty list
    /// means the commit saves no new version.
    pub changes: Vec<super::diff::Change>,
    /// The ladder as it will be: one row per competency of the file, one cell per
    /// level of `levels` (the text stored; empty when that level expects nothing).
    pub grid: Vec<GridRow>,
}

/// One competency of an import preview, as a row of the ladder.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GridRow {
    pub key: String,
    pub name: String,
    pub category: String,
    /// Where the file writes it, `file:line` each.
    pub at: Vec<String>,
    /// What the preview's warnings say about those lines.
    pub warnings: Vec<String>,
    pub cells: Vec<String>,
    /// What the warnings say about each cell, beside `cells` (a spreadsheet's number
    /// or date read as text, a merged cell); empty when no cell has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cell_warnings: Vec<Vec<String>>,
}

/// Most levels a track may have: ladders have a handful; a file with thousands of
/// level headings is refused before any work grows with their square.
pub const MAX_LEVELS: usize = 50;

/// Most flagged pairs a preview lists; the rest are counted in `drift_more`.
pub const MAX_DRIFT_SHOWN: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatrixCompetency {
    pub key: String,
    pub name: String,
    pub category: String,
    pub new: bool,
    /// Other names merged into this one by a "same" confirmation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl MatrixPreview {
    /// Refuse to commit while a flagged pair is unconfirmed, naming each pair.
    pub fn require_confirmed(&self) -> Result<(), ValidationError> {
        let mut e = ValidationError::new();
        for d in self.drift.iter().filter(|d| d.decision.is_none()) {
            e.push(
                "confirm",
                format!(
                    "'{}' ({}) and '{}' ({}) may be one competency ({}); confirm \"{}\" as the same or different",
                    d.a.name,
                    d.a.at.join(", "),
                    d.b.name,
                    d.b.at.join(", "),
                    d.why,
                    d.pair()
                ),
            );
        }
        if self.hidden_undecided > 0 {
            e.push("confirm", format!("{} more pairs are not listed; answer them all with different=* (or fix the names)", self.hidden_undecided));
        }
        e.into_result()
    }
}
