//! What a person says a file's columns hold when the importer is unsure: a
//! [`Mapping`] of headers to [`Role`]s, given with `--map`/`map=` or on the import
//! page, saved (`--save-mapping`) and reused for the next version of the same file.

use serde::Serialize;
use utoipa::ToSchema;

use super::drift::identity;
use crate::ValidationError;

/// What a column (or heading, or key) of a file holds, as a person maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Level,
    Competency,
    Category,
    /// Text about the competency, not an expectation: ignored with a warning.
    Description,
    Ignore,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "level" => Some(Role::Level),
            "competency" | "name" => Some(Role::Competency),
            "category" => Some(Role::Category),
            "description" => Some(Role::Description),
            "ignore" | "skip" => Some(Role::Ignore),
            _ => None,
        }
    }
}

/// A person's mapping of a file's headers to roles: `Header=role` each, saved and
/// reused for the next version of the same file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize, ToSchema)]
pub struct Mapping {
    /// Header (compared ignoring case and spacing) and its role.
    pub columns: Vec<(String, Role)>,
}

impl Mapping {
    /// The role a header is mapped to, if any.
    pub fn role(&self, header: &str) -> Option<Role> {
        self.columns.iter().find(|(h, _)| identity(h) == identity(header)).map(|(_, r)| *r)
    }

    /// Read `Header=role` lines (or comma-free items); every bad one is reported.
    pub fn parse<'a>(field: &str, items: impl IntoIterator<Item = &'a str>) -> Result<Mapping, ValidationError> {
        let mut m = Mapping::default();
        let mut e = ValidationError::new();
        for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
            match item.rsplit_once('=').map(|(h, r)| (h.trim(), Role::parse(r))) {
                Some((h, Some(r))) => m.columns.push((h.to_string(), r)),
                _ => e.push(field, format!("'{item}' is not Header=role (role: level, competency, category, description or ignore)")),
            }
        }
        e.into_result().map(|()| m)
    }
}
