//! The framework as YAML: the format people write by hand (docs/FRAMEWORKS.md,
//! schema in docs/framework.schema.json). Same shape as the JSON API.
//!
//! Tolerated, and reported back: a byte-order mark, CRLF line ends, tabs in the
//! indentation (YAML forbids them; a tab is read as two spaces) and a TAB after a list
//! dash (read as a space). Unknown keys are refused, every one at once, each with its
//! line and the nearest known key. Anything else that is wrong is an error naming the
//! file and line, or the field.
//!
//! An import ([`merge`]) adds or updates the tracks and competencies the file names and
//! leaves every other track as it was.

use super::Framework;
use crate::ValidationError;

/// A framework read from YAML, with what was tolerated on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub framework: Framework,
    /// One line per tolerated quirk, e.g. `ladder.yaml:12: tab in indentation read as two spaces`.
    pub tolerated: Vec<String>,
}

/// Parse and validate a framework. `file` names the input in error messages.
pub fn from_yaml(file: &str, text: &str) -> Result<Parsed, ValidationError> {
    let mut tolerated = Vec::new();
    let text = super::strip_bom(file, text, &mut tolerated);
    if text.contains("\r\n") {
        tolerated.push(format!("{file}: CRLF line ends read as LF"));
    }
    let mut clean = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let (lead, rest) = line.split_at(indent);
        if lead.contains('\t') {
            tolerated.push(format!("{file}:{}: tab in indentation read as two spaces", i + 1));
            clean.push_str(&lead.replace('\t', "  "));
        } else {
            clean.push_str(lead);
        }
        match rest.strip_prefix('-').filter(|r| r.starts_with('\t')) {
            Some(after) => {
                tolerated.push(format!("{file}:{}: TAB after '-' read as a space", i + 1));
                clean.push_str("- ");
                clean.push_str(after.trim_start_matches(['\t', ' ']));
            }
            None => clean.push_str(rest),
        }
        clean.push('\n');
    }
    if clean.trim().is_empty() {
        return Err(ValidationError::single(file, "is empty"));
    }
    // Through a JSON value: YAML syntax errors keep their line, and enums read as the
    // one-key maps the JSON API uses (`criterion: {evidence: {...}}`) rather than YAML
    // tags, so the two formats have one shape.
    let value: serde_json::Value = serde_norway::from_str(&clean).map_err(|e| {
        let at = e.location().map_or_else(|| file.to_string(), |l| format!("{file}:{}", l.line()));
        let reason = e.to_string();
        ValidationError::single(at, reason.split(" at line ").next().unwrap_or(&reason).to_string())
    })?;
    unknown_keys(file, &clean, &value)?;
    let framework: Framework = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() { file.to_string() } else { format!("{file}.{path}") };
        ValidationError::single(field, e.into_inner().to_string())
    })?;
    framework.validate().map_err(|e| e.nested(file))?;
    Ok(Parsed { framework, tolerated })
}

/// Write a framework as YAML, with a header saying what it is.
pub fn to_yaml(fw: &Framework) -> String {
    let value = serde_json::to_value(fw).unwrap_or_default();
    let body = serde_norway::to_string(&value).unwrap_or_default();
    format!("# Rungs career framework (docs/FRAMEWORKS.md, schema docs/framework.schema.json)\n{body}")
}

const TOP: &[&str] = &["tracks", "competencies", "expectations", "milestones"];
const TRACK: &[&str] = &["key", "name", "levels"];
const LEVEL: &[&str] = &["key", "title"];
const COMPETENCY: &[&str] = &["key", "name", "category"];
const EXPECTATION: &[&str] = &["competency", "track", "level", "text", "criterion"];
const CRITERION: &[&str] = &["evidence", "milestone"];
const RULE: &[&str] = &["min_events", "categories", "within_months", "validated_only"];
const MILESTONE: &[&str] = &["key", "track", "to_level", "title", "competencies", "criterion"];

/// Refuse every key the schema does not have, each with its line and the nearest
/// known key (`colour` → `color`, `titel` → `title`).
fn unknown_keys(file: &str, text: &str, value: &serde_json::Value) -> Result<(), ValidationError> {
    use serde_json::Value;
    let mut found: Vec<(String, &'static [&'static str], String)> = Vec::new();
    let check = |path: String, v: &Value, known: &'static [&'static str], found: &mut Vec<(String, &'static [&'static str], String)>| {
        if let Value::Object(m) = v {
            for k in m.keys().filter(|k| !known.contains(&k.as_str())) {
                found.push((path.clone(), known, k.clone()));
            }
        }
    };
    let items = |v: &Value, key: &str| v.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    check(String::new(), value, TOP, &mut found);
    for (i, t) in items(value, "tracks").iter().enumerate() {
        check(format!("tracks[{i}]"), t, TRACK, &mut found);
        for (j, l) in items(t, "levels").iter().enumerate() {
            check(format!("tracks[{i}].levels[{j}]"), l, LEVEL, &mut found);
        }
    }
    for (i, c) in items(value, "competencies").iter().enumerate() {
        check(format!("competencies[{i}]"), c, COMPETENCY, &mut found);
    }
    for (i, x) in items(value, "expectations").iter().enumerate() {
        check(format!("expectations[{i}]"), x, EXPECTATION, &mut found);
        if let Some(c) = x.get("criterion") {
            check(format!("expectations[{i}].criterion"), c, CRITERION, &mut found);
            if let Some(r) = c.get("evidence") {
                check(format!("expectations[{i}].criterion.evidence"), r, RULE, &mut found);
            }
        }
    }
    for (i, m) in items(value, "milestones").iter().enumerate() {
        check(format!("milestones[{i}]"), m, MILESTONE, &mut found);
        if let Some(r) = m.get("criterion") {
            check(format!("milestones[{i}].criterion"), r, RULE, &mut found);
        }
    }
    let mut e = ValidationError::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut used = std::collections::HashSet::new();
    for (path, known, key) in found {
        let line = lines.iter().enumerate().position(|(n, l)| {
            let t = l.trim_start().trim_start_matches("- ").trim_start_matches(['{', ' ']);
            (t.starts_with(&format!("{key}:")) || l.contains(&format!(" {key}:")) || l.contains(&format!("{{{key}:"))) && !used.contains(&n)
        });
        if let Some(n) = line {
            used.insert(n);
        }
        let near = known.iter().min_by_key(|k| super::drift::edits(k, &key)).filter(|k| super::drift::edits(k, &key) <= 3.max(key.len() / 3));
        let fix = match near {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("known keys here: {}", known.join(", ")),
        };
        let at = match line {
            Some(n) => format!("{file}:{}", n + 1),
            None if path.is_empty() => file.to_string(),
            None => format!("{file}.{path}"),
        };
        let within = if path.is_empty() { String::new() } else { format!(" in {path}") };
        e.push(at, format!("unknown key `{key}`{within}; fix: {fix}"));
    }
    e.into_result()
}

/// `file` imported into `current`: the file's tracks (with their expectations and
/// milestones) and competencies replace those with the same key or are added; every
/// other track, and its expectations and milestones, is kept as it was.
pub fn merge(current: &Framework, file: &Framework) -> Framework {
    let mut out = current.clone();
    let named: std::collections::HashSet<&str> = file.tracks.iter().map(|t| t.key.as_str()).collect();
    for t in &file.tracks {
        match out.tracks.iter_mut().find(|x| x.key == t.key) {
            Some(x) => *x = t.clone(),
            None => out.tracks.push(t.clone()),
        }
    }
    for c in &file.competencies {
        match out.competencies.iter_mut().find(|x| x.key == c.key) {
            Some(x) => *x = c.clone(),
            None => out.competencies.push(c.clone()),
        }
    }
    out.expectations.retain(|x| !named.contains(x.track.as_str()));
    out.expectations.extend(file.expectations.iter().cloned());
    out.milestones.retain(|m| !named.contains(m.track.as_str()));
    out.milestones.extend(file.milestones.iter().cloned());
    out
}
