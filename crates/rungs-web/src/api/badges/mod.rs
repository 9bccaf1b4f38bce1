//! `/api/v1/badges` and `/api/v1/people/{id}/badges`: badge definitions (people
//! team), the rule preview, the generated image, a person's badges with why, and
//! awards by hand. The rules are in `rungs_app::badges`; docs/BADGES.md.

pub mod award;
pub mod define;
pub mod held;
pub mod image;
pub mod list;
pub mod preview;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rungs_core::badges::{StoredBadge, Tier};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A badge as the API shows it: its definition and each tier's rule in words.
#[derive(Debug, Serialize, ToSchema)]
pub struct BadgeView {
    pub key: String,
    pub name: String,
    pub description: String,
    /// The definition as saved (the rule language of docs/BADGES.md).
    #[schema(value_type = Object)]
    pub definition: Value,
    /// Each tier's rule in words.
    pub rules: BTreeMap<Tier, String>,
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredBadge> for BadgeView {
    fn from(b: StoredBadge) -> Self {
        BadgeView {
            key: b.def.key.clone(),
            name: b.def.name.clone(),
            description: b.def.description.clone(),
            definition: serde_json::to_value(&b.def).unwrap_or(Value::Null),
            rules: b.def.tiers.iter().map(|(t, r)| (*t, r.describe())).collect(),
            revision: b.revision,
            updated_at: b.updated_at,
        }
    }
}
