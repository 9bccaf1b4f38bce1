//! Import of a CSV competency matrix, the form in which many companies publish their
//! ladder: one row per competency, one column per level, each cell the expectation in
//! words. An optional `Category` column may be filled on the first row of each group
//! only.
//!
//! Tolerated, and reported: a byte-order mark, CRLF, blank lines, blank cells (that
//! level expects nothing of the competency), a category only on its group's first row,
//! HTML tags in cells (stripped). Errors, with file, line and reason, and nothing
//! imported: ragged rows, duplicate competency names (case-insensitive), an unclosed
//! quote (most CSV readers swallow the rest of the file silently; this parser does its
//! own quoting so it can say where the quote opened), unknown level columns.
//!
//! The cells become expectations without a criterion: a person adds the checkable
//! rule afterwards (docs/FRAMEWORKS.md). Rows whose names are near ([`super::drift`])
//! wait for a person to confirm them the same or different.

use std::collections::HashMap;

use super::Framework;
use super::drift::{Confirmations, identity};
use super::ladder::{self, Entry, Ladder, LevelLabel, strip_html as clean_cell};
use crate::ValidationError;

pub use super::ladder::{MatrixCompetency, MatrixPreview, slug};

/// Largest matrix accepted.
pub const MAX_ROWS: usize = 2_000;

/// A record and the line it starts on.
struct Record {
    line: usize,
    cells: Vec<String>,
}

/// Split CSV text into records, keeping line numbers; an unclosed quote is an error.
fn records(file: &str, text: &str) -> Result<Vec<Record>, ValidationError> {
    let mut out = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let (mut line, mut start) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    let mut quoted_at: Option<usize> = None;
    let mut after_quote = false;
    while let Some(c) = chars.next() {
        if quoted_at.is_some() {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => {
                    quoted_at = None;
                    after_quote = true;
                }
                '\n' => {
                    line += 1;
                    cell.push('\n');
                }
                '\r' => {}
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                cells.push(std::mem::take(&mut cell));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                cells.push(std::mem::take(&mut cell));
                out.push(Record { line: start, cells: std::mem::take(&mut cells) });
                line += 1;
                start = line;
                after_quote = false;
            }
            '"' if cell.trim().is_empty() && !after_quote => {
                cell.clear();
                quoted_at = Some(line);
            }
            _ if after_quote && !c.is_whitespace() => {
                return Err(ValidationError::single(format!("{file}:{line}"), "text after a closing quote; double a quote inside a quoted cell (\"\")"));
            }
            _ if after_quote => {}
            _ => cell.push(c),
        }
    }
    if let Some(open) = quoted_at {
        return Err(ValidationError::single(format!("{file}:{open}"), "unclosed quote: this quoted cell never ends"));
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        out.push(Record { line: start, cells });
    }
    Ok(out)
}

/// Read a matrix for `track` and apply it to a copy of `fw` ([`ladder::apply`]): new
/// competencies are added, each non-blank cell sets the text of that competency × level
/// expectation (keeping any criterion it had), rows with near names wait for
/// `confirm`. Nothing is changed on error.
pub fn import(fw: &Framework, track: &str, file: &str, text: &str, confirm: &Confirmations) -> Result<(Framework, MatrixPreview), ValidationError> {
    let ladder = read(fw, track, file, text)?;
    ladder::apply(fw, Some(track), ladder, confirm)
}

/// Read a matrix whose level columns belong to `track` of `fw`.
pub fn read(fw: &Framework, track: &str, file: &str, text: &str) -> Result<Ladder, ValidationError> {
    let at = |line: usize| format!("{file}:{line}");
    let Some(t) = fw.track(track) else {
        return Err(ValidationError::single("track", format!("unknown track '{track}'")));
    };
    let mut tolerated = Vec::new();
    let text = super::strip_bom(file, text, &mut tolerated);
    if text.contains("\r\n") {
        tolerated.push(format!("{file}: CRLF line ends"));
    }
    let mut rows = records(file, text)?.into_iter().filter(|r| {
        let blank = r.cells.iter().all(|c| c.trim().is_empty());
        if blank {
            tolerated.push(format!("{file}:{}: blank line skipped", r.line));
        }
        !blank
    });
    let Some(header) = rows.next() else { return Err(ValidationError::single(file, "is empty: expected a header row")) };
    let rows: Vec<Record> = rows.collect();
    if rows.len() > MAX_ROWS {
        return Err(ValidationError::single(file, format!("has more than {MAX_ROWS} rows")));
    }
    let mut e = ValidationError::new();
    let (mut name_col, mut cat_col, mut level_cols) = (None, None, Vec::new());
    for (i, h) in header.cells.iter().enumerate() {
        let h = h.trim();
        let lower = h.to_lowercase();
        match lower.as_str() {
            "competency" | "name" | "skill" if name_col.is_none() => name_col = Some(i),
            "category" | "group" | "area" if cat_col.is_none() => cat_col = Some(i),
            _ => match t.levels.iter().find(|l| l.key == lower || l.title.to_lowercase() == lower) {
                Some(l) if level_cols.iter().any(|(_, k)| k == &l.key) => e.push(at(header.line), format!("column {} repeats level '{h}'", i + 1)),
                Some(l) => level_cols.push((i, l.key.clone())),
                None => e.push(at(header.line), format!("column {}: '{h}' is not a level of track '{track}' (use a level key or title)", i + 1)),
            },
        }
    }
    let Some(name_col) = name_col else {
        e.push(at(header.line), "no 'Competency' column");
        return Err(e);
    };
    if level_cols.is_empty() {
        e.push(at(header.line), "no level columns");
    }
    e.into_result()?;

    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut entries = Vec::new();
    let (mut category, mut inherited, mut html) = (None, 0, false);
    let mut e = ValidationError::new();
    for r in &rows {
        if r.cells.len() != header.cells.len() {
            e.push(at(r.line), format!("ragged row: {} cells where the header has {}", r.cells.len(), header.cells.len()));
            continue;
        }
        let (name, h) = clean_cell(&r.cells[name_col]);
        html |= h;
        if name.is_empty() {
            e.push(at(r.line), "competency name is blank");
            continue;
        }
        if let Some(first) = seen.insert(identity(&name), r.line) {
            e.push(at(r.line), format!("duplicate competency '{name}' (first on line {first}; names are compared ignoring case and spacing)"));
            continue;
        }
        if let Some(c) = cat_col {
            let (cat, _) = clean_cell(&r.cells[c]);
            if cat.is_empty() {
                inherited += 1;
            } else {
                category = Some(cat);
            }
        }
        let before = entries.len();
        for (level, (col, _)) in level_cols.iter().enumerate() {
            let (cell, h) = clean_cell(&r.cells[*col]);
            html |= h;
            if !cell.is_empty() {
                entries.push(Entry { name: name.clone(), category: category.clone(), level: Some(level), text: cell, line: r.line });
            }
        }
        if entries.len() == before {
            entries.push(Entry { name: name.clone(), category: category.clone(), level: None, text: String::new(), line: r.line });
        }
    }
    e.into_result()?;
    if inherited > 0 {
        tolerated.push(format!("{file}: {inherited} rows took their category from the row above"));
    }
    if html {
        tolerated.push(format!("{file}: HTML tags in cells were stripped"));
    }
    let levels = level_cols.into_iter().map(|(_, key)| LevelLabel { label: key, line: header.line }).collect();
    Ok(Ladder { file: file.into(), track: None, levels, entries, tolerated })
}
