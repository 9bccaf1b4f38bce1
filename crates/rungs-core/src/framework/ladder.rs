//! What the CSV matrix and the Markdown ladder readers have in common: a [`Ladder`] is
//! a list of "competency X at level Y expects this text" entries with the line each
//! came from. [`apply`] turns one into a new framework and the preview a person checks
//! before committing: it resolves the track and its levels, groups entries by
//! competency name (case and spacing ignored), refuses a competency described twice at
//! one level, and lists names that may have drifted ([`super::drift`]) until each pair
//! is confirmed.

use std::collections::{HashMap, HashSet};

use super::diff;
use super::drift::{self, Confirmations, Decision, Drift, DriftName, identity};
use super::{Competency, Expectation, Framework, Level, Track};
use crate::ValidationError;

pub use super::mapping::{Mapping, Role};
pub use super::preview::{GridRow, MAX_DRIFT_SHOWN, MAX_LEVELS, MatrixCompetency, MatrixPreview};

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
    let given = track.and_then(|k| fw.track(k));
    let named = track.or(l.track.as_ref().map(|(n, _)| n.as_str()));
    let (t, new) = match (given, named) {
        (Some(t), _) => (t.clone(), false),
        (None, Some(name)) => match fw.tracks.iter().find(|t| identity(&t.key) == identity(name) || identity(&t.name) == identity(name)) {
            Some(t) => (t.clone(), false),
            None => (Track { key: slug(name), name: name.to_string(), levels: Vec::new() }, true),
        },
        (None, None) => {
            return Err(ValidationError::single("track", format!("{file} names no track: choose one, or start the file with a '# Track name' heading")));
        }
    };
    if l.levels.len() > MAX_LEVELS {
        return Err(ValidationError::single(
            file,
            format!(
                "has {} levels, more than the {MAX_LEVELS} a track may have; fix: check which headings are levels (map the others), or split the file",
                l.levels.len()
            ),
        ));
    }
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
    let mut seen = HashSet::new();
    for i in order {
        let (code, title) = split_level(&l.levels[i].label);
        let key = slug(&code);
        keys[i] = key.clone();
        if seen.insert(key.clone()) {
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

/// A name in the file or in the framework, for the drift check.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Group(usize),
    Existing(usize),
}

/// Apply `ladder` to a copy of `fw` for `track` (or the track the file names, created
/// when new). Only that track's expectations change; other tracks are untouched.
/// A name the framework already has (case and spacing ignored) is that competency; a
/// name near one the framework has (same key, drifted spelling, same stems) waits for
/// the same confirmation as drift inside the file. A blank cell clears the
/// expectation it had. Nothing is changed on error.
pub fn apply(fw: &Framework, track: Option<&str>, ladder: Ladder, confirm: &Confirmations) -> Result<(Framework, MatrixPreview), ValidationError> {
    let file = ladder.file.clone();
    let at = |line: usize| format!("{file}:{line}");
    let (track, new_track, level_keys) = resolve_track(fw, track, &ladder)?;
    if !ladder.entries.iter().any(|en| en.level.is_some() && !en.text.is_empty()) {
        return Err(ValidationError::single(&file, "has no expectations: no level has any competency with text"));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut at_level: HashMap<(usize, &str), usize> = HashMap::new();
    let mut e = ValidationError::new();
    for (i, en) in ladder.entries.iter().enumerate() {
        let g = *by_name.entry(identity(&en.name)).or_insert_with(|| {
            groups.push(Group { name: en.name.clone(), category: None, entries: Vec::new() });
            groups.len() - 1
        });
        if let Some(level) = en.level.map(|l| level_keys[l].as_str())
            && let Some(&first) = at_level.get(&(g, level))
        {
            e.push(
                at(en.line),
                format!(
                    "duplicate competency '{}' at level '{level}' (first on line {}; names are compared ignoring case and spacing); fix: merge the two",
                    en.name, ladder.entries[first].line
                ),
            );
        } else if let Some(level) = en.level.map(|l| level_keys[l].as_str()) {
            at_level.insert((g, level), i);
        }
        let g = &mut groups[g];
        g.category = g.category.take().or_else(|| en.category.clone());
        g.entries.push(i);
    }
    std::mem::take(&mut e).into_result()?;

    // The file's names and the framework's, and the pairs that may be one competency.
    let n = groups.len();
    let exact: HashMap<String, usize> = fw.competencies.iter().enumerate().map(|(i, c)| (identity(&c.name), i)).collect();
    let group_exact: Vec<Option<usize>> = groups.iter().map(|g| exact.get(&identity(&g.name)).copied()).collect();
    let matched: HashSet<usize> = group_exact.iter().flatten().copied().collect();
    let mut names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    names.extend(fw.competencies.iter().map(|c| c.name.clone()));
    let who = |i: usize| if i < n { Who::Group(i) } else { Who::Existing(i - n) };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut pairs: Vec<(usize, usize, String)> = Vec::new();
    let mut flagged = HashSet::new();
    for (i, j, why) in drift::candidates(&refs) {
        let keep = if j < n {
            true
        } else if i < n {
            group_exact[i].is_none() && !matched.contains(&(j - n))
        } else {
            false
        };
        if keep {
            flagged.insert((i, j));
            pairs.push((i, j, why.to_string()));
        }
    }
    let by_key: HashMap<&str, usize> = fw.competencies.iter().enumerate().map(|(i, c)| (c.key.as_str(), i)).collect();
    for (g, group) in groups.iter().enumerate() {
        if group_exact[g].is_none()
            && let Some(&x) = by_key.get(slug(&group.name).as_str())
            && !matched.contains(&x)
            && flagged.insert((g, n + x))
        {
            pairs.push((g, n + x, "the same key as a competency already in the framework".into()));
        }
    }
    let describe = |i: usize| match who(i) {
        Who::Group(g) => DriftName {
            name: groups[g].name.clone(),
            levels: groups[g]
                .entries
                .iter()
                .filter(|&&j| !ladder.entries[j].text.is_empty())
                .filter_map(|&j| ladder.entries[j].level.map(|l| level_keys[l].clone()))
                .collect(),
            at: groups[g].entries.iter().map(|&j| at(ladder.entries[j].line)).collect::<std::collections::BTreeSet<_>>().into_iter().collect(),
        },
        Who::Existing(x) => DriftName { name: fw.competencies[x].name.clone(), levels: Vec::new(), at: vec!["framework".into()] },
    };
    // Answers for every pair; only the first MAX_DRIFT_SHOWN are described.
    let mut decided: Vec<Option<Decision>> = vec![None; pairs.len()];
    let mut all_different = false;
    for (decision, raw) in &confirm.given {
        let field = match decision {
            Decision::Same => "same",
            Decision::Different => "different",
        };
        if raw.trim() == "*" && *decision == Decision::Different {
            all_different = true;
            continue;
        }
        let hit = drift::split_pair(raw, &names).and_then(|(a, b)| {
            pairs.iter().position(|&(i, j, _)| {
                let (x, y) = (identity(&names[i]), identity(&names[j]));
                (x == a && y == b) || (x == b && y == a)
            })
        });
        match hit {
            Some(k) => decided[k] = Some(*decision),
            None => e.push(field, format!("'{raw}' is not a pair flagged as possibly one competency (write it as Name=Other name)")),
        }
    }
    if all_different {
        decided.iter_mut().filter(|d| d.is_none()).for_each(|d| *d = Some(Decision::Different));
    }
    std::mem::take(&mut e).into_result()?;

    // Merge what was confirmed the same (and exact names with the framework's).
    let mut parent: Vec<usize> = (0..names.len()).collect();
    let union = |parent: &mut Vec<usize>, i: usize, j: usize| {
        let (ri, rj) = (find(parent, i), find(parent, j));
        parent[rj.max(ri)] = ri.min(rj);
    };
    for (g, x) in group_exact.iter().enumerate() {
        if let Some(x) = x {
            union(&mut parent, g, n + x);
        }
    }
    for (k, (i, j, _)) in pairs.iter().enumerate() {
        if decided[k] == Some(Decision::Same) {
            union(&mut parent, *i, *j);
        }
    }
    for (k, (i, j, _)) in pairs.iter().enumerate() {
        if decided[k] == Some(Decision::Different) && find(&mut parent, *i) == find(&mut parent, *j) {
            e.push("different", format!("'{}' and '{}' were confirmed different, but other answers make them the same", names[*i], names[*j]));
        }
    }
    let mut merged: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for i in 0..names.len() {
        let root = find(&mut parent, i);
        merged[root].push(i);
    }
    for members in merged.iter().filter(|m| m.first().is_some_and(|&i| i < n)) {
        let olds: Vec<&str> = members.iter().filter(|&&i| i >= n).map(|&i| names[i].as_str()).collect();
        if olds.len() > 1 {
            e.push(
                "same",
                format!(
                    "'{}' was confirmed the same as {} competencies already in the framework ({}); fix: answer one of them different",
                    names[members[0]],
                    olds.len(),
                    olds.join(", ")
                ),
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for &g in members.iter().filter(|&&i| i < n) {
            for &j in &groups[g].entries {
                let en = &ladder.entries[j];
                let Some(level) = en.level.map(|l| level_keys[l].as_str()) else { continue };
                if en.text.is_empty() {
                    continue;
                }
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
    let mut keys: HashSet<String> = out.competencies.iter().map(|c| c.key.clone()).collect();
    let categories: Vec<String> = fw.competencies.iter().map(|c| c.category.clone()).collect();
    let category_of =
        |written: &str| categories.iter().find(|c| identity(c) == identity(written) || **c == slug(written)).cloned().unwrap_or_else(|| written.to_string());
    let mut index: HashMap<(String, String), usize> =
        out.expectations.iter().enumerate().filter(|(_, x)| x.track == track.key).map(|(i, x)| ((x.competency.clone(), x.level.clone()), i)).collect();
    let mut cleared = HashSet::new();
    let mut comps = Vec::new();
    let mut expectations = 0;
    for members in merged.iter().filter(|m| m.first().is_some_and(|&i| i < n)) {
        let lead = &groups[members[0]];
        let category = members.iter().filter(|&&i| i < n).find_map(|&g| groups[g].category.as_deref()).map(category_of);
        let old = members.iter().find(|&&i| i >= n).map(|&i| i - n);
        let comp = match old {
            Some(x) => {
                if let Some(c) = category.filter(|c| *c != out.competencies[x].category) {
                    out.competencies[x].category = c;
                }
                out.competencies[x].clone()
            }
            None => {
                let base = slug(&lead.name);
                let key = (1..).map(|k| if k == 1 { base.clone() } else { format!("{base}-{k}") }).find(|k| !keys.contains(k)).unwrap_or(base);
                keys.insert(key.clone());
                let c = Competency { key, name: lead.name.clone(), category: category.unwrap_or_default() };
                out.competencies.push(c.clone());
                c
            }
        };
        // A blank cell clears its level unless another name merged into this one fills it.
        let filled: HashSet<usize> = members
            .iter()
            .filter(|&&i| i < n)
            .flat_map(|&g| groups[g].entries.iter())
            .filter(|&&j| !ladder.entries[j].text.is_empty())
            .filter_map(|&j| ladder.entries[j].level)
            .collect();
        for &g in members.iter().filter(|&&i| i < n) {
            for &j in &groups[g].entries {
                let en = &ladder.entries[j];
                let Some(level) = en.level.map(|l| &level_keys[l]) else { continue };
                if en.text.is_empty() && en.level.is_some_and(|l| filled.contains(&l)) {
                    continue;
                }
                let k = (comp.key.clone(), level.clone());
                match (index.get(&k), en.text.is_empty()) {
                    (Some(&x), true) => {
                        cleared.insert(x);
                    }
                    (None, true) => {}
                    (Some(&x), false) => {
                        expectations += 1;
                        out.expectations[x].text = en.text.clone();
                    }
                    (None, false) => {
                        expectations += 1;
                        index.insert(k, out.expectations.len());
                        out.expectations.push(Expectation {
                            competency: comp.key.clone(),
                            track: track.key.clone(),
                            level: level.clone(),
                            text: en.text.clone(),
                            criterion: None,
                        });
                    }
                }
            }
        }
        let aliases = members[1..].iter().filter(|&&i| i < n).map(|&g| groups[g].name.clone()).filter(|nm| nm != &comp.name).collect();
        comps.push(MatrixCompetency { key: comp.key, name: comp.name, category: comp.category, new: old.is_none(), aliases });
    }
    if !cleared.is_empty() {
        let mut i = 0;
        out.expectations.retain(|_| {
            i += 1;
            !cleared.contains(&(i - 1))
        });
    }
    out.validate().map_err(|v| v.nested(&file))?;
    let mut levels: Vec<String> = Vec::new();
    let in_order = if new_track { track.levels.iter().map(|l| l.key.clone()).collect() } else { level_keys.clone() };
    for k in in_order {
        if !levels.contains(&k) {
            levels.push(k);
        }
    }
    let changes = diff::diff(fw, &out);
    let texts: HashMap<(&str, &str), &str> =
        out.expectations.iter().filter(|x| x.track == track.key).map(|x| ((x.competency.as_str(), x.level.as_str()), x.text.as_str())).collect();
    let mut said: HashMap<&str, Vec<String>> = HashMap::new();
    for t in &ladder.tolerated {
        if let Some((place, _)) = t.split_once(": ") {
            said.entry(place).or_default().push(t.clone());
        }
    }
    let grid = comps
        .iter()
        .zip(merged.iter().filter(|m| m.first().is_some_and(|&i| i < n)))
        .map(|(c, members)| {
            let mut at_lines: Vec<usize> =
                members.iter().filter(|&&i| i < n).flat_map(|&g| groups[g].entries.iter().map(|&j| ladder.entries[j].line)).collect();
            at_lines.sort_unstable();
            at_lines.dedup();
            let at: Vec<String> = at_lines.iter().map(|&l| at(l)).collect();
            let warnings = at.iter().filter_map(|a| said.get(a.as_str())).flatten().cloned().collect();
            let cells = levels.iter().map(|l| texts.get(&(c.key.as_str(), l.as_str())).copied().unwrap_or("").to_string()).collect();
            GridRow { key: c.key.clone(), name: c.name.clone(), category: c.category.clone(), at, warnings, cells }
        })
        .collect();
    let drift: Vec<Drift> = pairs
        .iter()
        .zip(&decided)
        .take(MAX_DRIFT_SHOWN)
        .map(|((i, j, why), d)| Drift { a: describe(*i), b: describe(*j), why: why.clone(), decision: *d })
        .collect();
    let hidden = &decided[drift.len()..];
    let preview = MatrixPreview {
        track: track.key,
        new_track,
        levels,
        competencies: comps,
        expectations,
        tolerated: ladder.tolerated,
        drift_more: hidden.len(),
        hidden_undecided: hidden.iter().filter(|d| d.is_none()).count(),
        drift,
        changes,
        grid,
    };
    Ok((out, preview))
}
