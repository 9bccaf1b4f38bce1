//! Cells bound for spreadsheets. A CSV cell that begins with `=`, `+`, `-` or `@`
//! (or a tab, carriage return or line feed before one) is read by Excel, LibreOffice
//! and Google Sheets as a formula, so a name like `=HYPERLINK("https://evil",
//! "click")` typed into people data would run when someone opens the export. Every
//! CSV Rungs writes passes each cell through [`csv_cell`] (the OWASP "CSV injection"
//! rule: prefix such a cell with `'`, which spreadsheets show as text).

use std::borrow::Cow;

/// `value` made safe to open in a spreadsheet: unchanged unless its first character
/// starts a formula, then prefixed with `'`. Quoting the cell (commas, quotes,
/// newlines) stays the CSV writer's job.
pub fn csv_cell(value: &str) -> Cow<'_, str> {
    // The full-width forms too: some spreadsheets fold them to the ASCII ones.
    const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];
    match value.chars().next() {
        Some(c) if TRIGGERS.contains(&c) => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// A whole record through [`csv_cell`], for `csv::Writer::write_record`.
pub fn csv_record<'a, I: IntoIterator<Item = &'a str>>(cells: I) -> Vec<String> {
    cells.into_iter().map(|c| csv_cell(c).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_everything_else_is_untouched() {
        for (given, want) in [
            ("=HYPERLINK(\"https://evil.example\",\"x\")", "'=HYPERLINK(\"https://evil.example\",\"x\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("\n=1", "'\n=1"),
            ("＝1+1", "'＝1+1"),
            ("Ada Lovelace", "Ada Lovelace"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(given), want, "{given:?}");
        }
        assert!(matches!(csv_cell("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_record_written_with_the_csv_crate_opens_as_text() {
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(csv_record(["Ada", "=1+1", "-x, \"quoted\""])).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "Ada,'=1+1,\"'-x, \"\"quoted\"\"\"\n");
        let back: Vec<String> =
            csv::Reader::from_reader(format!("h1,h2,h3\n{out}").as_bytes()).records().next().unwrap().unwrap().iter().map(String::from).collect();
        assert_eq!(back, ["Ada", "'=1+1", "'-x, \"quoted\""]);
    }
}
