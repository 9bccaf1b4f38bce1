//! Which open opportunities would help close a gap: the "matching open opportunities"
//! of a recommendation. Deterministic, and every match says why it is there.

use serde::Serialize;
use utoipa::ToSchema;

use super::Opportunity;
use crate::{OpportunityId, PersonId};

/// Most opportunities suggested for one gap.
pub const MATCHES_PER_GAP: usize = 3;

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
/// (key and name, highest-ranked first). Left out: the person's own opportunities,
/// ones they already applied to (`applied`), closed or full ones. Ranked by how many
/// of the person's gaps each builds (more first), then by places left (more first),
/// then newest first; at most [`MATCHES_PER_GAP`].
pub fn matches_for(gap: &str, gaps: &[(String, String)], person: PersonId, open: &[Opportunity], applied: &[OpportunityId]) -> Vec<OpportunityMatch> {
    let mut found: Vec<(&Opportunity, Vec<&(String, String)>)> = open
        .iter()
        .filter(|o| o.accepts_applications() && o.owner != person && !applied.contains(&o.id))
        .filter(|o| o.competencies.iter().any(|c| c == gap))
        .map(|o| (o, gaps.iter().filter(|(k, _)| o.competencies.contains(k)).collect::<Vec<_>>()))
        .collect();
    found.sort_by(|(a, ga), (b, gb)| gb.len().cmp(&ga.len()).then(b.places_left().cmp(&a.places_left())).then(b.id.cmp(&a.id)));
    found
        .into_iter()
        .take(MATCHES_PER_GAP)
        .map(|(o, covered)| {
            let this = covered.iter().find(|(k, _)| k == gap).map_or(gap, |(_, n)| n.as_str());
            let others: Vec<&str> = covered.iter().filter(|(k, _)| k != gap).map(|(_, n)| n.as_str()).collect();
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
                gaps: covered.iter().map(|(k, _)| k.clone()).collect(),
                why: format!("Builds {this}{also}; {places} of {}.", o.capacity),
            }
        })
        .collect()
}
