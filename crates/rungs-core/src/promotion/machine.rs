//! The promotion case's state machine, pure. Every backend calls [`check_move`] inside
//! the transaction that makes a move, with the case as it is in that transaction.
//!
//! ```text
//! nominated ──start_review──► in_review ──approve──► approved ──take_effect──► effective
//!     │                          │  └──────decline──► declined
//!     └────────withdraw──────────┴─────withdraw────► withdrawn
//! ```

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::{StoreError, StoreResult};

use super::Case;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Nominated: the nominator may still edit it.
    Nominated,
    /// Under review: reviewers comment and vote, the people team calibrates.
    InReview,
    /// Approved: waits for its effective date; a budget slot is taken.
    Approved,
    Declined,
    Withdrawn,
    /// The `promotion` event is on the ledger.
    Effective,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 6] =
        [CaseStatus::Nominated, CaseStatus::InReview, CaseStatus::Approved, CaseStatus::Declined, CaseStatus::Withdrawn, CaseStatus::Effective];

    pub fn as_str(&self) -> &'static str {
        match self {
            CaseStatus::Nominated => "nominated",
            CaseStatus::InReview => "in_review",
            CaseStatus::Approved => "approved",
            CaseStatus::Declined => "declined",
            CaseStatus::Withdrawn => "withdrawn",
            CaseStatus::Effective => "effective",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            CaseStatus::InReview => "in review",
            other => other.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Still in play (a person has at most one live case per cycle).
    pub fn is_live(&self) -> bool {
        *self != CaseStatus::Withdrawn
    }

    /// The moves that may start from here.
    pub fn allowed(&self) -> Vec<CaseMove> {
        CaseMove::ALL.into_iter().filter(|m| m.sources().contains(self)).collect()
    }
}

/// What can happen to a case after its nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseMove {
    /// The people team opens the review: no more edits.
    StartReview,
    /// The people team approves, with an effective date: takes a budget slot.
    Approve,
    /// The people team declines, with a reason.
    Decline,
    /// The nominator (or the people team) takes the nomination back.
    Withdraw,
    /// The system, on the effective date: the `promotion` event is appended.
    TakeEffect,
}

impl CaseMove {
    pub const ALL: [CaseMove; 5] = [CaseMove::StartReview, CaseMove::Approve, CaseMove::Decline, CaseMove::Withdraw, CaseMove::TakeEffect];

    pub fn as_str(&self) -> &'static str {
        match self {
            CaseMove::StartReview => "start_review",
            CaseMove::Approve => "approve",
            CaseMove::Decline => "decline",
            CaseMove::Withdraw => "withdraw",
            CaseMove::TakeEffect => "take_effect",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The status a case has after this move.
    pub fn target(&self) -> CaseStatus {
        match self {
            CaseMove::StartReview => CaseStatus::InReview,
            CaseMove::Approve => CaseStatus::Approved,
            CaseMove::Decline => CaseStatus::Declined,
            CaseMove::Withdraw => CaseStatus::Withdrawn,
            CaseMove::TakeEffect => CaseStatus::Effective,
        }
    }

    /// The statuses this move may start from.
    pub fn sources(&self) -> &'static [CaseStatus] {
        match self {
            CaseMove::StartReview => &[CaseStatus::Nominated],
            CaseMove::Approve | CaseMove::Decline => &[CaseStatus::InReview],
            CaseMove::Withdraw => &[CaseStatus::Nominated, CaseStatus::InReview],
            CaseMove::TakeEffect => &[CaseStatus::Approved],
        }
    }
}

/// The refusal of an illegal move: a `Conflict` on `status` naming the current state
/// and the moves allowed from it (HTTP 409).
pub fn illegal(status: CaseStatus, mv: CaseMove) -> StoreError {
    let allowed: Vec<&str> = status.allowed().iter().map(CaseMove::as_str).collect();
    let allowed = if allowed.is_empty() { "none (the case is closed)".to_string() } else { allowed.join(", ") };
    StoreError::Conflict {
        field: "status".into(),
        reason: format!("cannot {} a case that is {}; allowed from {}: {}", mv.as_str(), status.as_str(), status.as_str(), allowed),
    }
}

/// May `mv` happen to `case` now? A decline needs a reason and an approval an
/// effective date (checked here too, so no backend can record one without it).
pub fn check_move(case: &Case, mv: CaseMove, reason: Option<&str>, effective: bool) -> StoreResult<()> {
    if !mv.sources().contains(&case.status) {
        return Err(illegal(case.status, mv));
    }
    if mv == CaseMove::Decline && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(crate::ValidationError::single("reason", "a decline needs a reason").into());
    }
    if mv == CaseMove::Approve && !effective {
        return Err(crate::ValidationError::single("effective_on", "an approval needs an effective date").into());
    }
    Ok(())
}

/// The case after `req`, already checked by [`check_move`]: the new status, and the
/// decision's reason and date or the promotion event.
pub fn apply_move(case: &Case, req: &super::MoveRequest) -> Case {
    let mut out = case.clone();
    out.status = req.mv.target();
    out.updated_at = req.at;
    match req.mv {
        CaseMove::Approve | CaseMove::Decline => {
            out.decision_reason = req.reason.clone().filter(|r| !r.trim().is_empty());
            if req.mv == CaseMove::Approve {
                out.effective_on = req.effective_on;
            }
        }
        CaseMove::TakeEffect => out.promotion_event = req.event,
        CaseMove::Withdraw => out.decision_reason = req.reason.clone().filter(|r| !r.trim().is_empty()),
        CaseMove::StartReview => {}
    }
    out
}

/// The refusal of an edit of a case whose status is no longer `expect` (it was moved
/// meanwhile): a `Conflict` on `status`.
pub fn illegal_edit(now: CaseStatus, expect: CaseStatus) -> StoreError {
    StoreError::Conflict { field: "status".into(), reason: format!("the case is {} now, not {}: reload it", now.as_str(), expect.as_str()) }
}
