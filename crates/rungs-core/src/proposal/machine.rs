//! How a proposal moves, shared by every backend and run inside the transaction that
//! writes the move: a decision is checked against the proposal as stored, then
//! [`progress`](super::progress) decides its next status.

use chrono::{DateTime, Utc};

use super::{Decision, Progress, Proposal, ProposalStatus};
use crate::EventId;
use crate::store::{StoreError, StoreResult};

fn conflict(field: &str, reason: String) -> StoreError {
    StoreError::Conflict { field: field.into(), reason }
}

/// The conflict a second decision by one approver on one step is.
pub fn decided_twice() -> StoreError {
    conflict("approver", "this approver has already decided this step (a decision is final)".into())
}

/// Whether `d` may be recorded on `p`, which has `decisions` already.
pub fn check_decision(p: &Proposal, decisions: &[Decision], d: &Decision) -> StoreResult<()> {
    if p.status != ProposalStatus::Pending {
        return Err(conflict("status", format!("the proposal is {}: decisions are taken while it is pending", p.status.as_str())));
    }
    let Some(current) = p.current_step else {
        return Err(conflict("status", "the proposal has no step waiting".into()));
    };
    if d.step != current {
        return Err(conflict("step", format!("the proposal waits on step {} (“{}”), not step {}", current + 1, step_name(p, current), d.step + 1)));
    }
    let step = p.steps.get(current as usize).ok_or_else(|| StoreError::internal("current step out of range"))?;
    if !step.approvers.contains(&d.approver) {
        return Err(conflict("approver", format!("not an approver of step “{}”", step.name)));
    }
    if decisions.iter().any(|x| x.step == d.step && x.approver == d.approver) {
        return Err(decided_twice());
    }
    Ok(())
}

fn step_name(p: &Proposal, i: u32) -> &str {
    p.steps.get(i as usize).map_or("?", |s| s.name.as_str())
}

/// `p` after a decision made at `at` brought it to `progress`.
pub fn advance(p: &Proposal, progress: Progress, at: DateTime<Utc>) -> Proposal {
    let mut next = p.clone();
    next.updated_at = at;
    match progress {
        Progress::AtStep(i) => {
            let i = i as u32;
            if next.current_step != Some(i) {
                next.step_since = at;
            }
            next.current_step = Some(i);
        }
        Progress::Approved => {
            next.status = ProposalStatus::Approved;
            next.current_step = None;
        }
        Progress::Rejected => {
            next.status = ProposalStatus::Rejected;
            next.current_step = None;
        }
    }
    next
}

/// `p` withdrawn at `at`; only a pending proposal can be.
pub fn withdrawn(p: &Proposal, at: DateTime<Utc>) -> StoreResult<Proposal> {
    if p.status != ProposalStatus::Pending {
        return Err(conflict("status", format!("the proposal is {}: only a pending proposal can be withdrawn", p.status.as_str())));
    }
    Ok(Proposal { status: ProposalStatus::Withdrawn, current_step: None, updated_at: at, ..p.clone() })
}

/// `p` made effective with `event`: `None` when it already is (a second run).
pub fn effective(p: &Proposal, event: Option<EventId>, at: DateTime<Utc>) -> StoreResult<Option<Proposal>> {
    match p.status {
        ProposalStatus::Effective => Ok(None),
        ProposalStatus::Approved => Ok(Some(Proposal { status: ProposalStatus::Effective, event, updated_at: at, ..p.clone() })),
        s => Err(conflict("status", format!("the proposal is {}, not approved", s.as_str()))),
    }
}
