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
use super::ladder::{self, Entry, Ladder, LevelLabel, Role, SheetColumns, names_level, strip_html as clean_cell};
use super::sheet::{cell_ref, column_name};
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
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// Each row with its line (a sheet's row number), cells from column A.
    pub rows: Vec<(usize, Vec<String>)>,
    pub tolerated: Vec<String>,
    /// The sheet the rows come from: places are then `sheet!cell` references.
    pub sheet: Option<String>,
    /// Merged regions of the sheet.
    pub merged: Vec<Merge>,
}

/// A merged region of a sheet: rows 1-based as lines are, columns 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: usize,
    pub last_row: usize,
    pub first_col: usize,
    pub last_col: usize,
}

/// Most rows looked at for the header when a title sits above the table.
const HEADER_SEARCH: usize = 10;

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
    (Grid { rows: recs.into_iter().map(|r| (r.line, r.cells)).collect(), tolerated, ..Grid::default() }, e)
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
    let Grid { rows, mut tolerated, sheet, merged } = grid;
    // A place: a line of a CSV file, or a cell of a sheet.
    let cell = |line: usize, col: usize| match &sheet {
        Some(s) => format!("{file}:{}", cell_ref(s, line, col)),
        None => format!("{file}:{line}"),
    };
    let existing = track.and_then(|k| fw.track(k).or_else(|| fw.tracks.iter().find(|t| identity(&t.name) == identity(k))));
    let mut rows: Vec<(usize, Vec<String>)> = rows
        .into_iter()
        .filter(|(line, cells)| {
            let blank = cells.iter().all(|c| c.trim().is_empty());
            if blank {
                tolerated.push(format!("{}: blank {} skipped", cell(*line, 0), if sheet.is_some() { "row" } else { "line" }));
            }
            !blank
        })
        .collect();
    // The header is the first row with a competency column (a title or a group row may
    // sit above the table), else the first row.
    let names_competency = |cells: &[String]| cells.iter().any(|h| mapping.role(h.trim()).or_else(|| header_role(h.trim())) == Some(Role::Competency));
    let h = rows.iter().take(HEADER_SEARCH).position(|(_, c)| names_competency(c)).unwrap_or(0);
    for (line, cells) in &rows[..h] {
        let first = cells.iter().position(|c| !c.trim().is_empty()).unwrap_or(0);
        let text: Vec<&str> = cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
        let text: String = text.join(" | ").chars().take(80).collect();
        tolerated.push(format!("{}: a row above the table skipped ('{text}')", cell(*line, first)));
    }
    let mut rows = rows.split_off(h);
    if rows.is_empty() {
        e.push(file, "is empty: expected a header row (Competency, then a column per level)");
        return Err(e);
    }
    let (header_line, header) = rows.remove(0);
    fill_merged(&mut rows, &merged, header_line, &mut tolerated, cell);
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
                e.push(cell(header_line, i), format!("column {}: a second '{h}' column; fix: rename one, or map it to ignore", i + 1));
            }
            Some(Role::Level) | None => {
                if let Some(t) = existing
                    && level(h).is_none()
                {
                    e.push(
                        cell(header_line, i),
                        format!(
                            "column {}: '{h}' is not a level of track '{}'; fix: use a level key or title ({}), or map the column to ignore",
                            i + 1,
                            t.key,
                            t.levels.iter().map(|l| l.title.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                } else if level_cols.iter().any(|(_, k)| identity(k) == identity(h) || level(h).is_some_and(|l| names_level(k, l))) {
                    e.push(cell(header_line, i), format!("column {}: repeats level '{h}'; fix: remove one of the two columns", i + 1));
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
        tolerated.push(format!("{}: {what}; ignored ({filled} cells with text)", cell(header_line, i)));
    }
    let Some(name_col) = name_col else {
        e.push(cell(header_line, 0), "no 'Competency' column; fix: name the column of competency names 'Competency', or map it");
        return Err(e);
    };
    // A row's place: its line, or its competency name's cell.
    let at = |line: usize| cell(line, name_col);
    if level_cols.is_empty() {
        e.push(cell(header_line, 0), "no level columns; fix: add a column per level, headed by its key or title");
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
    let level_col_numbers: Vec<usize> = level_cols.iter().map(|(col, _)| *col).collect();
    let levels = level_cols.into_iter().map(|(_, label)| LevelLabel { label, line: header_line }).collect();
    let name = match (existing, track) {
        (Some(t), _) => t.name.clone(),
        (None, Some(k)) => k.to_string(),
        (None, None) => sheet.as_deref().filter(|s| !default_sheet_name(s)).map_or_else(|| file_stem(file), str::to_string),
    };
    Ok(Ladder {
        file: file.into(),
        track: Some((name, header_line)),
        levels,
        entries,
        tolerated,
        sheet: sheet.map(|sheet| SheetColumns { sheet, name: name_col, levels: level_col_numbers }),
    })
}

/// Read each merged region below the header into every cell it covers: a category
/// merged down over its rows belongs to each, an expectation merged across two levels
/// holds at both. Merges in and above the header keep their first cell only (a title
/// or a group heading over the level columns).
fn fill_merged(rows: &mut [(usize, Vec<String>)], merged: &[Merge], header_line: usize, tolerated: &mut Vec<String>, cell: impl Fn(usize, usize) -> String) {
    if merged.is_empty() {
        return;
    }
    let pos: HashMap<usize, usize> = rows.iter().enumerate().map(|(i, (line, _))| (*line, i)).collect();
    let mut merged = merged.to_vec();
    merged.sort_by_key(|m| (m.first_row, m.first_col));
    for m in merged.iter().filter(|m| m.first_row > header_line) {
        let Some(text) = pos.get(&m.first_row).and_then(|&r| rows[r].1.get(m.first_col)).filter(|t| !t.trim().is_empty()).cloned() else {
            continue;
        };
        let mut filled = 0;
        for line in m.first_row..=m.last_row {
            let Some(&r) = pos.get(&line) else { continue };
            for col in m.first_col..=m.last_col {
                if let Some(c) = rows[r].1.get_mut(col)
                    && (line, col) != (m.first_row, m.first_col)
                    && c.trim().is_empty()
                {
                    c.clone_from(&text);
                    filled += 1;
                }
            }
        }
        if filled > 0 {
            let short: String = text.chars().take(40).collect();
            let first = cell(m.first_row, m.first_col);
            let range = format!("{}{}:{}{}", column_name(m.first_col), m.first_row, column_name(m.last_col), m.last_row);
            tolerated.push(format!("{first}: merged cells {range} hold '{short}': read into each of the {} cells", filled + 1));
        }
    }
}

/// Whether a sheet keeps the name its app gave it (`Sheet1`, `Tabelle1`, `Feuil1`…),
/// which names no track.
fn default_sheet_name(name: &str) -> bool {
    let word = name.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
    word.len() < name.len() && ["sheet", "tabelle", "feuil", "hoja", "blad", "foglio", "planilha", "arkusz", "tabell"].contains(&word.to_lowercase().as_str())
}

/// `engineering-ladder.csv` → `engineering-ladder`.
fn file_stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
}
