//! Copy: counts in templates go through the one pluralisation helper (the `count`
//! and `plural` filters over `rungs_core::text`), so "1 points" cannot be written.

#[test]
fn no_template_writes_a_count_with_a_fixed_plural() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let nouns = ["points", "places", "people", "wins", "reports", "days", "applications", "rows", "were", "are"];
    let mut bad = vec![];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            // `{{ n }} points` with no `{% if n == 1 %}` choice on the same line.
            for noun in nouns {
                for (at, _) in line.match_indices(&format!("}} {noun}")) {
                    let before = &line[..at];
                    let expr = before.rsplit("{{").next().unwrap_or_default();
                    if !expr.contains('|') && !line.contains("== 1") && !line.contains("!= 1") {
                        bad.push(format!("{}:{}: {}", path.file_name().unwrap().to_string_lossy(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "counts written without the plural helper:\n{}", bad.join("\n"));
}
