//! Import of a CSV competency matrix, the form in which many companies publish their
//! ladder: one row per competency, one column per level, each cell the expectation in
//! words. An optional `Category` column may be filled on the first row of each group
//! only.
//!
//! Tolerated, and reported: a byte-order mark, CRLF, a semicolon or TAB delimiter
//! (sniffed from the header, whatever the file is called), blank lines, blank cells
//! (that level expects nothing of the competency), a category only on its group's
//! first row, HTML tags in cells (stripped), descriptive columns (`Description`,
//! `Notes`, `Summary`, …) and spacer columns with no header (ignored), blank cells
//! past the header's last column. Errors, every one at once, each with `file:line`,
//! what is wrong and how to fix it, and nothing imported: ragged rows, duplicate
//! competency names (case-insensitive), an unclosed quote (reading resumes on the
//! next line so what follows is checked too), columns that are not levels of an
//! existing track.
//!
//! Into a track that does not exist yet, every column that is not the competency, the
//! category or descriptive is a level, in file order: the CSV creates its track.
//! A [`Mapping`] overrides what a column is, by its header.
//!
//! The cells become expectations without a criterion: a person adds the checkable
//! rule afterwards (docs/FRAMEWORKS.md). Rows whose names are near ([`super::drift`])
//! wait for a person to confirm them the same or different.

use std::collections::HashMap;

use super::Framework;
use super::csv::{delimiter_name, records, sniff};
use super::drift::{Confirmations, identity};
use super::ladder::{self, Entry, Ladder, LevelLabel, Role, names_level, strip_html as clean_cell};
use crate::ValidationError;

pub use super::ladder::{Mapping, MatrixCompetency, MatrixPreview, slug};

/// Largest matrix accepted (rows of competencies).
pub const MAX_ROWS: usize = 2_000;

/// Header words that name a descriptive column, ignored with a warning.
const DESCRIPTIVE: &[&str] =
    &["description", "descriptions", "notes", "note", "summary", "comment", "comments", "definition", "details", "about", "purpose", "why", "explanation"];

/// What a header names, before the track is known.
pub(crate) fn header_role(h: &str) -> Option<Role> {
    match identity(h).as_str() {
        "competency" | "competencies" | "name" | "skill" | "skills" | "dimension" | "attribute" | "behaviour" | "behavior" => Some(Role::Competency),
        "category" | "group" | "area" | "theme" | "pillar" | "topic" | "focus area" => Some(Role::Category),
        "" => Some(Role::Ignore),
        d if DESCRIPTIVE.contains(&d) => Some(Role::Description),
        _ => None,
    }
}

/// Read a matrix for `track` and apply it to a copy of `fw` ([`ladder::apply`]): new
/// competencies are added, each cell sets the text of that competency × level
/// expectation (keeping any criterion it had; a blank cell clears it), rows with near
/// names wait for `confirm`. Nothing is changed on error.
pub fn import(fw: &Framework, track: &str, file: &str, text: &str, confirm: &Confirmations) -> Result<(Framework, MatrixPreview), ValidationError> {
    import_mapped(fw, Some(track), file, text, &Mapping::default(), confirm)
}

/// [`import`] with a track that may be new (or none: named after the file) and a mapping.
pub fn import_mapped(
    fw: &Framework,
    track: Option<&str>,
    file: &str,
    text: &str,
    mapping: &Mapping,
    confirm: &Confirmations,
) -> Result<(Framework, MatrixPreview), ValidationError> {
    let ladder = read(fw, track, file, text, mapping)?;
    ladder::apply(fw, track, ladder, confirm)
}

/// Rows of cells (a CSV file, or a spreadsheet's sheet) read as a matrix.
pub struct Grid {
    pub rows: Vec<(usize, Vec<String>)>,
    pub tolerated: Vec<String>,
}

fn split(file: &str, text: &str) -> (Grid, ValidationError) {
    let mut tolerated = Vec::new();
    let text = super::strip_bom(file, text, &mut tolerated);
    if text.contains("\r\n") {
        tolerated.push(format!("{file}: CRLF line ends"));
    }
    let delim = sniff(text);
    if delim != ',' {
        tolerated.push(format!("{file}: cells separated by {}s", delimiter_name(delim)));
    }
    let (recs, e) = records(file, text, delim);
    (Grid { rows: recs.into_iter().map(|r| (r.line, r.cells)).collect(), tolerated }, e)
}

/// Split CSV text into a [`Grid`], collecting every defect.
pub fn grid(file: &str, text: &str) -> Result<Grid, ValidationError> {
    let (g, e) = split(file, text);
    e.into_result().map(|()| g)
}

/// Read a matrix whose level columns belong to `track` of `fw` (or make a new track).
/// Defects in the CSV itself and in its rows are reported together.
pub fn read(fw: &Framework, track: Option<&str>, file: &str, text: &str, mapping: &Mapping) -> Result<Ladder, ValidationError> {
    let (g, e) = split(file, text);
    read_grid(fw, track, file, g, mapping, e)
}

/// Read a [`Grid`] as a matrix; `e` holds defects already found in it.
pub fn read_grid(fw: &Framework, track: Option<&str>, file: &str, grid: Grid, mapping: &Mapping, mut e: ValidationError) -> Result<Ladder, ValidationError> {
    let at = |line: usize| format!("{file}:{line}");
    let existing = track.and_then(|k| fw.track(k).or_else(|| fw.tracks.iter().find(|t| identity(&t.name) == identity(k))));
    let mut tolerated = grid.tolerated;
    let mut rows = grid.rows.into_iter().filter(|(line, cells)| {
        let blank = cells.iter().all(|c| c.trim().is_empty());
        if blank {
            tolerated.push(format!("{file}:{line}: blank line skipped"));
        }
        !blank
    });
    let Some((header_line, header)) = rows.next() else {
        e.push(file, "is empty: expected a header row (Competency, then a column per level)");
        return Err(e);
    };
    let rows: Vec<(usize, Vec<String>)> = rows.collect();
    if rows.len() > MAX_ROWS {
        e.push(file, format!("has {} rows, more than the {MAX_ROWS} a matrix may have; fix: split it by track or category", rows.len()));
        return Err(e);
    }
    let (mut name_col, mut cat_col, mut level_cols) = (None, None, Vec::<(usize, String)>::new());
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        let role = mapping.role(h).or_else(|| header_role(h));
        let level = |h: &str| existing.and_then(|t| t.levels.iter().find(|l| names_level(h, l)));
        match role {
            Some(Role::Competency) if name_col.is_none() => name_col = Some(i),
            Some(Role::Category) if cat_col.is_none() => cat_col = Some(i),
            Some(Role::Description | Role::Ignore) => ignored.push(i),
            Some(Role::Competency | Role::Category) => {
                e.push(at(header_line), format!("column {}: a second '{h}' column; fix: rename one, or map it to ignore", i + 1));
            }
            Some(Role::Level) | None => {
                if let Some(t) = existing
                    && level(h).is_none()
                {
                    e.push(
                        at(header_line),
                        format!(
                            "column {}: '{h}' is not a level of track '{}'; fix: use a level key or title ({}), or map the column to ignore",
                            i + 1,
                            t.key,
                            t.levels.iter().map(|l| l.title.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                } else if level_cols.iter().any(|(_, k)| identity(k) == identity(h) || level(h).is_some_and(|l| names_level(k, l))) {
                    e.push(at(header_line), format!("column {}: repeats level '{h}'; fix: remove one of the two columns", i + 1));
                } else {
                    level_cols.push((i, h.to_string()));
                }
            }
        }
    }
    for &i in &ignored {
        let h = header[i].trim();
        let filled = rows.iter().filter(|(_, c)| c.get(i).is_some_and(|c| !c.trim().is_empty())).count();
        let what = match (h.is_empty(), mapping.role(h)) {
            (_, Some(r)) => format!("column {} '{h}' is mapped to {}", i + 1, if r == Role::Ignore { "ignore" } else { "description" }),
            (true, None) => format!("column {} has no header", i + 1),
            (false, None) => format!("column {} '{h}' is descriptive", i + 1),
        };
        tolerated.push(format!("{}: {what}; ignored ({filled} cells with text)", at(header_line)));
    }
    let Some(name_col) = name_col else {
        e.push(at(header_line), "no 'Competency' column; fix: name the column of competency names 'Competency', or map it");
        return Err(e);
    };
    if level_cols.is_empty() {
        e.push(at(header_line), "no level columns; fix: add a column per level, headed by its key or title");
    }
    let width = header.len();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut entries = Vec::new();
    let (mut category, mut inherited, mut html, mut trailing) = (None, 0, false, 0);
    for (line, cells) in &rows {
        let line = *line;
        if cells.len() > width && cells[width..].iter().all(|c| c.trim().is_empty()) {
            trailing += 1;
        } else if cells.len() != width {
            e.push(at(line), format!("ragged row: {} cells where the header has {width}; fix: give every row one cell per column", cells.len()));
            continue;
        }
        let (name, h) = clean_cell(&cells[name_col]);
        html |= h;
        if name.is_empty() {
            e.push(at(line), "competency name is blank; fix: name the competency or delete the row");
            continue;
        }
        if let Some(first) = seen.insert(identity(&name), line) {
            e.push(
                at(line),
                format!("duplicate competency '{name}' (first on line {first}; names are compared ignoring case and spacing); fix: merge the two rows"),
            );
            continue;
        }
        if let Some(c) = cat_col {
            let (cat, _) = clean_cell(&cells[c]);
            if cat.is_empty() {
                inherited += usize::from(category.is_some());
            } else {
                category = Some(cat);
            }
        }
        let mut any = false;
        for (level, (col, _)) in level_cols.iter().enumerate() {
            let (cell, h) = clean_cell(&cells[*col]);
            html |= h;
            any |= !cell.is_empty();
            entries.push(Entry { name: name.clone(), category: category.clone(), level: Some(level), text: cell, line });
        }
        if !any {
            entries.push(Entry { name: name.clone(), category: category.clone(), level: None, text: String::new(), line });
        }
    }
    e.into_result()?;
    if inherited > 0 {
        tolerated.push(format!("{file}: {inherited} rows took their category from the row above"));
    }
    if trailing > 0 {
        tolerated.push(format!("{file}: {trailing} rows had blank cells past the last column"));
    }
    if html {
        tolerated.push(format!("{file}: HTML tags in cells were stripped"));
    }
    let levels = level_cols.into_iter().map(|(_, label)| LevelLabel { label, line: header_line }).collect();
    let name = match (existing, track) {
        (Some(t), _) => t.name.clone(),
        (None, Some(k)) => k.to_string(),
        (None, None) => file_stem(file),
    };
    Ok(Ladder { file: file.into(), track: Some((name, header_line)), levels, entries, tolerated })
}

/// `engineering-ladder.csv` → `engineering-ladder`.
fn file_stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
}
