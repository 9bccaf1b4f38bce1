//! Which reader a framework file needs: by its extension, else by its first lines
//! (or, for bytes, a spreadsheet's container).

use serde::Deserialize;

/// The kinds of framework file Rungs imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A whole framework (docs/FRAMEWORKS.md).
    Yaml,
    /// A CSV competency matrix for one track.
    Matrix,
    /// A Markdown career ladder.
    Markdown,
    /// A spreadsheet (XLSX, ODS, XLS): one sheet read as a matrix.
    Spreadsheet,
}

impl Format {
    /// `yaml`, `csv`/`tsv`/`matrix`, `md`/`markdown`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "csv" | "tsv" | "tab" | "matrix" => Some(Format::Matrix),
            "md" | "markdown" => Some(Format::Markdown),
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "spreadsheet" => Some(Format::Spreadsheet),
            _ => None,
        }
    }

    /// [`Format::detect`] for a file as bytes: a spreadsheet by its first bytes (a ZIP
    /// or OLE container) or its extension, anything else by its text.
    pub fn detect_bytes(file: &str, bytes: &[u8]) -> Format {
        if super::sheet::is_spreadsheet(bytes) {
            return Format::Spreadsheet;
        }
        Format::detect(file, &String::from_utf8_lossy(bytes))
    }

    /// By the file's extension when it has a known one, else by its content: a
    /// `tracks:` or `competencies:` key is YAML, front matter with `topics:`, a `#`
    /// heading or `|` table row is Markdown, a first line split by commas, semicolons
    /// or TABs is CSV, anything else Markdown.
    pub fn detect(file: &str, text: &str) -> Format {
        if let Some(f) = file.rsplit_once('.').and_then(|(_, ext)| Format::parse(ext)) {
            return f;
        }
        let text = text.trim_start_matches('\u{feff}');
        let lines = || text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty());
        if lines().any(|l| l.starts_with("tracks:") || l.starts_with("competencies:")) {
            return Format::Yaml;
        }
        if lines().any(|l| l.starts_with('#') || l.starts_with('|') || l.starts_with("topics:")) {
            return Format::Markdown;
        }
        match lines().next() {
            Some(first) if first.contains([',', ';', '\t']) => Format::Matrix,
            _ => Format::Markdown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Format::{self, *};

    #[test]
    fn the_extension_decides_then_the_content() {
        let cases = [
            ("a.YML", "x", Yaml),
            ("a.csv", "# not markdown", Matrix),
            ("ladder.markdown", "tracks:", Markdown),
            ("pasted", "\u{feff}tracks:\n  - key: a", Yaml),
            ("pasted", "# Engineering\n## L1", Markdown),
            ("pasted", "| Competency | L1 |", Markdown),
            ("pasted", "Competency,L1,L2\nA,x,y", Matrix),
            ("notes.txt", "Competency L1", Markdown),
            ("ladder.tsv", "Competency\tL1\nA\tx", Matrix),
            ("pasted", "Category;Competency;L1\nA;b;c", Matrix),
            ("pasted", "Competency\tL1\nA\tx", Matrix),
            ("ladder.txt", "---\nlevels: 3\ntopics:\n  - name: A\n---\n", Markdown),
        ];
        for (file, text, want) in cases {
            assert_eq!(Format::detect(file, text), want, "{file}: {text:?}");
        }
        assert_eq!(Format::parse(" Markdown "), Some(Markdown));
        assert_eq!(Format::parse("xml"), None);
        assert_eq!(Format::parse("XLSX"), Some(Spreadsheet));
        assert_eq!(Format::detect_bytes("ladder", b"PK\x03\x04..."), Spreadsheet);
        assert_eq!(Format::detect_bytes("ladder.ods", b"Competency,L1\nA,x"), Spreadsheet);
        assert_eq!(Format::detect_bytes("ladder.txt", b"Competency,L1\nA,x"), Matrix);
    }
}
