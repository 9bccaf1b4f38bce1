//! Client input for cycles and cases. Shapes are typed (the JSON extractor names a
//! field of the wrong type); [`CycleInput::parse`] then checks the meaning of every
//! field and reports all errors at once. Whether levels and tracks exist in the
//! framework is the application layer's check.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Budget, BudgetScope, CalibrationGroup};
use crate::text::{parse_optional_text, parse_text};
use crate::{PersonId, ValidationError};

/// Most budgets and groups one cycle may have.
pub const MAX_BUDGETS: usize = 200;

/// A cycle as the people team creates it (`POST /api/v1/cycles`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleInput {
    /// 1-120 characters, unique in the organization.
    pub name: String,
    pub nominations_open: NaiveDate,
    pub nominations_close: NaiveDate,
    pub review_open: NaiveDate,
    pub review_close: NaiveDate,
    #[serde(default)]
    pub self_nomination: bool,
    /// At least one.
    pub budgets: Vec<Budget>,
    /// Optional; each budget in at most one group.
    #[serde(default)]
    pub groups: Vec<CalibrationGroup>,
}

impl CycleInput {
    /// Check every field; returns the cycle's budgets and groups (one group per
    /// budget not in any group, named by its key).
    pub fn parse(self) -> Result<CycleInput, ValidationError> {
        let mut e = ValidationError::new();
        let name = e.collect(parse_text("name", &self.name, 120)).unwrap_or_default();
        if self.nominations_close < self.nominations_open {
            e.push("nominations_close", "is before nominations_open");
        }
        if self.review_open <= self.nominations_close {
            e.push("review_open", "must be after nominations_close (a case can be edited until its review starts)");
        }
        if self.review_close < self.review_open {
            e.push("review_close", "is before review_open");
        }
        if self.budgets.is_empty() {
            e.push("budgets", "a cycle needs at least one budget");
        }
        if self.budgets.len() > MAX_BUDGETS {
            e.push("budgets", format!("at most {MAX_BUDGETS}"));
        }
        let mut keys = std::collections::HashSet::new();
        let mut budgets = Vec::new();
        for (i, b) in self.budgets.iter().enumerate() {
            let value = e.collect(parse_text(&format!("budgets[{i}].value"), &b.value, 120)).unwrap_or_default();
            if b.promotions == 0 {
                e.push(format!("budgets[{i}].promotions"), "must be at least 1");
            }
            let b = Budget { scope: b.scope, value, promotions: b.promotions, pay: b.pay };
            if !keys.insert(b.key()) {
                e.push(format!("budgets[{i}]"), format!("'{}' appears twice", b.key()));
            }
            budgets.push(b);
        }
        let mut grouped = std::collections::HashSet::new();
        let mut groups = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            let name = e.collect(parse_text(&format!("groups[{i}].name"), &g.name, 120)).unwrap_or_default();
            if g.budgets.is_empty() {
                e.push(format!("groups[{i}].budgets"), "a group needs at least one budget");
            }
            for (j, k) in g.budgets.iter().enumerate() {
                if !keys.contains(k) {
                    e.push(format!("groups[{i}].budgets[{j}]"), format!("'{k}' is not a budget of this cycle (write department:NAME or track:KEY)"));
                } else if !grouped.insert(k.clone()) {
                    e.push(format!("groups[{i}].budgets[{j}]"), format!("'{k}' is already in another group"));
                }
            }
            groups.push(CalibrationGroup { name, budgets: g.budgets.clone() });
        }
        for b in &budgets {
            if !grouped.contains(&b.key()) {
                groups.push(CalibrationGroup { name: b.key(), budgets: vec![b.key()] });
            }
        }
        e.into_result()?;
        Ok(CycleInput { name, budgets, groups, ..self })
    }
}

impl BudgetScope {
    pub fn parse(s: &str) -> Option<BudgetScope> {
        [BudgetScope::Department, BudgetScope::Track].into_iter().find(|b| b.as_str() == s)
    }
}

/// A nomination (`POST /api/v1/cycles/{id}/cases`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominationInput {
    /// Who is nominated (yourself, when the cycle allows self-nomination).
    #[schema(value_type = String, format = Uuid)]
    pub subject: PersonId,
    /// The level proposed; default the next level of the target track.
    #[serde(default)]
    pub level: Option<String>,
    /// The track proposed; default the person's track (a promotion may change it).
    #[serde(default)]
    pub track: Option<String>,
    /// The title proposed; default the level's title.
    #[serde(default)]
    pub title: Option<String>,
    /// Why (1-4000 characters).
    pub justification: String,
    #[serde(default)]
    pub pay_increase: Option<u64>,
}

/// An edit of a nominated case (`PATCH /api/v1/cases/{id}`); absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseEdit {
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub track: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub pay_increase: Option<u64>,
}

/// Check a justification (1-4000 characters, not blank).
pub fn justification(raw: &str) -> Result<String, ValidationError> {
    parse_text("justification", raw, 4000)
}

/// Check an optional title (1-200 characters).
pub fn title(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    parse_optional_text("title", raw, 200)
}
