//! A CSV reader that keeps line numbers and reports every defect: the delimiter is
//! sniffed from the first record (comma, semicolon or TAB, whichever splits it most),
//! quotes are RFC 4180, and an unclosed quote is reported where it opened, after which
//! reading resumes on the next line so the defects below it are reported too.

use crate::ValidationError;

/// A record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// The delimiter that splits the first non-blank line (outside quotes) into the most
/// cells: `,`, `;` or TAB (a tie goes to the comma).
pub fn sniff(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    if counts[best] == 0 { ',' } else { [',', ';', '\t'][best] }
}

/// The name of a delimiter in messages.
pub fn delimiter_name(d: char) -> &'static str {
    match d {
        ';' => "semicolon",
        '\t' => "TAB",
        _ => "comma",
    }
}

/// Split `text` into records. Every defect is collected with its `file:line`; the
/// records read around them are returned too.
pub fn records(file: &str, text: &str, delim: char) -> (Vec<Record>, ValidationError) {
    let mut e = ValidationError::new();
    let mut out = Vec::new();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut from = 0usize;
    while from < lines.len() {
        match read_from(file, &lines[from..], from, delim, &mut out, &mut e) {
            Some(open) => {
                e.push(
                    format!("{file}:{}", open + 1),
                    "unclosed quote: this quoted cell never ends; fix: close it with \" (a quote inside a quoted cell is written \"\")",
                );
                // Drop the record that opened the quote and read on from the next line.
                out.retain(|r: &Record| r.line <= open);
                from = open + 1;
            }
            None => break,
        }
    }
    (out, e)
}

/// Read `lines` (the first is line `base + 1`); returns the 0-based line of an
/// unclosed quote, if one swallows the rest.
fn read_from(file: &str, lines: &[&str], base: usize, delim: char, out: &mut Vec<Record>, e: &mut ValidationError) -> Option<usize> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted_at: Option<usize> = None;
    let mut after_quote = false;
    let mut start = base;
    let mut reported_line = usize::MAX;
    for (k, raw) in lines.iter().enumerate() {
        let line = base + k;
        let mut chars = raw.chars().peekable();
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
                    '\r' => {}
                    _ => cell.push(c),
                }
                continue;
            }
            match c {
                _ if c == delim => {
                    cells.push(std::mem::take(&mut cell));
                    after_quote = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' | '\r' => {
                    cells.push(std::mem::take(&mut cell));
                    out.push(Record { line: start + 1, cells: std::mem::take(&mut cells) });
                    start = line + 1;
                    after_quote = false;
                }
                '"' if cell.trim().is_empty() && !after_quote => {
                    cell.clear();
                    quoted_at = Some(line);
                }
                _ if after_quote && !c.is_whitespace() => {
                    if reported_line != line {
                        reported_line = line;
                        e.push(format!("{file}:{}", line + 1), "text after a closing quote; fix: quote the whole cell and double any quote inside it (\"\")");
                    }
                    cell.push(c);
                }
                _ if after_quote => {}
                _ => cell.push(c),
            }
        }
    }
    if let Some(open) = quoted_at {
        return Some(open);
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        out.push(Record { line: start + 1, cells });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_sniffed_from_the_first_record() {
        assert_eq!(sniff("Category;Competency;L1\nA;b;c"), ';');
        assert_eq!(sniff("\n\nCompetency\tL1\tL2\n"), '\t');
        assert_eq!(sniff("Competency,L1,\"a;b;c;d\""), ',');
        assert_eq!(sniff("Competency"), ',');
    }

    #[test]
    fn an_unclosed_quote_is_reported_and_reading_goes_on() {
        let (rows, e) = records("m.csv", "a,b\n\"D\"z,y\nB,\"never closed,y\nC,x\n", ',');
        let lines: Vec<_> = rows.iter().map(|r| (r.line, r.cells[0].as_str())).collect();
        assert_eq!(lines, [(1, "a"), (2, "Dz"), (4, "C")]);
        let at: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(at, ["m.csv:2", "m.csv:3"], "{e:?}");
    }
}
