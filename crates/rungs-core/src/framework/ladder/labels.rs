//! Level labels as ladders write them (`L3 — Senior Engineer`, `Level 2`, `IC4`,
//! `Software Engineer III`): split into a code and a title, matched against a
//! track's levels, numbered for ordering, and told apart from headings that merely
//! contain a number (`Top 10 mistakes`, `Q3 goals`, `2024 roadmap`).

use super::cell_text::slug;
use crate::framework::Level;
use crate::framework::drift::identity;

/// A level label split into a code and a title: `L3 — Senior Engineer` → (`L3`,
/// `Senior Engineer`); `Level 2` → (`Level 2`, none); `Staff` → (`Staff`, none).
pub(super) fn split_level(label: &str) -> (String, Option<String>) {
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

/// The number a label gives its level (`L3` → 3), when it gives one.
pub(super) fn level_number(label: &str) -> Option<u32> {
    let (code, title) = split_level(label);
    if title.is_none() && code == label.trim() && !code.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    code.chars().filter(char::is_ascii_digit).collect::<String>().parse().ok()
}

/// Whether a heading reads as a level rather than a heading that merely contains a
/// number: a level code (`L3`, `IC4`, `E5 — Senior`, `Senior (L4)`), a numbered rung
/// word (`Level 2`, `Grade 3`, `Tier 1`), a bare rung number (`3`), or a short title
/// ending in a rung number or Roman numeral (`Engineer 2`, `Software Engineer III`).
/// Quarters, halves, fiscal years, weeks and versions (`Q3 goals`, `H1`, `FY25`,
/// `v2`) are not levels, nor are numbers in prose (`Top 10 mistakes`, `2024 roadmap`,
/// `Step 1: setup`).
pub(crate) fn level_like(label: &str) -> bool {
    const NOT_RUNGS: &[&str] = &[
        "step", "chapter", "part", "section", "page", "week", "day", "phase", "sprint", "version", "release", "option", "example", "figure", "table",
        "appendix", "round", "module", "lesson", "unit", "year", "quarter",
    ];
    let words: Vec<&str> = label.split_whitespace().map(|w| w.trim_matches(|c: char| ":.,;()[]".contains(c))).filter(|w| !w.is_empty()).collect();
    let calendar = |w: &str| {
        let letters: String = w.chars().take_while(char::is_ascii_alphabetic).collect();
        ["q", "h", "fy", "cw", "kw", "w", "wk", "v", "no", "pg", "ch"].contains(&letters.to_lowercase().as_str())
    };
    let rung_number = |w: &str| (1..=2).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit());
    let roman = |w: &str| ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"].contains(&w);
    match words.as_slice() {
        [] => false,
        [w] if rung_number(w) => true,
        [w, n, ..] if ["level", "lvl", "grade", "band", "tier", "rung"].contains(&w.to_lowercase().as_str()) && rung_number(n) => true,
        ws if ws.len() <= 6 && ws.iter().any(|w| code_like(w) && !calendar(w)) => true,
        [first, .., last] => {
            words.len() <= 5
                && (rung_number(last) || roman(last))
                && !NOT_RUNGS.contains(&first.to_lowercase().as_str())
                && words[..words.len() - 1].iter().all(|w| w.chars().all(|c| c.is_alphabetic() || "-&/".contains(c)))
        }
        [_] => false,
    }
}

/// `L3`, `IC4`, `E-5`: one to three letters, then one or two digits.
fn code_like(w: &str) -> bool {
    let letters = w.chars().take_while(char::is_ascii_alphabetic).count();
    let rest = w[letters..].trim_start_matches(['-', '.']);
    (1..=3).contains(&letters) && (1..=2).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::level_like;

    #[test]
    fn a_level_is_told_from_a_heading_with_a_number_in_it() {
        for yes in
            ["L3", "L3 — Senior Engineer", "IC4", "E5: Senior", "Level 2", "Grade 3", "Tier 1", "3", "Engineer 2", "Software Engineer III", "P2 (Senior)"]
        {
            assert!(level_like(yes), "{yes} is a level");
        }
        for no in [
            "Top 10 mistakes",
            "2024 roadmap",
            "Step 1: setup",
            "Step 1",
            "Q3 goals",
            "H1",
            "FY25",
            "v2",
            "Our 5 values",
            "Competencies",
            "What we mean by 'level 2' in practice, and why",
            "Release 2024.1",
        ] {
            assert!(!level_like(no), "{no} is not a level");
        }
    }
}
