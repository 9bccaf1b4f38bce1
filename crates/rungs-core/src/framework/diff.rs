//! What changed between two framework versions, line by line, for the people team.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::Framework;

/// One change, in words, with the thing it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Change {
    /// `added`, `removed` or `changed`.
    pub op: &'static str,
    /// `track`, `level`, `competency`, `expectation` or `milestone`.
    pub what: &'static str,
    /// Which one, e.g. `engineering/e3` or `testing @ engineering/e3`.
    pub key: String,
    /// For `changed`: what differs, e.g. `title: "Engineer" → "Software Engineer"`.
    pub detail: Option<String>,
}

fn compare<T: PartialEq>(out: &mut Vec<Change>, what: &'static str, old: BTreeMap<String, T>, new: BTreeMap<String, T>, detail: impl Fn(&T, &T) -> String) {
    for (k, o) in &old {
        match new.get(k) {
            None => out.push(Change { op: "removed", what, key: k.clone(), detail: None }),
            Some(n) if n != o => out.push(Change { op: "changed", what, key: k.clone(), detail: Some(detail(o, n)) }),
            Some(_) => {}
        }
    }
    for k in new.keys().filter(|k| !old.contains_key(*k)) {
        out.push(Change { op: "added", what, key: k.clone(), detail: None });
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The changes that turn `old` into `new`, grouped by kind of thing, keys in order.
pub fn diff(old: &Framework, new: &Framework) -> Vec<Change> {
    let mut out = Vec::new();
    let tracks = |f: &Framework| f.tracks.iter().map(|t| (t.key.clone(), t.name.clone())).collect::<BTreeMap<_, _>>();
    compare(&mut out, "track", tracks(old), tracks(new), |a, b| format!("name: {a:?} → {b:?}"));
    let levels = |f: &Framework| {
        f.tracks
            .iter()
            .flat_map(|t| t.levels.iter().enumerate().map(move |(i, l)| (format!("{}/{}", t.key, l.key), (i, l.title.clone()))))
            .collect::<BTreeMap<_, _>>()
    };
    compare(&mut out, "level", levels(old), levels(new), |a, b| {
        if a.1 != b.1 { format!("title: {:?} → {:?}", a.1, b.1) } else { format!("position: {} → {}", a.0 + 1, b.0 + 1) }
    });
    let comps = |f: &Framework| f.competencies.iter().map(|c| (c.key.clone(), (c.name.clone(), c.category.clone()))).collect::<BTreeMap<_, _>>();
    compare(&mut out, "competency", comps(old), comps(new), |a, b| {
        if a.0 != b.0 { format!("name: {:?} → {:?}", a.0, b.0) } else { format!("category: {:?} → {:?}", a.1, b.1) }
    });
    let exps = |f: &Framework| f.expectations.iter().map(|x| (format!("{} @ {}/{}", x.competency, x.track, x.level), x.clone())).collect::<BTreeMap<_, _>>();
    compare(&mut out, "expectation", exps(old), exps(new), |a, b| {
        if a.text != b.text { format!("text: {:?} → {:?}", a.text, b.text) } else { format!("criterion: {} → {}", json(&a.criterion), json(&b.criterion)) }
    });
    let miles = |f: &Framework| f.milestones.iter().map(|m| (m.key.clone(), m.clone())).collect::<BTreeMap<_, _>>();
    compare(&mut out, "milestone", miles(old), miles(new), |a, b| {
        if a.title != b.title { format!("title: {:?} → {:?}", a.title, b.title) } else { format!("{} → {}", json(a), json(b)) }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::yaml::from_yaml;

    #[test]
    fn a_diff_names_what_was_added_removed_and_changed() {
        let a = from_yaml("a", "tracks: [{key: t, name: T, levels: [{key: l1, title: One}, {key: l2, title: Two}]}]\ncompetencies: [{key: x, name: X, category: c}, {key: y, name: Y, category: c}]\nexpectations: [{competency: x, track: t, level: l2, text: old}]\n").unwrap().framework;
        let b = from_yaml("b", "tracks: [{key: t, name: T, levels: [{key: l1, title: One}, {key: l2, title: Second}]}]\ncompetencies: [{key: x, name: X, category: c}, {key: z, name: Z, category: c}]\nexpectations: [{competency: x, track: t, level: l2, text: new}]\n").unwrap().framework;
        let d: Vec<String> = diff(&a, &b).iter().map(|c| format!("{} {} {} {}", c.op, c.what, c.key, c.detail.clone().unwrap_or_default())).collect();
        assert_eq!(
            d,
            vec![
                "changed level t/l2 title: \"Two\" → \"Second\"",
                "removed competency y ",
                "added competency z ",
                "changed expectation x @ t/l2 text: \"old\" → \"new\"",
            ]
        );
        assert!(diff(&a, &a).is_empty());
    }
}
