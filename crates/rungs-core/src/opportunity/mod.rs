//! The opportunity board ("project-based elevation"): people post stretch projects and
//! gigs tagged with the competencies they build and a number of places; others apply;
//! the owner accepts, and marks the work complete, which puts a validated
//! `micro_progression` on the applicant's ledger as evidence.
//!
//! Opportunities and applications are workflow state, not ledger history: they change
//! in place (an application moves applied → accepted → completed), so they live in
//! their own tables behind [`OpportunityStore`]. What they produce for a career, the
//! completed work, goes on the ledger. The moves an application may make are decided
//! here, by [`check_move`], so every backend enforces the same rules inside its
//! transaction.

mod input;
mod matching;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::event::Category;
use crate::store::{StoreError, StoreResult};
use crate::{ApplicationId, EventId, OpportunityId, OrgId, PersonId};

pub use input::{ApplyInput, MAX_CAPACITY, MAX_OPPORTUNITY_COMPETENCIES, NewOpportunity, OpportunityInput};
pub use matching::{Gap, OpportunityMatch, matches_for};

/// Whether an opportunity takes applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    /// Closed by its owner or the people team: no new applications; accepted work
    /// can still be completed.
    Closed,
}

impl OpportunityStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OpportunityStatus::Open => "open",
            OpportunityStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [OpportunityStatus::Open, OpportunityStatus::Closed].into_iter().find(|k| k.as_str() == s)
    }
}

/// A stretch project or gig.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Opportunity {
    pub id: OpportunityId,
    pub org_id: OrgId,
    /// Who posted it and decides on applications.
    pub owner: PersonId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Competency keys the work builds (at least one).
    pub competencies: Vec<String>,
    /// The kind of win completing it records (default `project_completed`): a
    /// criterion counts it only if it accepts this category.
    pub category: Category,
    /// How many people it can take.
    pub capacity: u32,
    pub status: OpportunityStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Places taken: accepted and completed applications. Computed by the store.
    #[serde(default)]
    pub taken: u32,
    /// Applications waiting for the owner's answer. Computed by the store.
    #[serde(default)]
    pub pending: u32,
}

impl Opportunity {
    pub fn places_left(&self) -> u32 {
        self.capacity.saturating_sub(self.taken)
    }

    /// Open and with a place left: somebody can still apply.
    pub fn accepts_applications(&self) -> bool {
        self.status == OpportunityStatus::Open && self.places_left() > 0
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Waiting for the owner.
    Applied,
    /// The owner took them on: a place is taken.
    Accepted,
    Declined,
    /// The applicant stepped back.
    Withdrawn,
    /// The owner confirmed the work was done; the evidence is on the ledger.
    Completed,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 5] =
        [ApplicationStatus::Applied, ApplicationStatus::Accepted, ApplicationStatus::Declined, ApplicationStatus::Withdrawn, ApplicationStatus::Completed];

    pub fn as_str(&self) -> &'static str {
        match self {
            ApplicationStatus::Applied => "applied",
            ApplicationStatus::Accepted => "accepted",
            ApplicationStatus::Declined => "declined",
            ApplicationStatus::Withdrawn => "withdrawn",
            ApplicationStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Holds a place on the opportunity.
    pub fn takes_place(&self) -> bool {
        matches!(self, ApplicationStatus::Accepted | ApplicationStatus::Completed)
    }

    /// Still in play: a person cannot apply twice while one of these stands.
    pub fn is_live(&self) -> bool {
        matches!(self, ApplicationStatus::Applied | ApplicationStatus::Accepted | ApplicationStatus::Completed)
    }
}

/// One person's application to one opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub id: ApplicationId,
    pub org_id: OrgId,
    pub opportunity_id: OpportunityId,
    pub applicant: PersonId,
    /// Why they want it, for the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub status: ApplicationStatus,
    pub created_at: DateTime<Utc>,
    /// When it last changed status.
    pub updated_at: DateTime<Utc>,
    /// The `micro_progression` that records the completed work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EventId>,
}

/// What can happen to an application after it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// The owner takes the applicant on (needs a free place).
    Accept,
    /// The owner says no.
    Decline,
    /// The applicant steps back, before or after being accepted.
    Withdraw,
    /// The owner confirms the work is done.
    Complete,
}

impl Move {
    pub fn as_str(&self) -> &'static str {
        match self {
            Move::Accept => "accept",
            Move::Decline => "decline",
            Move::Withdraw => "withdraw",
            Move::Complete => "complete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Move::Accept, Move::Decline, Move::Withdraw, Move::Complete].into_iter().find(|m| m.as_str() == s)
    }

    /// The status an application has after this move.
    pub fn target(&self) -> ApplicationStatus {
        match self {
            Move::Accept => ApplicationStatus::Accepted,
            Move::Decline => ApplicationStatus::Declined,
            Move::Withdraw => ApplicationStatus::Withdrawn,
            Move::Complete => ApplicationStatus::Completed,
        }
    }

    /// The statuses this move may start from.
    pub fn sources(&self) -> &'static [ApplicationStatus] {
        match self {
            Move::Accept | Move::Decline => &[ApplicationStatus::Applied],
            Move::Withdraw => &[ApplicationStatus::Applied, ApplicationStatus::Accepted],
            Move::Complete => &[ApplicationStatus::Accepted],
        }
    }
}

/// May `mv` happen to `app` on `opp` now? The stores call this inside the transaction
/// that makes the move, with the opportunity's counts as they are in it, so two
/// owners' clicks cannot both take the last place.
pub fn check_move(opp: &Opportunity, app: &Application, mv: Move) -> StoreResult<()> {
    if !mv.sources().contains(&app.status) {
        let from: Vec<&str> = mv.sources().iter().map(ApplicationStatus::as_str).collect();
        return Err(StoreError::Conflict {
            field: "status".into(),
            reason: format!("the application is {}; only an application that is {} can be {}", app.status.as_str(), from.join(" or "), mv.target().as_str()),
        });
    }
    if mv == Move::Accept && opp.places_left() == 0 {
        return Err(StoreError::Conflict {
            field: "capacity".into(),
            reason: if opp.capacity == 1 {
                "the only place of this opportunity is taken".to_string()
            } else {
                format!("all {} of this opportunity are taken", crate::text::count(u64::from(opp.capacity), "place"))
            },
        });
    }
    Ok(())
}

/// May `app` be made to `opp`? `existing` is the applicant's earlier application to
/// it, if any. Checked inside the transaction that inserts the application.
pub fn check_apply(opp: &Opportunity, app: &Application, existing: Option<&Application>) -> StoreResult<()> {
    if opp.owner == app.applicant {
        return Err(StoreError::Invalid(crate::ValidationError::single("applicant", "you cannot apply to your own opportunity")));
    }
    if opp.status != OpportunityStatus::Open {
        return Err(StoreError::Conflict { field: "status".into(), reason: "the opportunity is closed".into() });
    }
    if opp.places_left() == 0 {
        return Err(StoreError::Conflict { field: "capacity".into(), reason: "every place of this opportunity is taken".into() });
    }
    if let Some(e) = existing.filter(|e| e.status.is_live()) {
        return Err(StoreError::Conflict {
            field: "applicant".into(),
            reason: format!("already applied to this opportunity (the application is {})", e.status.as_str()),
        });
    }
    Ok(())
}

/// Filters for listing opportunities, newest first.
#[derive(Debug, Clone, Default)]
pub struct OpportunityQuery {
    pub status: Option<OpportunityStatus>,
    pub owner: Option<PersonId>,
    /// Only opportunities building this competency.
    pub competency: Option<String>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Filters for listing applications, oldest first.
#[derive(Debug, Clone, Default)]
pub struct ApplicationQuery {
    pub opportunity: Option<OpportunityId>,
    pub applicant: Option<PersonId>,
}

/// Opportunity board storage; every backend provides it (see [`crate::store::Store`]).
#[async_trait::async_trait]
pub trait OpportunityStore: Send + Sync {
    /// Insert a new opportunity; its owner must be a person of `org`.
    async fn create_opportunity(&self, opp: &Opportunity) -> StoreResult<()>;
    /// One opportunity with its `taken` and `pending` counts.
    async fn opportunity(&self, org: OrgId, id: OpportunityId) -> StoreResult<Opportunity>;
    async fn opportunities(&self, org: OrgId, q: &OpportunityQuery) -> StoreResult<crate::page::Page<Opportunity>>;
    /// Close an open opportunity (closing twice is fine).
    async fn close_opportunity(&self, org: OrgId, id: OpportunityId, at: DateTime<Utc>) -> StoreResult<Opportunity>;
    /// Insert an application after [`check_apply`] in the same transaction. A person
    /// whose earlier application was declined or withdrawn may apply again: the old
    /// row is replaced.
    async fn apply(&self, app: &Application) -> StoreResult<Application>;
    async fn application(&self, org: OrgId, id: ApplicationId) -> StoreResult<Application>;
    async fn applications(&self, org: OrgId, q: &ApplicationQuery) -> StoreResult<Vec<Application>>;
    /// Make `mv` after [`check_move`] in the same transaction; `evidence` is recorded
    /// with a completion.
    async fn move_application(&self, org: OrgId, id: ApplicationId, mv: Move, at: DateTime<Utc>, evidence: Option<EventId>) -> StoreResult<Application>;
}
