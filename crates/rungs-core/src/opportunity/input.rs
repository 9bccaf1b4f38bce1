//! Client input for the opportunity board, parsed in two steps (JSON values, then typed
//! fields) so every error names its field and all of them are reported at once.
//! Whether the competencies exist in the framework is the application layer's check.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::event::Category;
use crate::text::{parse_key, parse_optional_text, parse_text};
use crate::{PersonId, ValidationError};

/// Most competencies one opportunity may be tagged with.
pub const MAX_OPPORTUNITY_COMPETENCIES: usize = 10;
/// Most places one opportunity may offer.
pub const MAX_CAPACITY: u32 = 100;

/// An opportunity as a client posts it (`POST /api/v1/opportunities`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    /// One line: what the work is (1-200 characters, not blank).
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub description: Value,
    /// Competency keys the work builds: 1 to 10.
    #[schema(value_type = Vec<String>, min_items = 1, max_items = 10)]
    pub competencies: Value,
    /// The kind of win completing it records: a micro-progression category
    /// (default `project_completed`).
    #[serde(default)]
    #[schema(value_type = Option<Category>)]
    pub category: Value,
    /// Places: 1 to 100; defaults to 1.
    #[serde(default)]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub capacity: Value,
    /// Post on behalf of this person (people team only); defaults to the poster.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner: Value,
}

/// The parsed, shape-checked form of an [`OpportunityInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub title: String,
    pub description: Option<String>,
    /// Sorted and unique.
    pub competencies: Vec<String>,
    pub category: Category,
    pub capacity: u32,
    pub owner: Option<PersonId>,
}

fn string_of<'a>(e: &mut ValidationError, field: &str, v: &'a Value, required: bool) -> Option<&'a str> {
    match v {
        Value::String(s) => Some(s),
        Value::Null if required => {
            e.push(field, "is required");
            None
        }
        Value::Null => None,
        _ => {
            e.push(field, "must be a string");
            None
        }
    }
}

impl OpportunityInput {
    /// Parse every field, collecting all errors.
    pub fn parse(self) -> Result<NewOpportunity, ValidationError> {
        let mut e = ValidationError::new();
        let title = string_of(&mut e, "title", &self.title, true).and_then(|s| e.collect(parse_text("title", s, 200)));
        let description =
            string_of(&mut e, "description", &self.description, false).and_then(|s| e.collect(parse_optional_text("description", Some(s), 4000)).flatten());
        let mut competencies = Vec::new();
        match &self.competencies {
            Value::Array(items) => {
                if items.is_empty() {
                    e.push("competencies", "must name at least one competency the work builds");
                }
                if items.len() > MAX_OPPORTUNITY_COMPETENCIES {
                    e.push("competencies", format!("must name at most {MAX_OPPORTUNITY_COMPETENCIES} competencies"));
                }
                for (i, c) in items.iter().enumerate() {
                    let field = format!("competencies[{i}]");
                    match c {
                        Value::String(s) => competencies.extend(e.collect(parse_key(&field, s))),
                        _ => e.push(field, "must be a string (a competency key)"),
                    }
                }
            }
            Value::Null => e.push("competencies", "is required: the competencies the work builds"),
            _ => e.push("competencies", "must be an array of competency keys"),
        }
        competencies.sort();
        competencies.dedup();
        let category = match &self.category {
            Value::Null => Some(Category::ProjectCompleted),
            Value::String(c) if Category::parse(c).is_some() => Category::parse(c),
            _ => {
                let names: Vec<&str> = Category::ALL.iter().map(super::super::event::Category::as_str).collect();
                e.push("category", format!("must be one of {}", names.join(", ")));
                None
            }
        };
        let capacity = match &self.capacity {
            Value::Null => Some(1),
            Value::Number(n) => match n.as_u64() {
                Some(c) if (1..=u64::from(MAX_CAPACITY)).contains(&c) => Some(c as u32),
                _ => {
                    e.push("capacity", format!("must be a whole number from 1 to {MAX_CAPACITY}"));
                    None
                }
            },
            _ => {
                e.push("capacity", format!("must be a number from 1 to {MAX_CAPACITY}"));
                None
            }
        };
        let owner = match &self.owner {
            Value::Null => None,
            Value::String(s) => s.parse::<PersonId>().map_err(|_| e.push("owner", "must be a UUID")).ok(),
            _ => {
                e.push("owner", "must be a string (UUID)");
                None
            }
        };
        e.into_result()?;
        Ok(NewOpportunity {
            title: title.unwrap_or_default(),
            description,
            competencies,
            category: category.unwrap_or(Category::ProjectCompleted),
            capacity: capacity.unwrap_or(1),
            owner,
        })
    }
}

/// An application as a client sends it (`POST /api/v1/opportunities/{id}/applications`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// Why you want it, for the owner (optional, up to 2000 characters; no control
    /// characters but tab and newline).
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$")]
    pub note: Value,
}

impl ApplyInput {
    pub fn parse(self) -> Result<Option<String>, ValidationError> {
        let mut e = ValidationError::new();
        let note = string_of(&mut e, "note", &self.note, false).and_then(|s| e.collect(parse_optional_text("note", Some(s), 2000)).flatten());
        e.into_result().map(|()| note)
    }
}
