//! A ladder applied to a framework: entries grouped by competency name, names near
//! one another (in the file, or against the framework) paired for confirmation,
//! confirmed pairs merged, expectations written into one track, and the preview built.

use std::collections::{HashMap, HashSet};

use super::answers;
use super::track::resolve_track;
use super::{GridRow, Ladder, MAX_DRIFT_SHOWN, MatrixCompetency, MatrixPreview, slug};
use crate::ValidationError;
use crate::framework::diff;
use crate::framework::drift::{self, Confirmations, Decision, Drift, DriftName, identity};
use crate::framework::{Competency, Expectation, Framework};

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
    let placer = Ladder { file: file.clone(), sheet: ladder.sheet.clone(), ..Ladder::default() };
    let cell_at = |line: usize, level: usize| placer.cell_place(line, level);
    let at = |line: usize| placer.place(line);
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
    let decided = answers::decide(confirm, &pairs, &names)?;

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
            // A cell's own warnings: those said of the sheet cell each entry came from.
            let mut cell_warnings = vec![Vec::new(); levels.len()];
            for &g in members.iter().filter(|&&i| i < n) {
                for &j in &groups[g].entries {
                    let en = &ladder.entries[j];
                    let Some(l) = en.level else { continue };
                    let Some(pos) = levels.iter().position(|k| *k == level_keys[l]) else { continue };
                    if let Some(said) = cell_at(en.line, l).and_then(|p| said.get(p.as_str())) {
                        cell_warnings[pos].extend(said.iter().cloned());
                    }
                }
            }
            if cell_warnings.iter().all(Vec::is_empty) {
                cell_warnings.clear();
            }
            GridRow { key: c.key.clone(), name: c.name.clone(), category: c.category.clone(), at, warnings, cells, cell_warnings }
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
