//! What the CSV matrix and the Markdown ladder readers have in common: a [`Ladder`] is
//! a list of "competency X at level Y expects this text" entries with the line each
//! came from. [`apply`] turns one into a new framework and the preview a person checks
//! before committing: it resolves the track and its levels, groups entries by
//! competency name (case and spacing ignored), refuses a competency described twice at
//! one level, and lists names that may have drifted ([`super::drift`]) until each pair
//! is confirmed.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::drift::{self, Confirmations, Decision, Drift, DriftName, identity};
use super::{Competency, Expectation, Framework, Level, Track};
use crate::ValidationError;

/// What an import would do, shown before it is committed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatrixPreview {
    pub track: String,
    /// `true` when the import creates the track (a Markdown ladder naming a new one).
    #[serde(default)]
    pub new_track: bool,
    /// Level keys, in ladder order.
    pub levels: Vec<String>,
    /// Every competency of the import; `new` when the framework did not have it.
    pub competencies: Vec<MatrixCompetency>,
    /// Expectations (text only) the import sets.
    pub expectations: usize,
    /// What was tolerated, one line each, with file and line.
    pub tolerated: Vec<String>,
    /// Pairs of names that may be one competency. A commit is refused while any has
    /// no `decision`.
    pub drift: Vec<Drift>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatrixCompetency {
    pub key: String,
    pub name: String,
    pub category: String,
    pub new: bool,
    /// Other names merged into this one by a "same" confirmation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl MatrixPreview {
    /// Refuse to commit while a flagged pair is unconfirmed, naming each pair.
    pub fn require_confirmed(&self) -> Result<(), ValidationError> {
        let mut e = ValidationError::new();
        for d in self.drift.iter().filter(|d| d.decision.is_none()) {
            e.push(
                "confirm",
                format!(
                    "'{}' ({}) and '{}' ({}) may be one competency ({}); confirm \"{}\" as the same or different",
                    d.a.name,
                    d.a.at.join(", "),
                    d.b.name,
                    d.b.at.join(", "),
                    d.why,
                    d.pair()
                ),
            );
        }
        e.into_result()
    }
}

/// One level as the file writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelLabel {
    pub label: String,
    pub line: usize,
}

/// "Competency `name` at level `levels[level]` expects `text`", from `line`. Without a
/// level it only says the competency exists (a matrix row with every cell blank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub category: Option<String>,
    pub level: Option<usize>,
    pub text: String,
    pub line: usize,
}

/// A ladder as read from a file, before it meets the framework.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ladder {
    pub file: String,
    /// The track the file names in a heading, with its line.
    pub track: Option<(String, usize)>,
    pub levels: Vec<LevelLabel>,
    pub entries: Vec<Entry>,
    pub tolerated: Vec<String>,
}

/// A machine key from a name: `Technical Skills` → `technical-skills`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s: String = s.trim_end_matches('-').chars().take(64).collect();
    if s.is_empty() { "x".into() } else { s }
}

/// Strip HTML tags (`<br>`, `<p>`, `<li>` become line breaks) and trim. Returns whether
/// tags were found.
pub(crate) fn strip_html(s: &str) -> (String, bool) {
    if !s.contains('<') {
        return (s.trim().to_string(), false);
    }
    let (mut out, mut tag, mut in_tag, mut found) = (String::new(), String::new(), false, false);
    for c in s.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                found = true;
                let t = tag.trim().trim_start_matches('/').to_ascii_lowercase();
                if t.starts_with("br") || t == "p" || t == "li" {
                    out.push('\n');
                }
            }
            _ if in_tag => tag.push(c),
            _ => out.push(c),
        }
    }
    if in_tag {
        out.push('<');
        out.push_str(&tag);
    }
    (out.trim().to_string(), found)
}

/// A level label split into a code and a title: `L3 — Senior Engineer` → (`L3`,
/// `Senior Engineer`); `Level 2` → (`Level 2`, none); `Staff` → (`Staff`, none).
pub(crate) fn split_level(label: &str) -> (String, Option<String>) {
    let words: Vec<&str> = label.split_whitespace().collect();
    let coded = |w: &str| {
        let letters = w.chars().take_while(char::is_ascii_alphabetic).count();
        let rest = w[letters..].trim_start_matches(['-', '.']);
        (1..=3).contains(&letters) && (1..=2).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit())
    };
    let named = |w: &str, n: &str| {
        ["level", "lvl", "grade", "band", "tier", "rung"].contains(&w.to_lowercase().as_str()) && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())
    };
    let take = match words.as_slice() {
        [w, n, ..] if named(w, n.trim_end_matches([':', '.'])) => 2,
        [w, ..] if coded(w.trim_end_matches([':', '.', ','])) => 1,
        _ => return (label.trim().to_string(), None),
    };
    let code = words[..take].join(" ").trim_end_matches([':', '.', ',']).to_string();
    let title = words[take..].join(" ").trim_matches(|c: char| c.is_whitespace() || "—–-:|()[],.".contains(c)).to_string();
    (code, (!title.is_empty()).then_some(title))
}

/// Whether `label` names `level` (by key or title, or either part of a split label).
pub(crate) fn names_level(label: &str, level: &Level) -> bool {
    let (code, title) = split_level(label);
    let is = |s: &str| identity(s) == identity(&level.key) || identity(s) == identity(&level.title) || slug(s) == level.key;
    is(label) || is(&code) || title.as_deref().is_some_and(is)
}

fn level_number(label: &str) -> Option<u32> {
    let (code, title) = split_level(label);
    if title.is_none() && code == label.trim() && !code.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    code.chars().filter(char::is_ascii_digit).collect::<String>().parse().ok()
}

/// Find or make the track; then the level key of each label.
fn resolve_track(fw: &Framework, track: Option<&str>, l: &Ladder) -> Result<(Track, bool, Vec<String>), ValidationError> {
    let file = &l.file;
    let (t, new) = match (track, &l.track) {
        (Some(key), _) => (fw.track(key).cloned().ok_or_else(|| ValidationError::single("track", format!("unknown track '{key}'")))?, false),
        (None, Some((name, _))) => match fw.tracks.iter().find(|t| identity(&t.key) == identity(name) || identity(&t.name) == identity(name)) {
            Some(t) => (t.clone(), false),
            None => (Track { key: slug(name), name: name.clone(), levels: Vec::new() }, true),
        },
        (None, None) => {
            return Err(ValidationError::single("track", format!("{file} names no track: choose one, or start the file with a '# Track name' heading")));
        }
    };
    if l.levels.is_empty() {
        return Err(ValidationError::single(
            file,
            "has no levels: no level headings (like '## L2' or a level title of the track) and no table with level columns",
        ));
    }
    if !new {
        let mut e = ValidationError::new();
        let keys = l
            .levels
            .iter()
            .map(|lb| match t.levels.iter().find(|lv| names_level(&lb.label, lv)) {
                Some(lv) => lv.key.clone(),
                None => {
                    e.push(format!("{file}:{}", lb.line), format!("'{}' is not a level of track '{}' (use a level key or title)", lb.label, t.key));
                    String::new()
                }
            })
            .collect();
        return e.into_result().map(|()| (t, false, keys));
    }
    // A new track: levels in file order, or by their numbers when every label has one
    // (a transposed ladder may list a competency's levels from its second level on).
    let mut order: Vec<usize> = (0..l.levels.len()).collect();
    let numbers: Option<Vec<u32>> = l.levels.iter().map(|lb| level_number(&lb.label)).collect();
    if let Some(n) = &numbers {
        order.sort_by_key(|&i| n[i]);
    }
    let mut t = t;
    let mut keys = vec![String::new(); l.levels.len()];
    for i in order {
        let (code, title) = split_level(&l.levels[i].label);
        let key = slug(&code);
        keys[i] = key.clone();
        if !t.levels.iter().any(|lv| lv.key == key) {
            t.levels.push(Level { key, title: title.unwrap_or(code) });
        }
    }
    Ok((t, true, keys))
}

/// The entries of one competency name.
struct Group {
    name: String,
    category: Option<String>,
    entries: Vec<usize>,
}

fn find(parent: &mut [usize], i: usize) -> usize {
    if parent[i] != i {
        let root = find(parent, parent[i]);
        parent[i] = root;
    }
    parent[i]
}

/// Apply `ladder` to a copy of `fw` for `track` (or the track the file names). Nothing
/// is changed on error.
pub fn apply(fw: &Framework, track: Option<&str>, ladder: Ladder, confirm: &Confirmations) -> Result<(Framework, MatrixPreview), ValidationError> {
    let file = ladder.file.clone();
    let at = |line: usize| format!("{file}:{line}");
    let (track, new_track, level_keys) = resolve_track(fw, track, &ladder)?;
    if ladder.entries.is_empty() {
        return Err(ValidationError::single(&file, "has no expectations: no level has any competency with text"));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut e = ValidationError::new();
    for (i, en) in ladder.entries.iter().enumerate() {
        let g = *by_name.entry(identity(&en.name)).or_insert_with(|| {
            groups.push(Group { name: en.name.clone(), category: None, entries: Vec::new() });
            groups.len() - 1
        });
        let g = &mut groups[g];
        let key = |j: usize| ladder.entries[j].level.map(|l| level_keys[l].as_str());
        if let Some(level) = key(i)
            && let Some(&first) = g.entries.iter().find(|&&j| key(j) == Some(level))
        {
            e.push(
                at(en.line),
                format!(
                    "duplicate competency '{}' at level '{level}' (first on line {}; names are compared ignoring case and spacing)",
                    en.name, ladder.entries[first].line
                ),
            );
        }
        g.category = g.category.take().or_else(|| en.category.clone());
        g.entries.push(i);
    }
    std::mem::take(&mut e).into_result()?;

    // Flag near names; read the person's answers.
    let describe = |g: &Group| DriftName {
        name: g.name.clone(),
        levels: g.entries.iter().filter_map(|&j| ladder.entries[j].level.map(|l| level_keys[l].clone())).collect(),
        at: g.entries.iter().map(|&j| at(ladder.entries[j].line)).collect(),
    };
    let mut drift = Vec::new();
    let mut pairs = Vec::new();
    for i in 0..groups.len() {
        for j in i + 1..groups.len() {
            if let Some(why) = drift::near(&groups[i].name, &groups[j].name) {
                drift.push(Drift { a: describe(&groups[i]), b: describe(&groups[j]), why: why.into(), decision: None });
                pairs.push((i, j));
            }
        }
    }
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    for (decision, raw) in &confirm.given {
        let field = match decision {
            Decision::Same => "same",
            Decision::Different => "different",
        };
        let hit = drift::split_pair(raw, &names).and_then(|(a, b)| {
            pairs.iter().position(|&(i, j)| {
                let (x, y) = (identity(&names[i]), identity(&names[j]));
                (x == a && y == b) || (x == b && y == a)
            })
        });
        match hit {
            Some(k) => drift[k].decision = Some(*decision),
            None => e.push(field, format!("'{raw}' is not a pair flagged as possibly one competency (write it as Name=Other name)")),
        }
    }
    std::mem::take(&mut e).into_result()?;

    // Merge what was confirmed the same; refuse contradictions and clashes.
    let mut parent: Vec<usize> = (0..groups.len()).collect();
    for (k, &(i, j)) in pairs.iter().enumerate() {
        if drift[k].decision == Some(Decision::Same) {
            let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
            parent[rj.max(ri)] = ri.min(rj);
        }
    }
    for (k, &(i, j)) in pairs.iter().enumerate() {
        if drift[k].decision == Some(Decision::Different) && find(&mut parent, i) == find(&mut parent, j) {
            e.push("different", format!("'{}' and '{}' were confirmed different, but other answers make them the same", names[i], names[j]));
        }
    }
    let mut merged: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for g in 0..groups.len() {
        let root = find(&mut parent, g);
        merged[root].push(g);
    }
    for members in merged.iter().filter(|m| m.len() > 1) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for &g in members {
            for &j in &groups[g].entries {
                let en = &ladder.entries[j];
                let Some(level) = en.level.map(|l| level_keys[l].as_str()) else { continue };
                if let Some(first) = seen.insert(level, j) {
                    let f = &ladder.entries[first];
                    e.push(
                        at(en.line),
                        format!("'{}' and '{}' were confirmed the same, but both describe level '{level}' (lines {} and {})", f.name, en.name, f.line, en.line),
                    );
                }
            }
        }
    }
    e.into_result()?;

    let mut out = fw.clone();
    if new_track {
        out.tracks.push(track.clone());
    }
    let mut comps = Vec::new();
    let mut expectations = 0;
    for members in merged.iter().filter(|m| !m.is_empty()) {
        let lead = &groups[members[0]];
        let category = members.iter().find_map(|&g| groups[g].category.clone()).map_or_else(|| "general".to_string(), |c| slug(&c));
        let existing = members
            .iter()
            .find_map(|&g| out.competencies.iter().find(|c| identity(&c.name) == identity(&groups[g].name) || c.key == slug(&groups[g].name)).cloned());
        let new = existing.is_none();
        let comp = existing.unwrap_or_else(|| Competency { key: slug(&lead.name), name: lead.name.clone(), category });
        if new {
            out.competencies.push(comp.clone());
        }
        for &g in members {
            for &j in &groups[g].entries {
                let en = &ladder.entries[j];
                let Some(level) = en.level.map(|l| &level_keys[l]) else { continue };
                expectations += 1;
                match out.expectations.iter_mut().find(|x| x.competency == comp.key && x.track == track.key && &x.level == level) {
                    Some(x) => x.text = en.text.clone(),
                    None => out.expectations.push(Expectation {
                        competency: comp.key.clone(),
                        track: track.key.clone(),
                        level: level.clone(),
                        text: en.text.clone(),
                        criterion: None,
                    }),
                }
            }
        }
        let aliases = members[1..].iter().map(|&g| groups[g].name.clone()).filter(|n| n != &comp.name).collect();
        comps.push(MatrixCompetency { key: comp.key, name: comp.name, category: comp.category, new, aliases });
    }
    out.validate().map_err(|v| v.nested(&file))?;
    let mut levels: Vec<String> = Vec::new();
    let in_order = if new_track { track.levels.iter().map(|l| l.key.clone()).collect() } else { level_keys };
    for k in in_order {
        if !levels.contains(&k) {
            levels.push(k);
        }
    }
    let preview = MatrixPreview { track: track.key, new_track, levels, competencies: comps, expectations, tolerated: ladder.tolerated, drift };
    Ok((out, preview))
}
