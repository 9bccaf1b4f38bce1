//! Spreadsheets (XLSX as Excel and Google Sheets save it, ODS as LibreOffice saves it,
//! and the older XLS/XLSB that `calamine` also reads) turned into the same [`Grid`] a
//! CSV matrix becomes, so one reader ([`super::matrix::read_grid`]) serves both.
//!
//! One sheet is read: the first, or the one named. Each cell becomes its text as a
//! person sees it: numbers without a spurious `.0` (`2`, `4.5`), dates as
//! `YYYY-MM-DD` (with `HH:MM` when they carry a time), booleans as `TRUE`/`FALSE`.
//! A cell holding a formula error (`#REF!`, `#N/A`, …) is a defect. Merged regions
//! are passed on so the matrix reader can read a merged cell into each cell it
//! covers below the header (XLSX and XLS report them; calamine reads an ODS or XLSB
//! merge as its first cell only). Every place is a `sheet!cell` reference.

use std::io::Cursor;

use calamine::{Data, Reader, Sheets, open_workbook_auto_from_rs};

use super::Framework;
use super::drift::{Confirmations, identity};
use super::ladder::{Mapping, MatrixPreview};
use super::matrix::{Grid, Merge};
use crate::ValidationError;

/// Most columns a sheet may use: a ladder has a handful of levels and a few
/// descriptive columns; a sheet wider than this is not a ladder.
pub const MAX_COLUMNS: usize = 100;

/// Most cells noted one by one as "read as text" (numbers, dates); the rest counted.
const MAX_NOTED: usize = 20;

/// Whether `bytes` look like a spreadsheet rather than text: a ZIP container (XLSX,
/// ODS) or an OLE compound file (XLS).
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Column letters of a 0-based index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_name(col: usize) -> String {
    let mut n = col + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + u8::try_from(r).unwrap_or(0));
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A sheet name as a reference writes it: quoted when it holds anything but letters,
/// digits and `_` (`'Career ladder'!A1`).
pub fn sheet_ref(sheet: &str) -> String {
    if !sheet.is_empty() && sheet.chars().all(|c| c.is_alphanumeric() || c == '_') { sheet.to_string() } else { format!("'{}'", sheet.replace('\'', "''")) }
}

/// `Sheet!C4` for 1-based `row`, 0-based `col`.
pub fn cell_ref(sheet: &str, row: usize, col: usize) -> String {
    format!("{}!{}{row}", sheet_ref(sheet), column_name(col))
}

/// A spreadsheet serial date (days since 1899-12-30, the 1900 date system) as text.
fn serial_date(days: f64) -> Option<String> {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    if !days.is_finite() || !(0.0..3_000_000.0).contains(&days) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let whole = days.floor() as i64;
    let date = base.checked_add_signed(chrono::TimeDelta::days(whole))?;
    #[allow(clippy::cast_possible_truncation)]
    let minutes = ((days - days.floor()) * 1440.0).round() as i64;
    Some(if minutes == 0 || minutes == 1440 { date.to_string() } else { format!("{date} {:02}:{:02}", minutes / 60, minutes % 60) })
}

/// A number as a person reads it: `2`, not `2.0`; `4.5` as written.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        i.to_string()
    } else {
        f.to_string()
    }
}

/// What a cell holds once read: its text, and what kind of value it was when that is
/// worth saying.
enum Cell {
    Text(String),
    Converted(String, &'static str),
    Error(String),
}

fn cell_text(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Text(String::new()),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Converted(i.to_string(), "a number"),
        Data::Float(f) => Cell::Converted(number(*f), "a number"),
        Data::Bool(b) => Cell::Converted(if *b { "TRUE" } else { "FALSE" }.into(), "a true/false value"),
        Data::DateTime(dt) if dt.is_datetime() => match serial_date(dt.as_f64()) {
            Some(s) => Cell::Converted(s, "a date"),
            None => Cell::Converted(number(dt.as_f64()), "a number"),
        },
        Data::DateTime(dt) => Cell::Converted(number(dt.as_f64()), "a duration in days"),
        Data::DateTimeIso(s) => Cell::Converted(s.trim_end_matches("T00:00:00").replace('T', " "), "a date"),
        Data::DurationIso(s) => Cell::Converted(s.clone(), "a duration"),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// The sheet names of a workbook, in order.
pub fn sheet_names(file: &str, bytes: &[u8]) -> Result<Vec<String>, ValidationError> {
    Ok(open(file, bytes)?.sheet_names())
}

fn open<'a>(file: &str, bytes: &'a [u8]) -> Result<Sheets<Cursor<&'a [u8]>>, ValidationError> {
    open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        ValidationError::single(
            file,
            format!("is not a spreadsheet that can be read (XLSX, ODS or XLS): {e}; fix: save it again from the spreadsheet app as .xlsx or .ods, or export the sheet as CSV"),
        )
    })
}

/// Read one sheet of a workbook — `sheet` by name (case and spacing ignored), else the
/// first — as a [`Grid`]. Every defect (formula errors in cells, a sheet too wide, an
/// unknown sheet) is reported at once, by `file:sheet!cell`.
pub fn read(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Grid, ValidationError> {
    let (grid, e) = read_sheet(file, bytes, sheet)?;
    e.into_result().map(|()| grid)
}

/// Read a sheet as a matrix for `track` (created when new; default: the sheet's name,
/// unless it is the app's `Sheet1`, else the file's) and apply it to a copy of `fw`
/// like a CSV matrix ([`super::matrix::import_mapped`]). Defects in the cells and in
/// the table are reported together.
pub fn import(
    fw: &Framework,
    track: Option<&str>,
    file: &str,
    bytes: &[u8],
    sheet: Option<&str>,
    mapping: &Mapping,
    confirm: &Confirmations,
) -> Result<(Framework, MatrixPreview), ValidationError> {
    let (grid, e) = read_sheet(file, bytes, sheet)?;
    let ladder = super::matrix::read_grid(fw, track, file, grid, mapping, e)?;
    super::ladder::apply(fw, track, ladder, confirm)
}

/// The grid and the defects in its cells; `Err` when there is no grid to read on.
fn read_sheet(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<(Grid, ValidationError), ValidationError> {
    let mut wb = open(file, bytes)?;
    let names = wb.sheet_names();
    let wanted = sheet.map(str::trim).filter(|s| !s.is_empty());
    let name = match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w || identity(n) == identity(w))
            .cloned()
            .ok_or_else(|| ValidationError::single("sheet", format!("'{w}' is not a sheet of {file}; its sheets are: {}", names.join(", "))))?,
        None => names.first().cloned().ok_or_else(|| ValidationError::single(file, "has no sheets"))?,
    };
    let mut tolerated = Vec::new();
    let others: Vec<&str> = names.iter().filter(|n| **n != name).map(String::as_str).collect();
    if !others.is_empty() {
        tolerated.push(format!(
            "{file}: read sheet '{name}'{}; the workbook's other sheets ({}) were not read (choose one with sheet)",
            if wanted.is_some() { "" } else { ", the first" },
            others.join(", ")
        ));
    }
    let range = wb.worksheet_range(&name).map_err(|e| ValidationError::single(file, format!("sheet '{name}' cannot be read: {e}")))?;
    let merged = match &mut wb {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        Sheets::Xlsb(_) | Sheets::Ods(_) => Vec::new(),
    };
    let mut e = ValidationError::new();
    let Some((row0, col0)) = range.start() else {
        return Ok((Grid { rows: Vec::new(), tolerated, sheet: Some(name), merged: Vec::new() }, ValidationError::new()));
    };
    let (row0, col0) = (row0 as usize, col0 as usize);
    let mut rows = Vec::new();
    let mut noted = 0usize;
    let mut width = 0usize;
    for (r, row) in range.rows().enumerate() {
        let line = row0 + r + 1;
        let mut cells = vec![String::new(); col0];
        for (c, d) in row.iter().enumerate() {
            let col = col0 + c;
            let at = || format!("{file}:{}", cell_ref(&name, line, col));
            match cell_text(d) {
                Cell::Text(s) => cells.push(s),
                Cell::Converted(s, kind) => {
                    noted += 1;
                    if noted <= MAX_NOTED {
                        tolerated.push(format!("{}: {kind}, read as the text '{s}'", at()));
                    }
                    cells.push(s);
                }
                Cell::Error(err) => {
                    e.push(at(), format!("the cell holds the formula error {err}; fix: correct the formula, or type the text the cell should say"));
                    cells.push(String::new());
                }
            }
        }
        while cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        width = width.max(cells.len());
        rows.push((line, cells));
    }
    if noted > MAX_NOTED {
        tolerated.push(format!("{file}: {} more cells with numbers or dates were read as text", noted - MAX_NOTED));
    }
    if width > MAX_COLUMNS {
        e.push(
            format!("{file}:{}", sheet_ref(&name)),
            format!("uses {width} columns, more than the {MAX_COLUMNS} a ladder sheet may have; fix: delete the columns that are not the ladder"),
        );
        return Err(e);
    }
    for (_, cells) in &mut rows {
        cells.resize(width, String::new());
    }
    let merged = merged
        .into_iter()
        .map(|d| Merge { first_row: d.start.0 as usize + 1, last_row: d.end.0 as usize + 1, first_col: d.start.1 as usize, last_col: d.end.1 as usize })
        .filter(|m| m.first_col < width)
        .collect();
    Ok((Grid { rows, tolerated, sheet: Some(name), merged }, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_written_as_spreadsheets_write_them() {
        let cols: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_name).collect();
        assert_eq!(cols, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
        assert_eq!(cell_ref("Ladder", 4, 2), "Ladder!C4");
        assert_eq!(cell_ref("Career ladder", 1, 0), "'Career ladder'!A1");
        assert_eq!(cell_ref("Bob's", 1, 0), "'Bob''s'!A1");
    }

    #[test]
    fn numbers_and_dates_read_as_a_person_reads_them() {
        assert_eq!(number(2.0), "2");
        assert_eq!(number(4.5), "4.5");
        assert_eq!(number(-0.25), "-0.25");
        assert_eq!(serial_date(46112.0).as_deref(), Some("2026-03-31"));
        assert_eq!(serial_date(46112.5).as_deref(), Some("2026-03-31 12:00"));
        assert_eq!(serial_date(f64::NAN), None);
    }

    #[test]
    fn text_is_not_a_spreadsheet() {
        assert!(!is_spreadsheet(b"Competency,L1\n"));
        assert!(is_spreadsheet(b"PK\x03\x04rest"));
        let e = read("x.xlsx", b"PK\x03\x04 not really a zip", None).unwrap_err();
        assert_eq!(e.errors[0].field, "x.xlsx");
        assert!(e.errors[0].reason.contains("save it again"), "{e:?}");
    }
}
