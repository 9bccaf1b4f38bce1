//! Which open opportunities would help close a gap: the "matching open opportunities"
//! of a recommendation. An opportunity builds a gap when it is tagged with the gap's
//! competency and the kind of win completing it records is one the gap's criterion
//! counts. Deterministic, and every match says why it is there.

use serde::Serialize;
use utoipa::ToSchema;

use super::Opportunity;
use crate::event::{Category, category_label};
use crate::{OpportunityId, PersonId};

/// Most opportunities suggested for one gap.
pub const MATCHES_PER_GAP: usize = 3;

/// An open gap as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub key: String,
    pub name: String,
    /// The win categories its criterion counts; empty = any.
    pub categories: Vec<Category>,
}

impl Gap {
    /// Would completing `o` count toward this gap?
    pub fn built_by(&self, o: &Opportunity) -> bool {
        o.competencies.contains(&self.key) && (self.categories.is_empty() || self.categories.contains(&o.category))
    }
}

/// An open opportunity that builds a competency the person is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OpportunityMatch {
    pub id: OpportunityId,
    pub title: String,
    pub places_left: u32,
    /// Keys of the person's open gaps this opportunity builds, in the order the gaps rank.
    pub gaps: Vec<String>,
    /// Why it is suggested here, in words.
    pub why: String,
}

/// The open opportunities that build `gap`, for `person` whose open gaps are `gaps`
/// (highest-ranked first). Left out: the person's own opportunities, ones they
/// already applied to (`applied`), closed or full ones, and ones whose completion
/// would not count toward the gap. Ranked by how many of the person's gaps each
/// builds (more first), then by places left (more first), then newest first; at most
/// [`MATCHES_PER_GAP`].
pub fn matches_for(gap: &Gap, gaps: &[Gap], person: PersonId, open: &[Opportunity], applied: &[OpportunityId]) -> Vec<OpportunityMatch> {
    let mut found: Vec<(&Opportunity, Vec<&Gap>)> = open
        .iter()
        .filter(|o| o.accepts_applications() && o.owner != person && !applied.contains(&o.id) && gap.built_by(o))
        .map(|o| (o, gaps.iter().filter(|g| g.built_by(o)).collect::<Vec<_>>()))
        .collect();
    found.sort_by(|(a, ga), (b, gb)| gb.len().cmp(&ga.len()).then(b.places_left().cmp(&a.places_left())).then(b.id.cmp(&a.id)));
    found
        .into_iter()
        .take(MATCHES_PER_GAP)
        .map(|(o, covered)| {
            let others: Vec<&str> = covered.iter().filter(|g| g.key != gap.key).map(|g| g.name.as_str()).collect();
            let also = match others.len() {
                0 => String::new(),
                1 => format!(", and {}, another of your open gaps", others[0]),
                _ => format!(", and {} more of your open gaps ({})", others.len(), others.join(", ")),
            };
            let left = o.places_left();
            let places = if left == 1 { "1 place left".to_string() } else { format!("{left} places left") };
            OpportunityMatch {
                id: o.id,
                title: o.title.clone(),
                places_left: left,
                gaps: covered.iter().map(|g| g.key.clone()).collect(),
                why: format!(
                    "Builds {}{also}; completing it records a {} win, which counts here; {places} of {}.",
                    gap.name,
                    category_label(o.category),
                    o.capacity
                ),
            }
        })
        .collect()
}
