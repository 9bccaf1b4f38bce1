//! The column-mapping file of an HR history import (YAML; docs/HISTORY_IMPORT.md):
//! which column holds what, the words for yes and for each event, and defaults.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

/// Which kind of export the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One row per person as of a date: years at the company, years since the last
    /// promotion, left yes/no.
    Snapshot,
    /// Dated rows: hires, terminations and position changes (one or more rows per
    /// person).
    History,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub kind: Kind,
    /// Snapshot: the day the export was taken (years count back from it).
    pub as_of: Option<NaiveDate>,
    pub columns: Columns,
    /// Values for fields no column holds (or an empty cell): track, level, title,
    /// department.
    #[serde(default)]
    pub defaults: Defaults,
    /// Sensitive attributes (for the equity audit): attribute name → column.
    #[serde(default)]
    pub sensitive: BTreeMap<String, String>,
    /// Words meaning yes in `left` (case-insensitive; default yes, y, true, 1).
    #[serde(default = "yes_words")]
    pub yes: Vec<String>,
    /// Words meaning no in `left` (an empty cell is no too).
    #[serde(default = "no_words")]
    pub no: Vec<String>,
    /// History: the words of the `event` column for each kind of row.
    #[serde(default)]
    pub events: EventWords,
    /// strftime format of dates (default `%Y-%m-%d`; `%Y/%m/%d` is also accepted).
    #[serde(default = "iso")]
    pub date_format: String,
    /// Without an email column, people get `<id>@<email_domain>`.
    #[serde(default = "domain")]
    pub email_domain: String,
}

/// Column names (as in the file's header, matched exactly after trimming).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// The person's id in the HR system (required).
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub department: Option<String>,
    pub track: Option<String>,
    pub level: Option<String>,
    pub title: Option<String>,
    /// Snapshot.
    pub years_at_company: Option<String>,
    pub years_since_last_promotion: Option<String>,
    pub left: Option<String>,
    /// History: a row's event (hire, promotion, lateral move, termination) and its date.
    pub event: Option<String>,
    pub date: Option<String>,
    /// History, one row per person: hire and termination dates in their own columns.
    pub hire_date: Option<String>,
    pub termination_date: Option<String>,
    /// Why someone left: voluntary, involuntary, retirement (anything else: other).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub track: Option<String>,
    pub level: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventWords {
    #[serde(default = "hire_words")]
    pub hire: Vec<String>,
    #[serde(default = "promotion_words")]
    pub promotion: Vec<String>,
    #[serde(default = "lateral_words")]
    pub lateral: Vec<String>,
    #[serde(default = "termination_words")]
    pub termination: Vec<String>,
}

impl Default for EventWords {
    fn default() -> Self {
        EventWords { hire: hire_words(), promotion: promotion_words(), lateral: lateral_words(), termination: termination_words() }
    }
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(std::string::ToString::to_string).collect()
}
fn yes_words() -> Vec<String> {
    words(&["yes", "y", "true", "1"])
}
fn no_words() -> Vec<String> {
    words(&["no", "n", "false", "0"])
}
fn hire_words() -> Vec<String> {
    words(&["hire", "hired", "new hire", "rehire"])
}
fn promotion_words() -> Vec<String> {
    words(&["promotion", "promoted"])
}
fn lateral_words() -> Vec<String> {
    words(&["lateral", "lateral move", "transfer", "position change"])
}
fn termination_words() -> Vec<String> {
    words(&["termination", "terminated", "resignation", "left", "exit"])
}
fn iso() -> String {
    "%Y-%m-%d".into()
}
fn domain() -> String {
    "import.invalid".into()
}

/// Does `raw` match one of `words` (case- and space-insensitive)?
pub fn is(words: &[String], raw: &str) -> bool {
    let r = raw.trim();
    words.iter().any(|w| w.trim().eq_ignore_ascii_case(r))
}

/// Read a mapping file: YAML (JSON is YAML too).
pub fn parse(text: &str) -> Result<Mapping, String> {
    let m: Mapping = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    if m.kind == Kind::Snapshot {
        if m.as_of.is_none() {
            return Err("as_of: a snapshot needs the day it was taken (YYYY-MM-DD)".into());
        }
        if m.columns.years_at_company.is_none() {
            return Err("columns.years_at_company: a snapshot needs it".into());
        }
    }
    if m.kind == Kind::History && m.columns.date.is_none() != m.columns.event.is_none() {
        return Err("columns.event and columns.date go together".into());
    }
    if m.kind == Kind::History && m.columns.event.is_none() && m.columns.hire_date.is_none() {
        return Err("columns: a history needs event and date, or hire_date".into());
    }
    Ok(m)
}
