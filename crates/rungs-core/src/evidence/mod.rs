//! Evidence from work systems (docs/INTEGRATIONS.md, "Evidence from work systems"):
//! sources that send signed deliveries (GitHub, GitLab, a generic signed form), the
//! people team's mapping rules (repository, label or course → competencies and a win
//! category) and account links (a work login → a person), and the suggested wins a
//! matched delivery leaves in the person's inbox until they accept or dismiss it.
//! What is pure lives here: types, signatures ([`verify`]), payloads ([`payload`]),
//! rules ([`rules`]). The use cases are `rungs_app::evidence`.

pub mod payload;
pub mod rules;
pub mod verify;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Category;
use crate::store::StoreResult;
use crate::{EventId, OrgId, PersonId};

pub use rules::{Account, MatchOn, Rule};

/// Which system sends a source's deliveries, and so how they are signed and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Github,
    Gitlab,
    Generic,
}

impl SourceKind {
    pub const ALL: [SourceKind; 3] = [SourceKind::Github, SourceKind::Gitlab, SourceKind::Generic];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Github => "github",
            SourceKind::Gitlab => "gitlab",
            SourceKind::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Github => "GitHub",
            SourceKind::Gitlab => "GitLab",
            SourceKind::Generic => "Signed JSON (LMS, any system)",
        }
    }
}

/// A sender the people team has set up. Its secret is kept as a SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: OrgId,
    pub kind: SourceKind,
    /// What it is, in words ("acme GitHub organization").
    pub name: String,
    #[serde(skip)]
    pub secret_hash: [u8; 32],
    pub created_at: DateTime<Utc>,
}

/// Where a suggested win stands. It leaves `pending` once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionState {
    Pending,
    Accepted,
    Dismissed,
}

impl SuggestionState {
    pub const ALL: [SuggestionState; 3] = [SuggestionState::Pending, SuggestionState::Accepted, SuggestionState::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionState::Pending => "pending",
            SuggestionState::Accepted => "accepted",
            SuggestionState::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A win a work system suggests for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: OrgId,
    pub person_id: PersonId,
    pub source_id: Uuid,
    pub source_kind: SourceKind,
    /// The sender's id of the delivery it came from.
    pub delivery: String,
    pub title: String,
    pub description: Option<String>,
    /// Where the work can be seen; becomes the win's evidence.
    pub url: Option<String>,
    pub competencies: Vec<String>,
    pub category: Category,
    pub occurred_at: Option<DateTime<Utc>>,
    pub state: SuggestionState,
    /// The win it became, once accepted.
    pub event_id: Option<EventId>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What became of a delivery (the delivery log and `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A suggested win is waiting in the person's inbox.
    Suggested,
    /// Accepted at once (the organization's auto-accept option).
    AutoAccepted,
    /// No rule matched it.
    Unmapped,
    /// No person is linked to its author.
    UnknownAuthor,
    /// An event Rungs does not use (a pull request opened, a ping).
    Ignored,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [Outcome::Suggested, Outcome::AutoAccepted, Outcome::Unmapped, Outcome::UnknownAuthor, Outcome::Ignored];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Suggested => "suggested",
            Outcome::AutoAccepted => "auto_accepted",
            Outcome::Unmapped => "unmapped",
            Outcome::UnknownAuthor => "unknown_author",
            Outcome::Ignored => "ignored",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One received delivery, recorded once per source and delivery id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Received {
    pub source_id: Uuid,
    pub delivery: String,
    pub outcome: Outcome,
    pub received_at: DateTime<Utc>,
}

/// The evidence tables, a capability of every store backend.
#[async_trait::async_trait]
pub trait EvidenceStore: Send + Sync + 'static {
    async fn create_source(&self, s: &Source) -> StoreResult<()>;
    /// The organization's sources, oldest first.
    async fn sources(&self, org: OrgId) -> StoreResult<Vec<Source>>;
    /// A source by id alone: an inbound delivery names its source before anything
    /// says which organization it is for.
    async fn source_by_id(&self, id: Uuid) -> StoreResult<Source>;
    /// Remove a source; its deliveries go with it, its suggestions stay.
    async fn delete_source(&self, org: OrgId, id: Uuid) -> StoreResult<()>;

    /// Replace the organization's mapping rules (kept in the given order).
    async fn set_rules(&self, org: OrgId, rules: &[Rule]) -> StoreResult<()>;
    async fn rules(&self, org: OrgId) -> StoreResult<Vec<Rule>>;
    /// Replace the organization's account links.
    async fn set_accounts(&self, org: OrgId, accounts: &[Account]) -> StoreResult<()>;
    async fn accounts(&self, org: OrgId) -> StoreResult<Vec<Account>>;
    /// Whether suggestions become wins without the person (default: no).
    async fn set_auto_accept(&self, org: OrgId, on: bool) -> StoreResult<()>;
    async fn auto_accept(&self, org: OrgId) -> StoreResult<bool>;

    /// Record a delivery and, with it, its suggestion, in one transaction. The
    /// delivery is unique per source and delivery id: a retried delivery changes
    /// nothing and answers `false`.
    async fn record_delivery(&self, org: OrgId, received: &Received, suggestion: Option<&Suggestion>) -> StoreResult<bool>;
    /// A source's latest deliveries, newest first.
    async fn received(&self, org: OrgId, source: Uuid, limit: u32) -> StoreResult<Vec<Received>>;

    /// Suggestions, newest first, of one person and/or in one state.
    async fn suggestions(&self, org: OrgId, person: Option<PersonId>, state: Option<SuggestionState>, limit: u32) -> StoreResult<Vec<Suggestion>>;
    async fn suggestion(&self, org: OrgId, id: Uuid) -> StoreResult<Suggestion>;
    /// Move a pending suggestion to `to`, once: `Conflict { field: "state" }` when it
    /// has already left `pending`.
    async fn resolve_suggestion(&self, org: OrgId, id: Uuid, to: SuggestionState, at: DateTime<Utc>) -> StoreResult<Suggestion>;
    /// Put an accepted suggestion whose win could not be recorded back to pending.
    async fn reopen_suggestion(&self, org: OrgId, id: Uuid) -> StoreResult<()>;
    /// The win an accepted suggestion became.
    async fn attach_suggestion_event(&self, org: OrgId, id: Uuid, event: EventId) -> StoreResult<()>;
}

#[cfg(test)]
mod tests;
