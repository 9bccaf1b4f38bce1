//! Import of a career ladder written in Markdown, the form in which several companies
//! publish their progression frameworks. Read into a [`Ladder`] and applied like a CSV
//! matrix ([`super::ladder::apply`]), so the preview, the drift check and the errors are
//! the same. Accepted shapes (docs/FRAMEWORKS.md has examples):
//!
//! - **levels first**: `# Track`, `## L1` (a level per section), optionally
//!   `### Category`, then `#### Competency` with a list of criteria;
//! - **transposed**: `## Competency` (optionally under a category heading), then
//!   `### L1` or a bold line `**L1**` with the criteria under it;
//! - **inline**: under a level, `- **Competency**: criterion`;
//! - **a pipe table**: rows = competencies, columns = levels (a matrix).
//!
//! Which heading depth holds the levels is found from the headings themselves: the
//! depth with the most headings that look like levels (`L3`, `E2 — Engineer`,
//! `Level 4`, or a level key or title of the target track). An "Examples" heading, bold
//! line or list item starts examples, kept with the criteria. A single top heading
//! names the track. Tolerated and reported: BOM, CRLF, tabs, inline formatting and HTML,
//! front matter, code blocks, comments, prose outside a competency, sections that are
//! not levels, empty sections. Refused with file and line: a criterion before any level
//! or competency heading, an empty document, no levels, a competency twice in a level.

mod blocks;
mod front;

use std::collections::BTreeMap;

use blocks::{Block, Kind};

use super::drift::{Confirmations, identity};
use super::ladder::{self, Entry, Ladder, LevelLabel, MatrixPreview, Role as Column, level_like, names_level};
use super::{Framework, Level};
use crate::ValidationError;

/// Read a Markdown ladder and apply it to a copy of `fw`: into `track` if given, else
/// into the track its top heading names (created if new). Nothing changes on error.
pub fn import(fw: &Framework, track: Option<&str>, file: &str, text: &str, confirm: &Confirmations) -> Result<(Framework, MatrixPreview), ValidationError> {
    let ladder = read(fw, track, file, text)?;
    ladder::apply(fw, track, ladder, confirm)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Track,
    Level,
    Category,
    Competency,
    /// Below the competency (or level): its content belongs to the section above.
    Within,
}

fn is_examples(text: &str) -> bool {
    let t = identity(text.trim_end_matches([':', '.']));
    ["examples", "example", "e.g", "eg", "for example", "for instance"].contains(&t.as_str())
}

/// A competency name without list numbering or a trailing colon.
fn competency_name(text: &str) -> String {
    let t = text.trim().trim_end_matches(':').trim();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    match t[digits..].strip_prefix(['.', ')']) {
        Some(rest) if digits > 0 && rest.starts_with(' ') => rest.trim().to_string(),
        _ => t.to_string(),
    }
}

/// The depth of each structural heading (labels sit one below the last real heading);
/// `None` for "Examples" markers.
fn depths(blocks: &[Block]) -> Vec<Option<u8>> {
    let mut last = 0u8;
    blocks
        .iter()
        .map(|b| match b.kind {
            Kind::Heading(d) => {
                last = d;
                (!is_examples(&b.text)).then_some(d)
            }
            Kind::Label => (!is_examples(&b.text)).then_some(last + 1),
            _ => None,
        })
        .collect()
}

/// Decide which depth is the track, the levels, the competencies and the categories.
fn roles(blocks: &[Block], depth: &[Option<u8>], looks_level: &dyn Fn(&str) -> bool) -> (BTreeMap<u8, Role>, Option<usize>) {
    let (mut all, mut levelish, mut direct) = (BTreeMap::<u8, usize>::new(), BTreeMap::<u8, usize>::new(), BTreeMap::<u8, usize>::new());
    for (i, b) in blocks.iter().enumerate() {
        let Some(d) = depth[i] else { continue };
        *all.entry(d).or_default() += 1;
        if looks_level(&b.text) {
            *levelish.entry(d).or_default() += 1;
        }
        if blocks.get(i + 1).is_some_and(|n| matches!(n.kind, Kind::Bullet(_) | Kind::Prose)) {
            *direct.entry(d).or_default() += 1;
        }
    }
    let level = levelish.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(d, _)| *d);
    let mut roles = BTreeMap::new();
    let top = all.keys().next().copied();
    let mut track_block = None;
    if let Some(d0) = top
        && d0 == 1
        && all[&d0] == 1
        && level != Some(d0)
    {
        roles.insert(d0, Role::Track);
        track_block = (0..blocks.len()).find(|&i| depth[i] == Some(d0));
    }
    let others: Vec<u8> = all.keys().copied().filter(|d| !roles.contains_key(d) && Some(*d) != level).collect();
    let Some(level) = level else {
        for d in others {
            roles.insert(d, Role::Category);
        }
        return (roles, track_block);
    };
    roles.insert(level, Role::Level);
    let deeper: Vec<u8> = others.iter().copied().filter(|d| *d > level && direct.contains_key(d)).collect();
    let comp = match deeper.iter().max_by_key(|d| (direct[d], **d)) {
        Some(d) => Some(*d),
        None => others.iter().copied().filter(|d| *d < level).max(),
    };
    let inner = comp.map_or(level, |c| c.max(level));
    for d in others {
        let role = if Some(d) == comp {
            Role::Competency
        } else if d > inner {
            Role::Within
        } else {
            Role::Category
        };
        roles.insert(d, role);
    }
    (roles, track_block)
}

/// The walk's state: what the current section is about, and the criteria so far.
#[derive(Default)]
struct Walk {
    levels: Vec<LevelLabel>,
    level_by_name: std::collections::HashMap<String, usize>,
    entries: Vec<Entry>,
    errors: ValidationError,
    level: Option<usize>,
    categories: BTreeMap<u8, String>,
    competency: Option<String>,
    /// Line of the heading that made the current competency × level pair.
    line: usize,
    /// Content until the next heading at or above this depth is not imported.
    skip: Option<u8>,
    /// Set by an "Examples" heading or list item (with the item's indent).
    examples: Option<Option<usize>>,
    /// A competency (or, under a competency, a level) named by a `- **Name**: …` item,
    /// with the item's indent: it lasts until an item at that indent or less.
    inline_at: Option<(usize, bool)>,
    criteria: Vec<String>,
    example_lines: Vec<String>,
    empty: Vec<String>,
    prose: Vec<usize>,
    /// List items outside a competency × level (navigation, link lists): skipped.
    strays: Vec<usize>,
    /// After a horizontal rule, until the next heading.
    after_rule: bool,
}

impl Walk {
    fn level_index(&mut self, label: &str, line: usize) -> usize {
        let levels = &mut self.levels;
        *self.level_by_name.entry(identity(label)).or_insert_with(|| {
            levels.push(LevelLabel { label: label.to_string(), line });
            levels.len() - 1
        })
    }

    fn flush(&mut self, file: &str) {
        let (criteria, examples) = (std::mem::take(&mut self.criteria), std::mem::take(&mut self.example_lines));
        let (Some(level), Some(name)) = (self.level, self.competency.clone()) else { return };
        let mut text = criteria.join("\n");
        if !examples.is_empty() {
            text = format!("{text}\nExamples: {}", examples.join("; ")).trim().to_string();
        }
        if text.is_empty() && self.after_rule {
            return; // flushed at the rule already
        }
        if text.is_empty() {
            self.empty.push(format!("{file}:{}: '{name}' at '{}' has no criteria (that level expects nothing of it)", self.line, self.levels[level].label));
            return;
        }
        let category = self.categories.values().next_back().cloned();
        self.entries.push(Entry { name, category, level: Some(level), text, line: self.line });
    }

    /// A list item outside a competency × level: navigation or prose around the ladder,
    /// skipped and named in the preview's warnings.
    fn stray(&mut self, line: usize) {
        self.strays.push(line);
    }
}

/// Read `text` into a [`Ladder`]. Level headings are recognised by their shape, and by
/// the keys and titles of the target track when there is one.
pub fn read(fw: &Framework, track: Option<&str>, file: &str, text: &str) -> Result<Ladder, ValidationError> {
    let mut tolerated = Vec::new();
    let text = super::strip_bom(file, text, &mut tolerated);
    if text.contains("\r\n") {
        tolerated.push(format!("{file}: CRLF line ends"));
    }
    if let Some(ladder) = front::read(file, text) {
        let mut ladder = ladder?;
        tolerated.append(&mut ladder.tolerated);
        ladder.tolerated = tolerated;
        return Ok(ladder);
    }
    let scan = blocks::scan(file, text);
    tolerated.extend(scan.tolerated);
    let blocks = scan.blocks;
    if blocks.is_empty() {
        return Err(ValidationError::single(file, "is empty: expected headings for levels and competencies, or a table"));
    }
    let depth = depths(&blocks);
    let named_track = |name: &str| fw.tracks.iter().find(|t| identity(&t.key) == identity(name) || identity(&t.name) == identity(name));
    let first_top = blocks.iter().find(|b| b.kind == Kind::Heading(1)).map(|b| b.text.as_str());
    let known: Vec<Level> = track.and_then(|k| fw.track(k)).or_else(|| first_top.and_then(named_track)).map(|t| t.levels.clone()).unwrap_or_default();
    let looks_level = |t: &str| level_like(t) || known.iter().any(|l| names_level(t, l));
    let (roles, track_block) = roles(&blocks, &depth, &looks_level);
    let depth_of = |role: Role| roles.iter().find(|(_, r)| **r == role).map(|(d, _)| *d);
    let (level_depth, comp_depth) = (depth_of(Role::Level), depth_of(Role::Competency));
    let mut w = Walk::default();
    let mut table: Option<Table> = None;
    let mut table_category: Option<String> = None;
    for (i, b) in blocks.iter().enumerate() {
        if let Some(d) = depth[i] {
            let role = roles.get(&d).copied().unwrap_or(Role::Within);
            if role == Role::Within {
                w.examples = None;
                continue;
            }
            if w.skip.is_some_and(|s| d > s) {
                continue;
            }
            w.flush(file);
            w.after_rule = false;
            w.skip = None;
            w.examples = None;
            w.inline_at = None;
            table = None;
            // A heading ends every section at its depth or deeper.
            w.categories.retain(|k, _| *k < d);
            if level_depth.is_none_or(|l| l >= d) {
                w.level = None;
            }
            if comp_depth.is_none_or(|c| c >= d) {
                w.competency = None;
            }
            match role {
                Role::Track | Role::Within => {}
                Role::Level if looks_level(&b.text) => {
                    w.level = Some(w.level_index(&b.text, b.line));
                    w.line = b.line;
                }
                Role::Level => {
                    tolerated.push(format!("{file}:{}: section '{}' is not a level; skipped", b.line, b.text));
                    w.skip = Some(d);
                }
                Role::Category => {
                    w.categories.insert(d, b.text.clone());
                }
                Role::Competency => {
                    w.competency = Some(competency_name(&b.text));
                    w.line = b.line;
                }
            }
            continue;
        }
        if w.skip.is_some() {
            continue;
        }
        match &b.kind {
            Kind::Heading(_) | Kind::Label => w.examples = Some(None),
            Kind::Nav => w.stray(b.line),
            Kind::Rule => {
                w.flush(file);
                w.after_rule = true;
            }
            _ if w.after_rule => match b.kind {
                Kind::Prose => w.prose.push(b.line),
                _ => w.stray(b.line),
            },
            Kind::TableHead(cells) => {
                w.flush(file);
                table = read_table_head(&mut w, &mut tolerated, file, cells, b.line);
                table_category = None;
            }
            Kind::TableRow(cells) => {
                if let Some(t) = &table {
                    read_table_row(&mut w, file, cells, b.line, t, &mut table_category);
                }
            }
            Kind::Bullet(indent) => {
                if let Some((at, is_level)) = w.inline_at
                    && *indent <= at
                {
                    w.flush(file);
                    if is_level {
                        w.level = None;
                    } else {
                        w.competency = None;
                    }
                    w.inline_at = None;
                }
                if let Some(Some(at)) = w.examples
                    && *indent <= at
                {
                    w.examples = None;
                }
                if w.examples.is_none() && is_examples(b.lead.as_deref().unwrap_or(&b.text)) {
                    w.examples = Some(Some(*indent));
                    continue;
                }
                if w.examples.is_none()
                    && let Some(rest) = b
                        .text
                        .strip_prefix("Examples:")
                        .or_else(|| b.text.strip_prefix("Example:"))
                        .or_else(|| b.text.strip_prefix("e.g."))
                        .or_else(|| b.lead.as_deref().filter(|l| is_examples(l)).map(|_| b.text.as_str()))
                {
                    w.example_lines.push(rest.trim().to_string());
                    w.examples = Some(Some(*indent));
                    continue;
                }
                if let Some(lead) = &b.lead {
                    if w.level.is_some() && w.competency.is_none() {
                        w.competency = Some(competency_name(lead));
                        (w.line, w.inline_at) = (b.line, Some((*indent, false)));
                        w.criteria.push(b.text.clone());
                        continue;
                    }
                    if w.level.is_none() && w.competency.is_some() && looks_level(lead) {
                        w.level = Some(w.level_index(lead, b.line));
                        (w.line, w.inline_at) = (b.line, Some((*indent, true)));
                        w.criteria.push(b.text.clone());
                        continue;
                    }
                }
                let text = b.lead.as_ref().map_or_else(|| b.text.clone(), |l| format!("{l}: {}", b.text));
                if w.level.is_none() || w.competency.is_none() {
                    w.stray(b.line);
                } else if w.examples.is_some() {
                    w.example_lines.push(text);
                } else {
                    w.criteria.push(text);
                }
            }
            Kind::Prose => match (w.level, &w.competency) {
                (Some(_), Some(_)) if w.examples.is_some() => w.example_lines.push(b.text.clone()),
                (Some(_), Some(_)) => w.criteria.push(b.text.clone()),
                _ => w.prose.push(b.line),
            },
        }
    }
    w.flush(file);
    let track_name = track_block.map(|i| (blocks[i].text.clone(), blocks[i].line));
    if let Some(first) = w.prose.first() {
        tolerated.push(format!("{file}:{first}: {} paragraphs of prose outside a competency were not imported", w.prose.len()));
    }
    if !w.strays.is_empty() {
        tolerated.push(format!(
            "{file}: lines {}: {} list items outside a level and a competency (navigation, links or prose around the ladder) were not imported; if they are criteria, put them under a level and a competency heading",
            line_ranges(&w.strays),
            w.strays.len()
        ));
    }
    tolerated.append(&mut w.empty);
    if scan.formatting {
        tolerated.push(format!("{file}: inline formatting (bold, links, code, HTML) removed from text"));
    }
    w.errors.into_result()?;
    Ok(Ladder { file: file.into(), track: track_name, levels: w.levels, entries: w.entries, tolerated, sheet: None })
}

/// `1, 3–5, 9`: sorted line numbers as ranges.
pub(crate) fn line_ranges(lines: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] <= lines[j] + 2 {
            j += 1;
        }
        out.push(if i == j { lines[i].to_string() } else { format!("{}–{}", lines[i], lines[j]) });
        i = j + 1;
    }
    out.join(", ")
}

/// The columns of a pipe table: competency, optional category, and (column, level).
struct Table {
    name: usize,
    category: Option<usize>,
    levels: Vec<(usize, usize)>,
    width: usize,
}

/// A table header: a competency column, an optional category column, levels for the rest.
fn read_table_head(w: &mut Walk, tolerated: &mut Vec<String>, file: &str, cells: &[String], line: usize) -> Option<Table> {
    let (mut name, mut cat, mut cols) = (None, None, Vec::new());
    let mut ignored = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        match (identity(c).as_str(), crate::framework::matrix::header_role(c)) {
            ("", _) if name.is_none() => name = Some(i),
            (_, Some(Column::Competency)) if name.is_none() => name = Some(i),
            (_, Some(Column::Category)) if cat.is_none() => cat = Some(i),
            (_, Some(Column::Description | Column::Ignore)) => ignored.push(c.clone()),
            _ => cols.push(i),
        }
    }
    // Only a table with a competency column adds levels: a skipped table adds nothing.
    let Some(name) = name else {
        tolerated.push(format!("{file}:{line}: table without a 'Competency' column skipped"));
        return None;
    };
    if !ignored.is_empty() {
        tolerated.push(format!("{file}:{line}: descriptive columns ignored: {}", ignored.join(", ")));
    }
    let cols = cols.into_iter().map(|i| (i, w.level_index(&cells[i], line))).collect();
    Some(Table { name, category: cat, levels: cols, width: cells.len() })
}

fn read_table_row(w: &mut Walk, file: &str, cells: &[String], line: usize, t: &Table, category: &mut Option<String>) {
    let width = t.width;
    if cells.len() > width {
        w.errors.push(format!("{file}:{line}"), format!("ragged row: {} cells where the table's header has {width}", cells.len()));
        return;
    }
    let cell = |i: usize| cells.get(i).map_or("", String::as_str);
    let name = competency_name(cell(t.name));
    if name.is_empty() {
        return;
    }
    if let Some(c) = t.category
        && !cell(c).is_empty()
    {
        *category = Some(cell(c).to_string());
    }
    let category = category.clone().or_else(|| w.categories.values().next_back().cloned());
    let mut any = false;
    for &(col, level) in &t.levels {
        any |= !cell(col).is_empty();
        w.entries.push(Entry { name: name.clone(), category: category.clone(), level: Some(level), text: cell(col).to_string(), line });
    }
    if !any {
        w.entries.push(Entry { name, category, level: None, text: String::new(), line });
    }
}

#[cfg(test)]
mod tests;
