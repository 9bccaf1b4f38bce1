//! Budgets of a cycle: how many promotions (and optionally how much pay increase) a
//! department or a track may approve. An approval takes the budget's next **slot**;
//! the stores keep slots under a unique key (cycle, budget, slot number), so two
//! approvals that read the same count cannot both take the last place — the second
//! one's insert fails and it reads again.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::{StoreError, StoreResult};

/// What a budget is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetScope {
    Department,
    Track,
}

impl BudgetScope {
    pub fn as_str(&self) -> &'static str {
        match self {
            BudgetScope::Department => "department",
            BudgetScope::Track => "track",
        }
    }
}

/// One budget of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Budget {
    pub scope: BudgetScope,
    /// The department's name or the track's key.
    pub value: String,
    /// Promotions it may approve.
    pub promotions: u32,
    /// Total pay increase it may approve, when it has a pay budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay: Option<u64>,
}

impl Budget {
    /// `department:Engineering`, `track:engineering`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.scope.as_str(), self.value)
    }
}

/// What a budget has used, as the store counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BudgetUse {
    pub budget: String,
    /// Slots taken: approved promotions.
    pub promotions: u32,
    /// Pay increase approved.
    pub pay: u64,
}

/// May one more approval with `pay_increase` be taken from `budget`, which has
/// `used` so far? Returns the slot number to take (1-based).
pub fn check_slot(budget: &Budget, used: &BudgetUse, pay_increase: Option<u64>) -> StoreResult<u32> {
    if used.promotions >= budget.promotions {
        return Err(StoreError::Conflict {
            field: "budget".into(),
            reason: format!(
                "the {} budget '{}' allows {} and {} approved",
                budget.scope.as_str(),
                budget.value,
                crate::text::count(u64::from(budget.promotions), "promotion"),
                if used.promotions == 1 { "1 is".to_string() } else { format!("{} are", used.promotions) }
            ),
        });
    }
    if let Some(limit) = budget.pay {
        let want = pay_increase.unwrap_or(0);
        if used.pay.saturating_add(want) > limit {
            return Err(StoreError::Conflict {
                field: "pay_increase".into(),
                reason: format!(
                    "{want} more would exceed the {} budget '{}' pay budget of {limit} ({} approved)",
                    budget.scope.as_str(),
                    budget.value,
                    used.pay
                ),
            });
        }
    }
    Ok(used.promotions + 1)
}
