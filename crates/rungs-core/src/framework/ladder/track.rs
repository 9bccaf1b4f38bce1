//! The track a ladder fills: the one asked for, the one the file names, or a new one
//! made from the file's level labels; and the level key each label stands for.

use std::collections::HashSet;

use super::labels::{level_number, names_level, split_level};
use super::{Ladder, MAX_LEVELS, slug};
use crate::ValidationError;
use crate::framework::drift::identity;
use crate::framework::{Framework, Level, Track};

/// Find or make the track; then the level key of each label.
pub(super) fn resolve_track(fw: &Framework, track: Option<&str>, l: &Ladder) -> Result<(Track, bool, Vec<String>), ValidationError> {
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
