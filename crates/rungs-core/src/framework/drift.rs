//! Competency names that may be one competency written two ways ("Mentoring" at one
//! level, "Mentorship" at the next; or two rows of a matrix). The import never merges
//! or splits these by itself: it lists each pair as needing confirmation, and a person
//! says "same" (merge) or "different" (keep apart).
//!
//! The rule, deterministic and documented in docs/FRAMEWORKS.md: two names whose
//! identity ([`identity`]: case and spacing ignored) differ are *near* when
//! 1. their word stems are the same set ("Mentoring" / "Mentorship", "System design" /
//!    "Systems design"), or
//! 2. the stems of one are all among the stems of the other ("Code quality" /
//!    "Code quality & review"), or
//! 3. they are at most two letter edits apart and at least six letters long
//!    ("Comunication" / "Communication"), unless they differ only in digits
//!    ("Competency 12" / "Competency 13" are numbered, not misspelt).
//!
//! Pairs are found by blocking, not by comparing every name with every other
//! ([`candidates`]): for rules 1 and 2 the smaller name's rarest stem must be in the
//! other, so each name is compared only with the names holding its rarest stem; for
//! rule 3 names are compared within blocks of the same first four or last four
//! letters, and only with names at most two letters longer. A typo in both the first
//! and the last four letters of a name is not flagged (docs/FRAMEWORKS.md).
//!
//! Stems are words lowercased, with `&`, punctuation and the words "and", "of", "the",
//! "for", "in", "to", "a", "an", "with" dropped, and a few English endings removed
//! (`-ship`, `-ment`, `-ing`, `-ness`, `-ity`, `-ies`, `-es`, `-s`, `-al`, `-ive`).
//! The edit distance is written here rather than taken from a crate: it is ten lines.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What names a competency: case and runs of whitespace ignored.
pub fn identity(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

const STOP: &[&str] = &["and", "of", "the", "for", "in", "to", "a", "an", "with"];
const ENDINGS: &[&str] = &["ship", "ment", "ing", "ness", "ity", "ies", "es", "s", "al", "ive"];

pub(crate) fn stem(word: &str) -> String {
    for end in ENDINGS {
        if let Some(root) = word.strip_suffix(end)
            && root.chars().count() >= 3
        {
            return root.to_string();
        }
    }
    word.to_string()
}

fn stems(name: &str) -> BTreeSet<String> {
    name.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty() && !STOP.contains(w)).map(stem).collect()
}

/// Levenshtein distance in characters.
pub(crate) fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diag + usize::from(ca != *cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Why two different names look like one competency, or `None`.
pub fn near(a: &str, b: &str) -> Option<&'static str> {
    let (ia, ib) = (identity(a), identity(b));
    if ia == ib {
        return None;
    }
    let (sa, sb) = (stems(a), stems(b));
    if !sa.is_empty() && sa == sb {
        return Some("same word stems");
    }
    if !sa.is_empty() && !sb.is_empty() && (sa.is_subset(&sb) || sb.is_subset(&sa)) {
        return Some("one name's words are all in the other");
    }
    if typo(&ia, &ib) {
        return Some("at most two letters apart");
    }
    None
}

/// Rule 3 on two identities.
fn typo(ia: &str, ib: &str) -> bool {
    let digitless = |s: &str| s.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
    ia.chars().count().min(ib.chars().count()) >= 6
        && ia.chars().count().abs_diff(ib.chars().count()) <= 2
        && digitless(ia) != digitless(ib)
        && edits(ia, ib) <= 2
}

/// Rule 3 with everything precomputed: length, a letter-count filter (each edit
/// changes at most two counts by one), digits, then an edit distance banded to 2.
struct Spelling {
    chars: Vec<char>,
    counts: [u8; 37],
    digitless: String,
}

impl Spelling {
    fn new(id: &str) -> Spelling {
        let mut counts = [0u8; 37];
        for c in id.chars() {
            let k = match c {
                'a'..='z' => c as usize - 'a' as usize,
                '0'..='9' => 26 + c as usize - '0' as usize,
                _ => 36,
            };
            counts[k] = counts[k].saturating_add(1);
        }
        Spelling { chars: id.chars().collect(), counts, digitless: id.chars().filter(|c| !c.is_ascii_digit()).collect() }
    }

    fn typo(&self, o: &Spelling) -> bool {
        let (a, b) = (&self.chars, &o.chars);
        if a.len().min(b.len()) < 6 || a.len().abs_diff(b.len()) > 2 || self.digitless == o.digitless {
            return false;
        }
        let bag: usize = self.counts.iter().zip(&o.counts).map(|(x, y)| usize::from(x.abs_diff(*y))).sum();
        bag <= 4 && banded(a, b, 2)
    }
}

/// Whether the edit distance of `a` and `b` is at most `k`, looking only at the
/// diagonal band of width `2k + 1`.
fn banded(a: &[char], b: &[char], k: usize) -> bool {
    const FAR: usize = usize::MAX / 2;
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| if j <= k { j } else { FAR }).collect();
    for i in 1..=a.len() {
        let mut cur = vec![FAR; b.len() + 1];
        if i <= k {
            cur[0] = i;
        }
        let (lo, hi) = (i.saturating_sub(k).max(1), (i + k).min(b.len()));
        for j in lo..=hi {
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
        }
        prev = cur;
    }
    prev[b.len()] <= k
}

/// Every near pair among `names` (`i < j`, with the reason), found by blocking. The
/// result is the same as calling [`near`] on every pair, except for typos in both the
/// first and the last four letters.
pub fn candidates(names: &[&str]) -> Vec<(usize, usize, &'static str)> {
    let ids: Vec<String> = names.iter().map(|n| identity(n)).collect();
    let st: Vec<BTreeSet<String>> = names.iter().map(|n| stems(n)).collect();
    let sp: Vec<Spelling> = ids.iter().map(|i| Spelling::new(i)).collect();
    let why = |i: usize, j: usize| -> Option<&'static str> {
        let (sa, sb) = (&st[i], &st[j]);
        if ids[i] == ids[j] {
            None
        } else if !sa.is_empty() && sa == sb {
            Some("same word stems")
        } else if !sa.is_empty() && !sb.is_empty() && (sa.is_subset(sb) || sb.is_subset(sa)) {
            Some("one name's words are all in the other")
        } else if sp[i].typo(&sp[j]) {
            Some("at most two letters apart")
        } else {
            None
        }
    };
    let mut post: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in st.iter().enumerate() {
        for w in s {
            post.entry(w.as_str()).or_default().push(i);
        }
    }
    let mut found: HashSet<(usize, usize)> = HashSet::new();
    let mut out = Vec::new();
    let mut check = |i: usize, j: usize, out: &mut Vec<(usize, usize, &'static str)>| {
        let (i, j) = (i.min(j), i.max(j));
        if i == j || found.contains(&(i, j)) {
            return;
        }
        if let Some(w) = why(i, j) {
            found.insert((i, j));
            out.push((i, j, w));
        }
    };
    for (i, s) in st.iter().enumerate() {
        let Some(rarest) = s.iter().min_by_key(|w| post[w.as_str()].len()) else { continue };
        for &j in &post[rarest.as_str()] {
            // The smaller set's stems are all in the other: test from the smaller side.
            if st[j].len() >= s.len() && s.is_subset(&st[j]) {
                check(i, j, &mut out);
            }
        }
    }
    let mut blocks: HashMap<(bool, String), Vec<usize>> = HashMap::new();
    for (i, l) in sp.iter().map(|s| &s.chars).enumerate().filter(|(_, l)| l.len() >= 6) {
        blocks.entry((false, l[..4].iter().collect())).or_default().push(i);
        blocks.entry((true, l[l.len() - 4..].iter().collect())).or_default().push(i);
    }
    let mut blocks: Vec<Vec<usize>> = blocks.into_values().filter(|b| b.len() > 1).collect();
    blocks.sort();
    for mut b in blocks {
        b.sort_by_key(|&i| (sp[i].chars.len(), i));
        for (x, &i) in b.iter().enumerate() {
            for &j in b[x + 1..].iter().take_while(|&&j| sp[j].chars.len() <= sp[i].chars.len() + 2) {
                if sp[i].typo(&sp[j]) {
                    check(i, j, &mut out);
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// A person's answer for one flagged pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// One competency: merge them under the first name.
    Same,
    /// Two competencies: keep them apart.
    Different,
}

/// One side of a flagged pair: the name as written, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DriftName {
    pub name: String,
    /// Level keys this name describes.
    pub levels: Vec<String>,
    /// Where it is written, `file:line` each.
    pub at: Vec<String>,
}

/// Two names that may be one competency, and what a person decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Drift {
    pub a: DriftName,
    pub b: DriftName,
    /// Which part of the rule flagged them.
    pub why: String,
    /// `null` until confirmed: a commit is refused while any pair is unconfirmed.
    pub decision: Option<Decision>,
}

impl Drift {
    /// How to confirm this pair: `A=B`, the form of `same=` / `different=` / `--same`.
    pub fn pair(&self) -> String {
        format!("{}={}", self.a.name, self.b.name)
    }
}

/// The person's answers, as given: `A=B` strings for `same` and `different`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmations {
    pub given: Vec<(Decision, String)>,
}

impl Confirmations {
    pub fn add(&mut self, decision: Decision, pair: impl Into<String>) {
        self.given.push((decision, pair.into()));
    }
}

/// Split `A=B` where both sides name one of `names` (by identity). Names may contain
/// `=`, so every split point is tried, leftmost first.
pub fn split_pair(raw: &str, names: &[String]) -> Option<(String, String)> {
    let known = |s: &str| names.iter().any(|n| identity(n) == identity(s));
    raw.match_indices('=').map(|(i, _)| (&raw[..i], &raw[i + 1..])).find(|(a, b)| known(a) && known(b)).map(|(a, b)| (identity(a), identity(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_flagged_with_the_reason() {
        for (a, b, why) in [
            ("Mentoring", "Mentorship", "same word stems"),
            ("System design", "Systems Design", "same word stems"),
            ("Code Quality", "Code quality & review", "one name's words are all in the other"),
            ("Communication", "Written communication", "one name's words are all in the other"),
            ("Comunication", "Communication", "at most two letters apart"),
        ] {
            assert_eq!(near(a, b), Some(why), "{a} / {b}");
            assert_eq!(near(b, a), Some(why), "symmetric: {b} / {a}");
        }
    }

    #[test]
    fn distinct_names_and_case_variants_are_not_flagged() {
        for (a, b) in
            [("Technical skills", "Technical leadership"), ("Testing", "Delivery"), ("Code  quality", "code quality"), ("Ops", "Oops"), ("Impact", "Influence")]
        {
            assert_eq!(near(a, b), None, "{a} / {b}");
        }
    }

    #[test]
    fn blocking_finds_what_every_pair_finds_and_skips_numbered_names() {
        let names = [
            "Mentoring",
            "Mentorship",
            "System design",
            "Systems Design",
            "Code Quality",
            "Code quality & review",
            "Comunication",
            "Communication",
            "Written communication",
            "Testing",
            "Delivery",
            "Competency 12",
            "Competency 13",
        ];
        let mut all = Vec::new();
        for i in 0..names.len() {
            for j in i + 1..names.len() {
                if let Some(why) = near(names[i], names[j]) {
                    all.push((i, j, why));
                }
            }
        }
        assert_eq!(candidates(&names), all);
        assert_eq!(near("Competency 12", "Competency 13"), None, "numbered names differ on purpose");
        let many: Vec<String> = (0..2000).map(|i| format!("Competency {i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(candidates(&refs).is_empty());
    }

    #[test]
    fn a_pair_splits_where_both_sides_are_known_names() {
        let names = vec!["A=B".to_string(), "C".to_string(), "A".to_string()];
        assert_eq!(split_pair("A=B=C", &names), Some(("a=b".into(), "c".into())));
        assert_eq!(split_pair(" a =C", &names), Some(("a".into(), "c".into())));
        assert_eq!(split_pair("X=C", &names), None);
        assert_eq!(edits("kitten", "sitting"), 3);
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        for (a, b) in [("kitten", "sitting"), ("communication", "comunication"), ("abcdef", "abcdef"), ("abcdef", "badcfe"), ("ab", "abcd")] {
            assert_eq!(banded(&c(a), &c(b), 2), edits(a, b) <= 2, "{a} / {b}");
        }
    }
}
