//! A person's answers to the pairs of names flagged as possibly one competency:
//! `same=A=B`, `different=A=B`, or `different=*` for every pair not answered.

use crate::ValidationError;
use crate::framework::drift::{self, Confirmations, Decision, identity};

/// The answer to each of `pairs` (indexes into `names`, and why they were flagged):
/// `None` while unanswered. An answer naming no flagged pair is refused, every one
/// at once.
pub(super) fn decide(confirm: &Confirmations, pairs: &[(usize, usize, String)], names: &[String]) -> Result<Vec<Option<Decision>>, ValidationError> {
    let mut e = ValidationError::new();
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
        let hit = drift::split_pair(raw, names).and_then(|(a, b)| {
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
    e.into_result().map(|()| decided)
}
