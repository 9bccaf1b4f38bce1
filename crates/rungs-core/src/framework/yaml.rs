//! The framework as YAML: the format people write by hand (docs/FRAMEWORKS.md,
//! schema in docs/framework.schema.json). Same shape as the JSON API.
//!
//! Tolerated, and reported back: a byte-order mark, CRLF line ends, and tabs in the
//! indentation (YAML forbids them; a tab is read as two spaces). Anything else that is
//! wrong is an error naming the file and line, or the field.

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
        clean.push_str(rest);
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
