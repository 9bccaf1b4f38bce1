//! Which competencies a free-text win seems to evidence: a deterministic, offline
//! text match that explains itself, offered when someone logs a win without tagging
//! it. Each competency's vocabulary is the words of its name (weight 2) and of what
//! the framework expects of it and of the milestone modules tied to it (weight 1), in
//! the person's track when one is given. A word of the win counts for a competency
//! when their stems are equal, weighted by how rare the stem is among competencies
//! (`ln(1 + C / df)`, C competencies, df of them using it), so words every competency
//! uses say little. Suggestions score at least [`MIN_SCORE`], highest first; ties by
//! key. No model, no network: the same framework and text always give the same answer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::Framework;
use super::drift::stem;

/// The least score a suggestion needs: one uncommon word of its expectations.
pub const MIN_SCORE: f64 = 1.0;

/// Words that say nothing about a competency.
const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "are", "as", "at", "be", "been", "before", "but", "by", "can", "did", "do", "done", "for", "from",
    "get", "got", "had", "has", "have", "her", "his", "i", "in", "into", "is", "it", "its", "made", "make", "me", "more", "most", "my", "new", "not", "of",
    "on", "one", "or", "our", "out", "over", "so", "some", "than", "that", "the", "their", "them", "then", "they", "this", "those", "to", "two", "up", "us",
    "was", "we", "were", "what", "when", "which", "who", "will", "with", "without", "you", "your",
];

/// A competency the text seems to evidence, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestion {
    pub competency: String,
    pub name: String,
    /// Sum of the matched words' weights; see the module documentation.
    pub score: f64,
    /// The words of the text that matched, as written there.
    pub words: Vec<String>,
    /// Why, in words.
    pub why: String,
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !STOP.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
}

/// `shipped` and `ship`, `reviewed` and `reviews`, `tests` and `testing` share a stem.
fn key(word: &str) -> String {
    let w = word.strip_suffix("ed").filter(|r| r.chars().count() >= 4).unwrap_or(word);
    let w = w.strip_suffix('e').filter(|r| r.chars().count() >= 4).unwrap_or(w);
    stem(w)
}

/// Up to `limit` competencies `text` seems to evidence, for a person on `track`.
pub fn suggest(fw: &Framework, track: Option<&str>, text: &str, limit: usize) -> Vec<Suggestion> {
    // Vocabulary: competency key -> stem -> weight (2 when the name uses it).
    let mut vocab: BTreeMap<&str, HashMap<String, f64>> = BTreeMap::new();
    let in_track = |t: &str| track.is_none_or(|x| x == t);
    for c in &fw.competencies {
        let v = vocab.entry(c.key.as_str()).or_default();
        for w in words(&c.name) {
            v.insert(key(&w), 2.0);
        }
    }
    let texts = fw
        .expectations
        .iter()
        .filter(|x| in_track(&x.track))
        .map(|x| (vec![x.competency.as_str()], x.text.as_str()))
        .chain(fw.milestones.iter().filter(|m| in_track(&m.track)).map(|m| (m.competencies.iter().map(String::as_str).collect(), m.title.as_str())));
    for (keys, text) in texts {
        for k in keys {
            if let Some(v) = vocab.get_mut(k) {
                for w in words(text) {
                    v.entry(key(&w)).or_insert(1.0);
                }
            }
        }
    }
    let n = vocab.len() as f64;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for v in vocab.values() {
        for s in v.keys() {
            *df.entry(s.as_str()).or_default() += 1.0;
        }
    }
    // The text's words by stem, keeping the first spelling for the explanation.
    let mut said: BTreeMap<String, String> = BTreeMap::new();
    for w in words(text) {
        said.entry(key(&w)).or_insert(w);
    }
    let mut out: Vec<Suggestion> = vocab
        .iter()
        .filter_map(|(k, v)| {
            let mut score = 0.0;
            let mut matched = BTreeSet::new();
            let mut in_name = false;
            for (s, original) in &said {
                if let Some(w) = v.get(s) {
                    score += w * (1.0 + n / df[s.as_str()]).ln();
                    matched.insert(original.clone());
                    in_name |= *w > 1.0;
                }
            }
            (score >= MIN_SCORE).then(|| {
                let c = fw.competency(k);
                let name = c.map_or_else(|| k.to_string(), |c| c.name.clone());
                let words: Vec<String> = matched.into_iter().collect();
                let quoted: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
                let source = if in_name { "its name and what the framework expects of it" } else { "what the framework expects of it" };
                let why = format!("{} in the text match {source} (score {score:.1}).", quoted.join(", "));
                Suggestion { competency: k.to_string(), name, score, words, why }
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.competency.cmp(&b.competency)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Competency, Expectation, Level, Track};

    fn fw() -> Framework {
        let comp = |k: &str, n: &str| Competency { key: k.into(), name: n.into(), category: "craft".into() };
        let exp = |c: &str, text: &str| Expectation { competency: c.into(), track: "eng".into(), level: "e2".into(), text: text.into(), criterion: None };
        Framework {
            tracks: vec![Track { key: "eng".into(), name: "Engineering".into(), levels: vec![Level { key: "e2".into(), title: "Engineer".into() }] }],
            competencies: vec![comp("testing", "Testing"), comp("operations", "Operating production"), comp("mentoring", "Mentoring")],
            expectations: vec![
                exp("testing", "Chooses the right level of test; fixes flaky tests instead of retrying them."),
                exp("operations", "Handles on-call alone for their service; writes the postmortem for incidents they handle."),
                exp("mentoring", "Onboards new team members and pairs with juniors on their service."),
            ],
            milestones: vec![],
        }
    }

    #[test]
    fn the_words_of_a_win_point_at_the_competencies_that_use_them() {
        let got = suggest(&fw(), Some("eng"), "Wrote the postmortem for the Tuesday incident", 3);
        assert_eq!(got.iter().map(|s| s.competency.as_str()).collect::<Vec<_>>(), ["operations"]);
        assert_eq!(got[0].words, ["incident", "postmortem"]);
        // Two words each used by one of three competencies: 2 × ln(1 + 3/1).
        assert!((got[0].score - 2.0 * 4f64.ln()).abs() < 1e-9, "{}", got[0].score);
        assert_eq!(got[0].why, "“incident”, “postmortem” in the text match what the framework expects of it (score 2.8).");
    }

    #[test]
    fn stems_match_across_spellings_and_names_weigh_double() {
        let got = suggest(&fw(), None, "Fixed three flaky tests and mentored Sam", 3);
        let keys: Vec<&str> = got.iter().map(|s| s.competency.as_str()).collect();
        assert_eq!(keys, ["testing", "mentoring"], "{got:?}");
        assert!(got[0].why.contains("its name"), "“tests” is the stem of the name Testing: {}", got[0].why);
    }

    #[test]
    fn words_every_competency_uses_or_no_words_suggest_nothing() {
        // "service" is in two of three expectations: ln(1 + 3/2) < 1.
        assert!(suggest(&fw(), None, "Improved the service", 3).is_empty());
        assert!(suggest(&fw(), None, "", 3).is_empty());
        assert!(suggest(&fw(), None, "the and of 2026", 3).is_empty());
        assert!(suggest(&fw(), Some("sales"), "postmortem", 3).is_empty(), "only the person's track's expectations count");
    }
}
