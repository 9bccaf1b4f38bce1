//! Promotion cycles and cases: the formal, competitive promotion (PRODUCT.md) as a
//! workflow. A **cycle** is a named period with a nomination window, a review window,
//! budgets per department or track and calibration groups; a **case** is one person's
//! nomination in a cycle, moved along by the state machine in [`machine`] and, once
//! approved and effective, put on the ledger as one `promotion` event (level, title and
//! track together).
//!
//! Like the opportunity board, cycles and cases are workflow state that changes in
//! place, so they live in their own tables behind [`PromotionStore`]; every backend
//! runs [`check_move`] and [`budget::check_slot`] inside the transaction that makes a
//! move, and keeps the budget by a unique key on (cycle, budget, slot number).

pub mod budget;
mod input;
pub mod machine;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::person::Position;
use crate::store::StoreResult;
use crate::{CaseId, CycleId, EventId, OrgId, PersonId};

pub use budget::{Budget, BudgetScope, BudgetUse, check_slot};
pub use input::{CaseEdit, CycleInput, NominationInput, justification as input_justification, title as input_title};
pub use machine::{CaseMove, CaseStatus, apply_move, check_move};

/// A calibration group: the budgets whose cases the people team compares side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CalibrationGroup {
    pub name: String,
    /// Keys of the cycle's budgets (`department:Engineering`, `track:engineering`).
    pub budgets: Vec<String>,
}

/// A promotion cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cycle {
    pub id: CycleId,
    pub org_id: OrgId,
    pub name: String,
    /// Nominations are taken from this day to `nominations_close`, inclusive.
    pub nominations_open: NaiveDate,
    pub nominations_close: NaiveDate,
    /// Reviewers comment and vote, the people team calibrates and decides, in this
    /// window; a case can be edited until its review starts.
    pub review_open: NaiveDate,
    pub review_close: NaiveDate,
    /// Whether people may nominate themselves (their manager always may).
    pub self_nomination: bool,
    pub budgets: Vec<Budget>,
    /// At least one; a budget in no group is calibrated alone.
    pub groups: Vec<CalibrationGroup>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<PersonId>,
}

impl Cycle {
    /// The budget a person's case counts against: their department's if the cycle has
    /// one, else their track's.
    pub fn budget_for(&self, department: Option<&str>, track: &str) -> Option<&Budget> {
        let by_dept = department.and_then(|d| self.budgets.iter().find(|b| b.scope == BudgetScope::Department && b.value == d));
        by_dept.or_else(|| self.budgets.iter().find(|b| b.scope == BudgetScope::Track && b.value == track))
    }

    pub fn budget(&self, key: &str) -> Option<&Budget> {
        self.budgets.iter().find(|b| b.key() == key)
    }

    /// The calibration group a budget belongs to (its own name when in none).
    pub fn group_of(&self, budget_key: &str) -> String {
        self.groups.iter().find(|g| g.budgets.iter().any(|b| b == budget_key)).map_or_else(|| budget_key.to_string(), |g| g.name.clone())
    }

    /// Whether nominations are open on `day` (in the organization's calendar).
    pub fn nominations_open_on(&self, day: NaiveDate) -> bool {
        self.nominations_open <= day && day <= self.nominations_close
    }

    /// Where the cycle stands on `day`, in words for pages.
    pub fn phase(&self, day: NaiveDate) -> &'static str {
        if day < self.nominations_open {
            "upcoming"
        } else if day <= self.nominations_close {
            "nominations open"
        } else if day < self.review_open {
            "waiting for review"
        } else if day <= self.review_close {
            "in review"
        } else {
            "closed"
        }
    }
}

/// A reviewer's vote on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Support,
    Oppose,
    Abstain,
}

impl Vote {
    pub const ALL: [Vote; 3] = [Vote::Support, Vote::Oppose, Vote::Abstain];

    pub fn as_str(&self) -> &'static str {
        match self {
            Vote::Support => "support",
            Vote::Oppose => "oppose",
            Vote::Abstain => "abstain",
        }
    }

    pub fn parse(s: &str) -> Option<Vote> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One person's promotion case in a cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: CaseId,
    pub org_id: OrgId,
    pub cycle_id: CycleId,
    pub subject: PersonId,
    /// Who nominated (the subject themself for a self-nomination).
    pub nominator: PersonId,
    pub status: CaseStatus,
    /// The budget the case counts against (`department:…` or `track:…`).
    pub budget: String,
    /// The position before the promotion, as at nomination.
    pub from: Position,
    /// The position proposed: level, title and track change together.
    pub to: Position,
    /// Why: the nominator's case for the promotion.
    pub justification: String,
    /// The proposed pay increase (in the organization's currency unit), counted
    /// against the budget's pay budget when it has one. Visible like pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_increase: Option<u64>,
    /// The evidence packet (`rungs_core::packet::PromotionPacket`) as of `packet_at`;
    /// `null` when none could be assembled (a case toward another track).
    #[schema(value_type = Option<Object>)]
    pub packet: serde_json::Value,
    pub packet_at: DateTime<Utc>,
    /// Position on the calibration board, within its group (lower first).
    pub rank: i64,
    /// The people team's reason for a decision (required to decline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// When an approved promotion takes effect (in the organization's calendar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_on: Option<NaiveDate>,
    /// The `promotion` event, once effective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_event: Option<EventId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A recorded move of a case: who, when, from which state to which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Transition {
    pub case_id: CaseId,
    /// 1 for the nomination, then one more per move.
    pub seq: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CaseStatus>,
    pub to: CaseStatus,
    /// `None` when the system made it (a promotion taking effect on its date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<PersonId>,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A reviewer's comment, with or without a vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Review {
    pub id: uuid::Uuid,
    pub case_id: CaseId,
    pub reviewer: PersonId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<Vote>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// A move asked of the store: the case moves from its current state by `mv`, made by
/// `actor` at `at`; `reason` and `effective_on` go with a decision, `event` with
/// the move to effective.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveRequest {
    pub org_id: OrgId,
    pub case_id: CaseId,
    pub mv: CaseMove,
    pub actor: Option<PersonId>,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
    pub effective_on: Option<NaiveDate>,
    pub event: Option<EventId>,
}

/// Filters for listing cases (ordered by rank, then nomination).
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub cycle: Option<CycleId>,
    pub subject: Option<PersonId>,
    pub nominator: Option<PersonId>,
    pub status: Option<CaseStatus>,
    /// At most this many (0: the store's maximum page).
    pub limit: u32,
}

/// Storage of cycles and cases; every backend provides it.
#[async_trait::async_trait]
pub trait PromotionStore: Send + Sync {
    /// Insert a cycle; its name is unique in the organization.
    async fn create_cycle(&self, cycle: &Cycle) -> StoreResult<()>;
    async fn cycle(&self, org: OrgId, id: CycleId) -> StoreResult<Cycle>;
    /// Every cycle, newest first.
    async fn cycles(&self, org: OrgId) -> StoreResult<Vec<Cycle>>;
    /// Insert a nominated case and its first transition; a person has at most one
    /// case in a cycle that is not withdrawn (a `Conflict` on `subject`).
    async fn create_case(&self, case: &Case) -> StoreResult<()>;
    async fn case(&self, org: OrgId, id: CaseId) -> StoreResult<Case>;
    async fn cases(&self, org: OrgId, q: &CaseQuery) -> StoreResult<Vec<Case>>;
    /// Replace a case's editable content (justification, target, pay, packet, rank)
    /// if its status is still `expect`; otherwise a `Conflict` on `status`.
    async fn save_case(&self, case: &Case, expect: CaseStatus) -> StoreResult<Case>;
    /// Make a move after [`check_move`] in one transaction; an approval also takes a
    /// budget slot ([`check_slot`], unique per cycle, budget and slot number), and
    /// every move is recorded as a [`Transition`].
    async fn move_case(&self, req: &MoveRequest) -> StoreResult<Case>;
    /// The case's transitions, oldest first.
    async fn transitions(&self, org: OrgId, case: CaseId) -> StoreResult<Vec<Transition>>;
    async fn add_review(&self, org: OrgId, review: &Review) -> StoreResult<()>;
    /// The case's reviews, oldest first.
    async fn reviews(&self, org: OrgId, case: CaseId) -> StoreResult<Vec<Review>>;
    /// Slots taken per budget of the cycle: what the store enforces.
    async fn budget_use(&self, org: OrgId, cycle: CycleId) -> StoreResult<Vec<BudgetUse>>;
}
