//! Reading a badge definition, JSON or YAML, with every error named by its position in
//! the definition (`tiers.gold.all[1].count.at_least: must be at least 1`), all at once.
//! Read by hand from a JSON value rather than derived, so an unknown key, a wrong type
//! and a bad number all get the path and a sentence, not serde's first error.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{BadgeDef, FactKind, Filter, MAX_DEPTH, MAX_LEAVES, Rule, Tier, parse_badge_key};
use crate::ValidationError;
use crate::event::{Category, Magnitude};
use crate::text::{parse_key, parse_text};

/// A definition from YAML: read into JSON first, so YAML and the API have one shape.
pub fn parse_badge_yaml(text: &str) -> Result<BadgeDef, ValidationError> {
    parse_badge(&yaml_value(text)?)
}

/// A definition as the YAML the people team edits; [`parse_badge_yaml`] reads it back
/// to the same definition.
pub fn badge_yaml(def: &BadgeDef) -> String {
    // Through JSON: serialized directly, YAML would write the rules as tagged enums
    // (`!count`), which is not the documented one-key-map form.
    serde_json::to_value(def).ok().and_then(|v| serde_norway::to_string(&v).ok()).unwrap_or_default()
}

/// YAML (or JSON, which is YAML) text as the JSON value [`parse_badge`] reads.
pub fn yaml_value(text: &str) -> Result<Value, ValidationError> {
    serde_norway::from_str(text).map_err(|e| ValidationError::single("yaml", e.to_string()))
}

/// A definition from its JSON value. Errors name the position of each problem.
pub fn parse_badge(v: &Value) -> Result<BadgeDef, ValidationError> {
    let mut e = ValidationError::new();
    let Some(m) = v.as_object() else { return Err(ValidationError::single("badge", "must be an object with key, name and tiers (or rule)")) };
    unknown(m, "", &["key", "name", "description", "tiers", "rule"], &mut e);
    let key = match m.get("key").and_then(Value::as_str) {
        Some(k) => e.collect(parse_badge_key("key", k)).unwrap_or_default(),
        None => {
            e.push("key", "is required: a-z, 0-9 and '-'");
            String::new()
        }
    };
    let name = match m.get("name").and_then(Value::as_str) {
        Some(n) => e.collect(parse_text("name", n, 100)).unwrap_or_default(),
        None => {
            e.push("name", "is required");
            String::new()
        }
    };
    let description = match m.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(d)) if d.trim().is_empty() => String::new(),
        Some(Value::String(d)) => e.collect(parse_text("description", d, 2000)).unwrap_or_default(),
        Some(_) => {
            e.push("description", "must be text");
            String::new()
        }
    };
    let mut tiers = BTreeMap::new();
    match (m.get("tiers"), m.get("rule")) {
        (Some(_), Some(_)) => e.push("rule", "give either `rule` (one tier) or `tiers`, not both"),
        (None, None) => e.push("tiers", "is required: `tiers: {bronze: <rule>, silver: ..., gold: ...}` or one `rule`"),
        (None, Some(r)) => {
            if let Some(rule) = parse_rule(r, "rule", 0, &mut e) {
                tiers.insert(Tier::Bronze, rule);
            }
        }
        (Some(Value::Object(t)), None) => {
            if t.is_empty() {
                e.push("tiers", "must have at least one of bronze, silver, gold");
            }
            for (name, r) in t {
                let path = format!("tiers.{name}");
                match Tier::parse(name) {
                    Some(tier) => {
                        if let Some(rule) = parse_rule(r, &path, 0, &mut e) {
                            tiers.insert(tier, rule);
                        }
                    }
                    None => e.push(&path, "unknown tier: use bronze, silver or gold"),
                }
            }
        }
        (Some(_), None) => e.push("tiers", "must be a map of bronze, silver, gold to rules"),
    }
    for (tier, rule) in &tiers {
        let leaves = rule.filters().len();
        if leaves > MAX_LEAVES {
            let at = if m.contains_key("rule") { "rule".to_string() } else { format!("tiers.{}", tier.as_str()) };
            e.push(&at, format!("has {leaves} conditions; at most {MAX_LEAVES}"));
        }
    }
    e.into_result().map(|()| BadgeDef { key, name, description, tiers })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn unknown(m: &Map<String, Value>, path: &str, known: &[&str], e: &mut ValidationError) {
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            e.push(join(path, k), format!("unknown field; expected one of: {}", known.join(", ")));
        }
    }
}

const RULES: &[&str] = &["count", "streak", "points_received", "distinct_givers", "first", "milestone", "all", "any", "n_of"];

fn parse_rule(v: &Value, path: &str, depth: usize, e: &mut ValidationError) -> Option<Rule> {
    if depth > MAX_DEPTH {
        e.push(path, format!("nests more than {MAX_DEPTH} levels deep"));
        return None;
    }
    let Some(m) = v.as_object().filter(|m| m.len() == 1) else {
        e.push(path, format!("must be a map with exactly one of: {}", RULES.join(", ")));
        return None;
    };
    let (name, body) = m.iter().next()?;
    let at = join(path, name);
    match name.as_str() {
        "count" => {
            let m = object(body, &at, e)?;
            unknown(m, &at, &["kind", "category", "magnitude", "competency", "validated", "within_days", "at_least"], e);
            let filter = filter(m, &at, e);
            let within_days = days(m, &at, e);
            let at_least = number(m, &at, "at_least", true, e);
            Some(Rule::Count { filter: filter?, within_days: within_days?, at_least: at_least? })
        }
        "streak" => {
            let m = object(body, &at, e)?;
            unknown(m, &at, &["kind", "category", "magnitude", "competency", "validated", "weeks"], e);
            let filter = filter(m, &at, e);
            let weeks = number(m, &at, "weeks", true, e);
            if weeks.is_some_and(|w| w > 520) {
                e.push(join(&at, "weeks"), "must be at most 520");
            }
            Some(Rule::Streak { filter: filter?, weeks: weeks? })
        }
        "points_received" | "distinct_givers" => {
            let m = object(body, &at, e)?;
            unknown(m, &at, &["competency", "within_days", "at_least"], e);
            let competency = competency(m, &at, e);
            let within_days = days(m, &at, e);
            let at_least = number(m, &at, "at_least", true, e);
            let (competency, within_days, at_least) = (competency?, within_days?, at_least?);
            Some(if name == "points_received" {
                Rule::PointsReceived { competency, within_days, at_least }
            } else {
                Rule::DistinctGivers { competency, within_days, at_least }
            })
        }
        "first" => {
            let m = object(body, &at, e)?;
            unknown(m, &at, &["kind", "category", "magnitude", "competency", "validated"], e);
            Some(Rule::First(filter(m, &at, e)?))
        }
        "milestone" => {
            let m = object(body, &at, e)?;
            unknown(m, &at, &["key"], e);
            let key = match m.get("key") {
                None | Some(Value::Null) => None,
                Some(Value::String(k)) => Some(e.collect(parse_key(&join(&at, "key"), k))?),
                Some(_) => {
                    e.push(join(&at, "key"), "must be a milestone key");
                    return None;
                }
            };
            Some(Rule::Milestone { key })
        }
        "all" | "any" => {
            let rules = list(body, &at, depth, e)?;
            Some(if name == "all" { Rule::All(rules) } else { Rule::Any(rules) })
        }
        "n_of" => {
            let m = object(body, &at, e)?;
            unknown(m, &at, &["n", "of"], e);
            let n = number(m, &at, "n", true, e);
            let of = match m.get("of") {
                Some(v) => list(v, &join(&at, "of"), depth, e),
                None => {
                    e.push(join(&at, "of"), "is required: a list of rules");
                    None
                }
            };
            let (n, of) = (n?, of?);
            if n as usize > of.len() {
                e.push(join(&at, "n"), format!("is {n} but only {} rules are listed", of.len()));
                return None;
            }
            Some(Rule::NOf { n, of })
        }
        _ => {
            e.push(&at, format!("unknown rule; expected one of: {}", RULES.join(", ")));
            None
        }
    }
}

fn object<'a>(v: &'a Value, path: &str, e: &mut ValidationError) -> Option<&'a Map<String, Value>> {
    let m = v.as_object();
    if m.is_none() {
        e.push(path, "must be a map");
    }
    m
}

fn list(v: &Value, path: &str, depth: usize, e: &mut ValidationError) -> Option<Vec<Rule>> {
    let Some(items) = v.as_array().filter(|a| !a.is_empty()) else {
        e.push(path, "must be a non-empty list of rules");
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, r) in items.iter().enumerate() {
        match parse_rule(r, &format!("{path}[{i}]"), depth + 1, e) {
            Some(r) => out.push(r),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn number(m: &Map<String, Value>, path: &str, key: &str, required: bool, e: &mut ValidationError) -> Option<u32> {
    let at = join(path, key);
    match m.get(key) {
        None if required => {
            e.push(&at, "is required: a whole number of at least 1");
            None
        }
        None => None,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=1_000_000).contains(&n) => Some(n as u32),
            Some(_) => {
                e.push(&at, "must be between 1 and 1000000");
                None
            }
            None => {
                e.push(&at, "must be a whole number of at least 1");
                None
            }
        },
    }
}

/// `within_days`: absent means ever. `Some(None)` is absent, `None` an error.
fn days(m: &Map<String, Value>, path: &str, e: &mut ValidationError) -> Option<Option<u32>> {
    if !m.contains_key("within_days") {
        return Some(None);
    }
    let d = number(m, path, "within_days", true, e)?;
    if d > 3660 {
        e.push(join(path, "within_days"), "must be at most 3660 (ten years)");
        return None;
    }
    Some(Some(d))
}

fn competency(m: &Map<String, Value>, path: &str, e: &mut ValidationError) -> Option<Option<String>> {
    match m.get("competency") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(c)) => e.collect(parse_key(&join(path, "competency"), c)).map(Some),
        Some(_) => {
            e.push(join(path, "competency"), "must be a competency key");
            None
        }
    }
}

fn filter(m: &Map<String, Value>, path: &str, e: &mut ValidationError) -> Option<Filter> {
    let mut ok = true;
    let kind = match m.get("kind") {
        None => FactKind::MicroProgression,
        Some(v) => match FactKind::ALL.into_iter().find(|k| v.as_str() == Some(k.as_str())) {
            Some(k) => k,
            None => {
                let names: Vec<_> = FactKind::ALL.iter().map(super::FactKind::as_str).collect();
                e.push(join(path, "kind"), format!("must be one of: {}", names.join(", ")));
                ok = false;
                FactKind::MicroProgression
            }
        },
    };
    let category = match m.get("category") {
        None => None,
        Some(v) => match v.as_str().and_then(Category::parse) {
            Some(c) => Some(c),
            None => {
                let names: Vec<_> = Category::ALL.iter().map(super::super::event::Category::as_str).collect();
                e.push(join(path, "category"), format!("must be one of: {}", names.join(", ")));
                ok = false;
                None
            }
        },
    };
    let magnitude = match m.get("magnitude").map(|v| v.as_str()) {
        None => None,
        Some(Some("nano")) => Some(Magnitude::Nano),
        Some(Some("micro")) => Some(Magnitude::Micro),
        Some(_) => {
            e.push(join(path, "magnitude"), "must be nano or micro");
            ok = false;
            None
        }
    };
    let validated = match m.get("validated") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            e.push(join(path, "validated"), "must be true or false");
            ok = false;
            false
        }
    };
    let competency = competency(m, path, e);
    let win_only = [("category", category.is_some()), ("magnitude", magnitude.is_some()), ("validated", validated)];
    if kind != FactKind::MicroProgression {
        for (field, set) in win_only {
            if set {
                e.push(join(path, field), format!("only applies to micro_progression, not {}", kind.as_str()));
                ok = false;
            }
        }
    }
    if competency.as_ref().is_some_and(Option::is_some) && !matches!(kind, FactKind::MicroProgression | FactKind::Recognition) {
        e.push(join(path, "competency"), format!("only applies to micro_progression and recognition, not {}", kind.as_str()));
        ok = false;
    }
    let competency = competency?;
    ok.then_some(Filter { kind, category, magnitude, competency, validated })
}
