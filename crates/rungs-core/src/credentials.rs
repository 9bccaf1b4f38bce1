//! Issued verifiable credentials (Open Badges 3.0, docs/CREDENTIALS.md): what the store
//! keeps of each signed credential, its place in a revocation status list, and each
//! person's choice to have credentials issued automatically.
//!
//! The "once" rules are keys in the store: a credential per (organization, person,
//! source event) — a milestone completion, a badge award or a micro-promotion is
//! issued at most once, whoever asks and however many job runs there are — and a
//! status list position per (list, index), so two credentials never share a bit.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::StoreResult;
use crate::{EventId, OrgId, PersonId};

/// The ledger event a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    /// `milestone_completed`.
    Milestone,
    /// `badge_awarded`.
    Badge,
    /// `micro_promotion`.
    MicroPromotion,
}

impl CredentialSource {
    pub const ALL: [CredentialSource; 3] = [CredentialSource::Milestone, CredentialSource::Badge, CredentialSource::MicroPromotion];

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialSource::Milestone => "milestone",
            CredentialSource::Badge => "badge",
            CredentialSource::MicroPromotion => "micro_promotion",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Entries in one status list: the specification's minimum (131,072 bits = 16 KiB),
/// so a list is as long as the standard asks and no longer.
/// The event key of a credential's revocation: once per credential in the ledger.
pub fn revoke_key(credential: uuid::Uuid) -> String {
    format!("credential-revoked:{credential}")
}

/// Longest reason a revocation may give (characters).
pub const MAX_REVOKE_REASON: usize = 500;

pub const LIST_ENTRIES: i64 = 131_072;
/// A list takes new credentials until this many hold a position in it (half of it):
/// a random free position is then found in at most a few tries (each try hits a
/// taken one with probability at most 1/2), and the set bits stay a small, random
/// sample of a large list, telling nothing about who was revoked.
pub const LIST_FILL: i64 = LIST_ENTRIES / 2;

/// One signed credential.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IssuedCredential {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: OrgId,
    pub person: PersonId,
    pub source: CredentialSource,
    /// The ledger event it is for.
    pub event_id: EventId,
    /// The achievement's name (for lists).
    pub name: String,
    /// Status list number (`/credentials/status/{list}`) and position in it.
    pub status_list: i32,
    pub status_index: i64,
    /// The signed `OpenBadgeCredential`, exactly as issued.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<PersonId>,
    pub revoke_reason: Option<String>,
}

/// What inserting a credential did.
#[derive(Debug, Clone, PartialEq)]
pub enum Issued {
    /// Stored.
    New,
    /// This person already holds a credential for this event: it is returned.
    Already(Box<IssuedCredential>),
    /// The status list position was taken meanwhile: pick another and sign again.
    PositionTaken,
}

/// Why a revocation did nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Revoked {
    Done(Box<IssuedCredential>),
    /// Revoked before (at most once): the credential as it stands.
    Already(Box<IssuedCredential>),
}

#[async_trait::async_trait]
pub trait CredentialStore: Send + Sync + 'static {
    /// The list new credentials go to and how many positions it holds: the newest
    /// list, or list 1 when there is none yet.
    async fn status_list_in_use(&self) -> StoreResult<(i32, i64)>;
    /// Store `c`; see [`Issued`]. Once per (org, person, event); once per (list, index).
    async fn insert_credential(&self, c: &IssuedCredential) -> StoreResult<Issued>;
    /// By id (public: the id is the credential's URL), any organization.
    async fn credential(&self, id: Uuid) -> StoreResult<IssuedCredential>;
    /// The credential of `person` for `event`, if issued.
    async fn credential_for_event(&self, org: OrgId, person: PersonId, event: EventId) -> StoreResult<Option<IssuedCredential>>;
    /// A person's credentials, newest first.
    async fn credentials_of(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<IssuedCredential>>;
    /// The organization's credentials, newest first, before `before` (an id), at most `limit`.
    async fn credentials_page(&self, org: OrgId, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<IssuedCredential>>;
    /// Revoke once (a conditional update: two at once, one wins). `NotFound` when
    /// the credential is not the organization's.
    async fn revoke_credential(&self, org: OrgId, id: Uuid, by: Option<PersonId>, reason: &str, at: DateTime<Utc>) -> StoreResult<Revoked>;
    /// The revoked positions of `list` and the latest revocation (or first issue) time:
    /// what its status list credential says. `NotFound` for a list never used.
    async fn status_list_bits(&self, list: i32) -> StoreResult<(Vec<i64>, DateTime<Utc>)>;
    /// Whether `person` chose automatic issuing.
    async fn credential_opt_in(&self, org: OrgId, person: PersonId) -> StoreResult<bool>;
    async fn set_credential_opt_in(&self, org: OrgId, person: PersonId, on: bool, at: DateTime<Utc>) -> StoreResult<()>;
    /// Of `people`, those who opted in.
    async fn opted_in(&self, org: OrgId, people: &[PersonId]) -> StoreResult<Vec<PersonId>>;
    /// How far into `org`'s ledger the automatic issuing read.
    async fn credential_cursor(&self, org: OrgId) -> StoreResult<i64>;
    /// Move the cursor from `from` to `to`; false (nothing changed) when it is no
    /// longer at `from` (another run did this stretch).
    async fn move_credential_cursor(&self, org: OrgId, from: i64, to: i64) -> StoreResult<bool>;
}
