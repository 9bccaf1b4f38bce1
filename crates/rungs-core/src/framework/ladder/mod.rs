//! What the CSV matrix and the Markdown ladder readers have in common: a [`Ladder`] is
//! a list of "competency X at level Y expects this text" entries with the line each
//! came from. [`apply`] turns one into a new framework and the preview a person checks
//! before committing: it resolves the track and its levels, groups entries by
//! competency name (case and spacing ignored), refuses a competency described twice at
//! one level, and lists names that may have drifted ([`super::drift`]) until each pair
//! is confirmed.

mod answers;
mod apply;
mod cell_text;
mod labels;
mod track;

pub use super::mapping::{Mapping, Role};
pub use super::preview::{GridRow, MAX_DRIFT_SHOWN, MAX_LEVELS, MatrixCompetency, MatrixPreview};
pub use apply::apply;
pub use cell_text::slug;
pub(crate) use cell_text::strip_html;
pub(crate) use labels::{level_like, names_level};

/// One level as the file writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelLabel {
    pub label: String,
    pub line: usize,
}

/// "Competency `name` at level `levels[level]` expects `text`", from `line`. Without a
/// level it only says the competency exists (a matrix row with every cell blank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub category: Option<String>,
    pub level: Option<usize>,
    pub text: String,
    pub line: usize,
}

/// A ladder as read from a file, before it meets the framework.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ladder {
    pub file: String,
    /// The track the file names in a heading, with its line.
    pub track: Option<(String, usize)>,
    pub levels: Vec<LevelLabel>,
    pub entries: Vec<Entry>,
    pub tolerated: Vec<String>,
    /// For a spreadsheet: where its rows and columns are.
    pub sheet: Option<SheetColumns>,
}

/// Where a sheet's ladder is: a line is shown as the cell of its competency's name
/// (`Ladder!B5`), and a level's cell in that row by the level's column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetColumns {
    pub sheet: String,
    /// The column of competency names (0-based).
    pub name: usize,
    /// The column of each level label, in `Ladder::levels` order.
    pub levels: Vec<usize>,
}

impl Ladder {
    /// Where `line` is: `file:line`, or `file:sheet!cell` for a spreadsheet.
    pub fn place(&self, line: usize) -> String {
        match &self.sheet {
            Some(s) => format!("{}:{}", self.file, super::sheet::cell_ref(&s.sheet, line, s.name)),
            None => format!("{}:{line}", self.file),
        }
    }

    /// The cell of level `level` (an index into `levels`) on `line`, for a spreadsheet.
    pub fn cell_place(&self, line: usize, level: usize) -> Option<String> {
        let s = self.sheet.as_ref()?;
        Some(format!("{}:{}", self.file, super::sheet::cell_ref(&s.sheet, line, *s.levels.get(level)?)))
    }
}
