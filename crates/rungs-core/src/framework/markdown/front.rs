//! Ladders whose content lives in YAML front matter rather than in the Markdown body,
//! a shape several published frameworks use:
//!
//! ```yaml
//! ---
//! title: Backend Engineering
//! levels: 6            # or a list: [1, 2, "Senior"] or [{name: L1}, …]
//! topics:
//!   - name: Technical skills
//!     category: Craft    # optional
//!     content:
//!       - level: 1
//!         criteria: ["Writes tests", "Ships small changes"]
//!         examples: ["…"]  # optional, kept after the criteria
//! ---
//! ```
//!
//! Numbered levels are labelled `Level N`. Keys the reader does not use (`pageTitle`,
//! `sidebarGroup`, a topic's `title` when it has a `name`) are listed as ignored.

use serde_json::Value;

use super::super::ladder::{Entry, Ladder, LevelLabel};
use crate::ValidationError;

/// The front matter of `text` (lines 2.. up to the closing `---`), and the line after it.
pub(super) fn front_matter(text: &str) -> Option<(Vec<&str>, usize)> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    if lines.next()?.trim() != "---" {
        return None;
    }
    let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "---" && l.trim() != "...").collect();
    Some((body.clone(), body.len() + 2))
}

fn label(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(format!("Level {n}")),
        Value::String(s) if s.trim().chars().all(|c| c.is_ascii_digit()) && !s.trim().is_empty() => Some(format!("Level {}", s.trim())),
        Value::String(s) => Some(s.trim().to_string()),
        Value::Object(m) => ["name", "title", "key", "level"].iter().find_map(|k| m.get(*k)).and_then(label),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(|s| s.trim().to_string()).or_else(|| x.is_number().then(|| x.to_string()))).collect(),
        Some(Value::String(s)) => vec![s.trim().to_string()],
        _ => Vec::new(),
    }
}

/// Read a front-matter ladder, or `None` when the front matter holds no `topics`.
pub(super) fn read(file: &str, text: &str) -> Option<Result<Ladder, ValidationError>> {
    let (body, _) = front_matter(text)?;
    let yaml = body.join("\n");
    let value: Value = serde_norway::from_str(&yaml).ok()?;
    let topics = value.get("topics")?.as_array()?;
    let mut e = ValidationError::new();
    // The line a string first appears on, counting the opening `---` as line 1.
    let line_of =
        |needle: &str, from: usize| body.iter().enumerate().skip(from.saturating_sub(2)).find(|(_, l)| l.contains(needle)).map_or(from.max(1), |(i, _)| i + 2);
    let levels_line = line_of("levels:", 1);
    let mut levels: Vec<LevelLabel> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut level_of = |l: String, line: usize, levels: &mut Vec<LevelLabel>| {
        *index.entry(l.to_lowercase()).or_insert_with(|| {
            levels.push(LevelLabel { label: l, line });
            levels.len() - 1
        })
    };
    match value.get("levels") {
        Some(Value::Number(n)) => {
            for k in 1..=n.as_u64().unwrap_or(0).min(64) {
                level_of(format!("Level {k}"), levels_line, &mut levels);
            }
        }
        Some(Value::Array(a)) => {
            for v in a {
                match label(v) {
                    Some(l) => {
                        level_of(l, levels_line, &mut levels);
                    }
                    None => e.push(format!("{file}:{levels_line}"), "a level is neither a number nor a name; fix: write levels as numbers or names"),
                }
            }
        }
        _ => {}
    }
    let track = ["title", "pageTitle", "sidebarTitle", "track", "name"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .map(|t| (t.trim().to_string(), line_of(t.trim(), 1)));
    let mut entries = Vec::new();
    let mut tolerated = vec![format!("{file}:1: the ladder was read from the front matter (lines 1–{})", body.len() + 2)];
    let mut from = 1;
    for (i, t) in topics.iter().enumerate() {
        let name = t.get("name").or_else(|| t.get("title")).and_then(Value::as_str).map_or("", str::trim);
        let line = if name.is_empty() { from } else { line_of(name, from) };
        from = line;
        if name.is_empty() {
            e.push(format!("{file}:{line}"), format!("topic {} has no name; fix: give it `name:`", i + 1));
            continue;
        }
        let category = t.get("category").and_then(Value::as_str).map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        let Some(content) = t.get("content").and_then(Value::as_array) else {
            tolerated.push(format!("{file}:{line}: topic '{name}' has no content; nothing expected of it"));
            continue;
        };
        for c in content {
            let Some(l) = c.get("level").and_then(label) else {
                e.push(format!("{file}:{line}"), format!("an entry of '{name}' has no level; fix: give it `level:`"));
                continue;
            };
            let level = level_of(l, line, &mut levels);
            let mut text = strings(c.get("criteria")).join("\n");
            let examples = strings(c.get("examples"));
            if !examples.is_empty() {
                text = format!("{text}\nExamples: {}", examples.join("; ")).trim().to_string();
            }
            entries.push(Entry { name: name.to_string(), category: category.clone(), level: Some(level), text, line });
        }
    }
    if entries.iter().all(|en| en.text.is_empty()) && e.is_empty() {
        e.push(file, "the front matter's topics have no criteria; fix: give each topic's content `criteria:`");
    }
    if !e.is_empty() {
        return Some(Err(e));
    }
    if let Some(k) = text.split('\n').skip(body.len() + 2).position(|l| !l.trim().is_empty()) {
        tolerated.push(format!("{file}:{}: the Markdown after the front matter was not imported", body.len() + 3 + k));
    }
    Some(Ok(Ladder { file: file.into(), track, levels, entries, tolerated, sheet: None }))
}
