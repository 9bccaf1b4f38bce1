//! Proposals: the career transitions that are not a cycle's competitive promotion —
//! a **micro-promotion** (scope or role change, no new title), a **lateral move**
//! (department or track), a **demotion**, a **pay change** — each its own kind, with
//! an effective date, approved along the organization's [`route::Route`] for its kind.
//! Like promotion cases they are workflow state that changes in place (their own
//! tables behind [`ProposalStore`]); what they produce for a career goes on the ledger
//! on the effective date as one event keyed by the proposal (a pay change is its own
//! effective-dated record and never goes on the ledger, whose events many people read).

mod input;
pub mod machine;
pub mod route;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::person::Position;
use crate::store::StoreResult;
use crate::{CaseId, EventId, OrgId, PersonId, ProposalId};

pub use input::{DelegationInput, ProposalInput};
pub use machine::{advance, check_decision, decided_twice, effective, withdrawn};
pub use route::{Approver, Condition, Progress, ResolvedStep, Route, RouteContext, Step, progress};

/// The kinds of proposal, each with its own route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    MicroPromotion,
    LateralMove,
    Demotion,
    PayChange,
}

impl ProposalKind {
    pub const ALL: [ProposalKind; 4] = [ProposalKind::MicroPromotion, ProposalKind::LateralMove, ProposalKind::Demotion, ProposalKind::PayChange];

    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalKind::MicroPromotion => "micro_promotion",
            ProposalKind::LateralMove => "lateral_move",
            ProposalKind::Demotion => "demotion",
            ProposalKind::PayChange => "pay_change",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ProposalKind::MicroPromotion => "micro-promotion",
            ProposalKind::LateralMove => "lateral move",
            ProposalKind::Demotion => "demotion",
            ProposalKind::PayChange => "pay change",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting on its current step's approvers.
    Pending,
    /// Every step approved; takes effect on its date.
    Approved,
    Rejected,
    /// Withdrawn by its proposer (or the people team) while pending.
    Withdrawn,
    /// Its effective date came: on the ledger (or, for pay, in force).
    Effective,
}

impl ProposalStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Withdrawn => "withdrawn",
            ProposalStatus::Effective => "effective",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalStatus> {
        [ProposalStatus::Pending, ProposalStatus::Approved, ProposalStatus::Rejected, ProposalStatus::Withdrawn, ProposalStatus::Effective]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What is proposed, per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Details {
    MicroPromotion {
        /// The scope or role before (`owns the billing service`).
        from: String,
        /// The scope or role after (`tech lead of the payments team`).
        to: String,
        /// Competency keys it evidences (they count as readiness evidence).
        #[serde(default)]
        competencies: Vec<String>,
        /// The next level whose expectations it evidences, if any (a level key of the
        /// subject's track).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        toward_level: Option<String>,
    },
    LateralMove {
        /// The new department (absent: unchanged).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department: Option<String>,
        /// The new position: track, the level it maps to in that track, and title
        /// (absent: unchanged).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Position>,
    },
    Demotion {
        /// The lower position (same or other track).
        to: Position,
    },
    PayChange {
        /// The change of pay, in the organization's currency unit (negative: a cut).
        delta: i64,
        /// The promotion case it goes with, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        promotion_case: Option<CaseId>,
    },
}

impl Details {
    pub fn kind(&self) -> ProposalKind {
        match self {
            Details::MicroPromotion { .. } => ProposalKind::MicroPromotion,
            Details::LateralMove { .. } => ProposalKind::LateralMove,
            Details::Demotion { .. } => ProposalKind::Demotion,
            Details::PayChange { .. } => ProposalKind::PayChange,
        }
    }

    pub fn pay_delta(&self) -> Option<i64> {
        match self {
            Details::PayChange { delta, .. } => Some(*delta),
            _ => None,
        }
    }
}

/// One proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    pub id: ProposalId,
    pub org_id: OrgId,
    pub kind: ProposalKind,
    pub subject: PersonId,
    pub proposer: PersonId,
    pub status: ProposalStatus,
    pub details: Details,
    /// Why, in the proposer's words.
    pub rationale: String,
    /// The day it takes effect, in the organization's calendar.
    pub effective_on: NaiveDate,
    /// Its route's steps as found when it was proposed.
    pub steps: Vec<ResolvedStep>,
    /// The step waiting for decisions while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<u32>,
    /// When the current step started (reminders count from here).
    pub step_since: DateTime<Utc>,
    /// The ledger event, once effective (none for a pay change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An approver's decision on one step. At most one per proposal, step and approver
/// (a unique key in the store), whether the approver or their delegate made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    pub proposal: ProposalId,
    pub step: u32,
    /// The approver of the step the decision counts for.
    pub approver: PersonId,
    /// Who decided: the approver, or their delegate while they are away.
    pub actor: PersonId,
    pub approve: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// While `person` is away (`from` to `until`, inclusive), `delegate` decides for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delegation {
    pub person: PersonId,
    pub delegate: PersonId,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Delegation {
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.until
    }
}

/// Filters for listing proposals (newest first).
#[derive(Debug, Clone, Default)]
pub struct ProposalQuery {
    pub subject: Option<PersonId>,
    pub proposer: Option<PersonId>,
    pub status: Option<ProposalStatus>,
    pub kind: Option<ProposalKind>,
    /// At most this many (0: the store's maximum page).
    pub limit: u32,
}

/// Storage of routes, proposals, decisions and delegations; every backend provides it.
#[async_trait::async_trait]
pub trait ProposalStore: Send + Sync {
    /// Insert or replace the organization's route for `route.kind`.
    async fn save_route(&self, org: OrgId, route: &Route) -> StoreResult<()>;
    /// The configured routes (kinds without one use [`Route::default_for`]).
    async fn routes(&self, org: OrgId) -> StoreResult<Vec<Route>>;
    async fn create_proposal(&self, p: &Proposal) -> StoreResult<()>;
    async fn proposal(&self, org: OrgId, id: ProposalId) -> StoreResult<Proposal>;
    async fn proposals(&self, org: OrgId, q: &ProposalQuery) -> StoreResult<Vec<Proposal>>;
    /// Record a decision in one transaction with the proposal locked: it must be
    /// pending (`Conflict` on `status`), the decision for its current step (`Conflict`
    /// on `step`), by one of that step's approvers (`Conflict` on `approver`), and the
    /// first of that approver in that step (a unique key; `Conflict` on `approver`).
    /// Then [`progress`] moves the proposal on.
    async fn decide(&self, org: OrgId, d: &Decision) -> StoreResult<Proposal>;
    /// The proposal's decisions, oldest first.
    async fn decisions(&self, org: OrgId, id: ProposalId) -> StoreResult<Vec<Decision>>;
    /// `pending` → `withdrawn`; any other status is a `Conflict` on `status`.
    async fn withdraw_proposal(&self, org: OrgId, id: ProposalId, at: DateTime<Utc>) -> StoreResult<Proposal>;
    /// `approved` → `effective` with its event; an effective proposal is returned as
    /// it is (a second run), any other status is a `Conflict` on `status`.
    async fn make_effective(&self, org: OrgId, id: ProposalId, event: Option<EventId>, at: DateTime<Utc>) -> StoreResult<Proposal>;
    /// Record that `approver` was reminded of `step`: true the first time only
    /// (a unique key per proposal, step and approver).
    async fn record_reminder(&self, org: OrgId, id: ProposalId, step: u32, approver: PersonId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Reminders sent to `approver` for pending proposals, as (proposal, step).
    async fn reminders(&self, org: OrgId, approver: PersonId) -> StoreResult<Vec<(ProposalId, u32)>>;
    /// Insert or replace `d.person`'s delegation (one at a time per person).
    async fn save_delegation(&self, org: OrgId, d: &Delegation) -> StoreResult<()>;
    async fn delete_delegation(&self, org: OrgId, person: PersonId) -> StoreResult<()>;
    async fn delegations(&self, org: OrgId) -> StoreResult<Vec<Delegation>>;
}
