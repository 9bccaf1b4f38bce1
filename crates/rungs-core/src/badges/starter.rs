//! The badges shipped with Rungs, named after the seed terms (docs/BADGES.md). The
//! demo defines them; `rungs badges define --starter` does it for any organization.

use super::{BadgeDef, parse_badge_yaml};

/// The starter set's YAML, one document per badge separated by `---`.
pub const STARTER_YAML: &str = include_str!("starter.yaml");

/// The starter set, parsed (a test proves each one parses).
pub fn starter() -> Vec<BadgeDef> {
    STARTER_YAML.split("\n---\n").filter(|d| !d.trim().is_empty()).map(|d| parse_badge_yaml(d).expect("the starter badges parse")).collect()
}
