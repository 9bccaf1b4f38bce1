//! The storage interface. Backends (SQLite, PostgreSQL) live in `rungs-store`; nothing
//! above it knows which one runs. Methods are use-case sized so each backend can do a
//! whole operation in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind, NewEvent};
use crate::framework::{Framework, FrameworkStore};
use crate::jobs::JobQueue;
use crate::opportunity::OpportunityStore;
use crate::page::Page;
use crate::person::{Organization, Person, Role};
use crate::recognition::RecognitionStore;
use crate::session_store::SessionStore;
use crate::{EventId, OrgId, PersonId, TokenId, ValidationError};

/// What can go wrong in a store. Driver errors are mapped once, inside the backend.
/// Clone, because one failed group commit answers every append in the group.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (in this organization).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit, e.g. an email already in use.
    #[error("conflict on {field}: {reason}")]
    Conflict { field: String, reason: String },
    /// The input contradicts ledger state (unknown subject, reversing a reversal...).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The store cannot take writes (or cannot be reached) right now: disk full, a
    /// read-only file or database, an I/O error, a lost connection. Nothing was
    /// written; the same request may succeed later, so clients are told to retry
    /// (HTTP 503 with `Retry-After`) and readiness reports it. `reason` says why in
    /// words an operator can act on; `source` keeps the driver's error.
    #[error("storage unavailable: {reason}")]
    Unavailable {
        reason: String,
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// Anything else: corruption, a bug, a driver error nothing above can act on.
    /// Keeps its cause with the source chain, which is logged and never shown to
    /// clients (`rungs_core::error::report`).
    #[error(transparent)]
    Unexpected(crate::Cause),
}

impl StoreError {
    /// [`StoreError::Unexpected`] keeping `e` (a driver error, say) as the cause.
    pub fn unexpected(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Unexpected(crate::Cause::new(e))
    }

    /// [`StoreError::Unexpected`] for a broken expectation with no error to keep.
    pub fn internal(what: impl Into<String>) -> Self {
        StoreError::Unexpected(crate::Cause::msg(what))
    }

    /// [`StoreError::Unexpected`]: what was being done, and the error it met.
    pub fn context(what: impl Into<String>, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Unexpected(crate::Cause::context(what, e))
    }

    /// [`StoreError::Unavailable`] for `reason`, keeping the driver error as source.
    pub fn unavailable(reason: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Unavailable { reason: reason.into(), source: Some(Arc::new(source)) }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    /// Prefix the fields of an `Invalid` or `Conflict` error (batch item positions).
    pub fn nested(self, prefix: &str) -> Self {
        match self {
            StoreError::Invalid(v) => StoreError::Invalid(v.nested(prefix)),
            StoreError::Conflict { field, reason } => StoreError::Conflict { field: format!("{prefix}.{field}"), reason },
            other => other,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An `Idempotency-Key` claimed together with the append it guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// Who sent the request: keys are scoped per actor.
    pub scope: String,
    pub key: String,
    /// Digest of the request body: the same key with a different body is a conflict.
    pub fingerprint: String,
}

/// One atomic append: all events join the ledger or none do.
#[derive(Debug, Clone)]
pub struct AppendBatch {
    pub org_id: OrgId,
    pub events: Vec<NewEvent>,
    pub claim: Option<IdempotencyClaim>,
}

/// The result of an append.
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    /// The events as stored (on a replay: the events of the first request).
    pub events: Vec<Event>,
    /// True when the idempotency key had been seen and nothing new was appended.
    pub replayed: bool,
}

/// Filters for listing events.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub subject: Option<PersonId>,
    pub kinds: Vec<EventKind>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Filters for listing people.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    /// Case-insensitive substring of name or email.
    pub search: Option<String>,
    /// Only these people (used to scope a manager's view).
    pub only: Option<Vec<PersonId>>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// How a manager's team is ordered (`Store::team`): stored columns only, so a page
/// of a team of thousands is one indexed query and a sort, never a score per person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamSort {
    /// By name, then id.
    #[default]
    Name,
    /// By level key (e1 < e2 …), then name.
    Level,
    /// By the day the current level started (longest in level first when ascending).
    LevelSince,
    /// By the last progression (none yet first when ascending), then name.
    LastProgression,
}

impl TeamSort {
    pub const ALL: [TeamSort; 4] = [TeamSort::Name, TeamSort::Level, TeamSort::LevelSince, TeamSort::LastProgression];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamSort::Name => "name",
            TeamSort::Level => "level",
            TeamSort::LevelSince => "level_since",
            TeamSort::LastProgression => "last_progression",
        }
    }

    pub fn parse(s: &str) -> Option<TeamSort> {
        TeamSort::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One page of a manager's active reports, direct and indirect.
#[derive(Debug, Clone, Default)]
pub struct TeamQuery {
    pub sort: TeamSort,
    pub descending: bool,
    pub offset: u32,
    pub limit: u32,
    /// Counted as stalled: no progression (or hire) since this instant.
    pub stalled_before: DateTime<Utc>,
    /// Direct reports only (the counts too).
    pub direct_only: bool,
}

/// A page of a team and what the whole team counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamPage {
    pub items: Vec<Person>,
    /// Active reports, direct and indirect.
    pub total: u64,
    /// Of them, direct reports.
    pub direct: u64,
    /// Of them, stalled (see [`TeamQuery::stalled_before`]).
    pub stalled: u64,
}

/// Whose shape [`Store::shape`] counts: a manager's active reports (direct and
/// indirect), or the whole organization's active people.
#[derive(Debug, Clone, Default)]
pub struct ShapeQuery {
    /// `None`: everyone active in the organization.
    pub manager: Option<PersonId>,
    /// Time-in-level bucket bounds, newest first: bucket `i` holds people whose level
    /// started after `cuts[i]` (and not after `cuts[i - 1]`); bucket 4 the rest.
    pub cuts: [DateTime<Utc>; 4],
    /// Counted as stalled: no progression (or hire) since this instant.
    pub stalled_before: DateTime<Utc>,
}

/// One cell of a team's (or the organization's) shape: how many active people of a
/// department and level have been in their level for how long (bucket 0–4 of
/// [`ShapeQuery::cuts`]), and how many of them may be stalled. At most departments ×
/// levels × 5 cells, whatever the number of people: counted in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeCell {
    pub department: Option<String>,
    pub level: String,
    pub bucket: u8,
    pub people: u64,
    pub stalled: u64,
}

/// A stored API token. The secret itself is never stored, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenRecord {
    pub id: TokenId,
    pub org_id: OrgId,
    pub person_id: PersonId,
    pub role: Role,
    /// Which interface the token opens: the JSON API or SCIM provisioning, never both.
    pub scope: TokenScope,
    pub label: String,
    #[serde(skip)]
    pub hash: [u8; 32],
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The one interface a bearer token opens (docs/INTEGRATIONS.md): an API token
/// cannot call `/scim/v2`, a SCIM token cannot call `/api/v1`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    #[default]
    Api,
    Scim,
}

impl TokenScope {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Scim => "scim",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Self::Api),
            "scim" => Some(Self::Scim),
            _ => None,
        }
    }
}

/// What an identity provider knows about a person beyond their profile (SCIM
/// `userName`, `externalId`, the enterprise `employeeNumber`): integration state kept
/// beside the people projection, one row per person who was provisioned or touched
/// through SCIM. Not on the ledger: the identity provider owns it and re-sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimIdentity {
    pub org_id: OrgId,
    pub person_id: PersonId,
    /// As the identity provider spelled it; unique per organization, ignoring case.
    pub user_name: String,
    pub external_id: Option<String>,
    pub employee_number: Option<String>,
    /// `name.givenName` and `name.familyName` as the provider last sent them (Rungs
    /// keeps one name; these are read back so the provider sees what it wrote).
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// `emails` as the provider last sent them (a JSON array of `{value, type,
    /// primary}`), read back while the person's email in Rungs is among them.
    pub emails: Option<serde_json::Value>,
    /// Deleted through SCIM (`DELETE /Users/{id}`): while the person stays departed,
    /// SCIM answers 404 for them and leaves them out of queries (RFC 7644 3.6).
    pub deleted: bool,
}

/// A SCIM group the identity provider created, renamed or touched (groups are
/// departments; one without a row is addressed by the hex of its name). Not on the
/// ledger: the provider owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimGroup {
    pub org_id: OrgId,
    /// Stable across renames (RFC 7643 3.1).
    pub id: String,
    /// The department's name; unique per organization.
    pub name: String,
    pub external_id: Option<String>,
}

/// Sizes for metrics and the health page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    pub events: u64,
    pub people: u64,
    /// Appends waiting for the writer (group commit queue).
    pub write_queue_depth: u64,
}

/// What `rebuild` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RebuildReport {
    pub events: u64,
    pub people: u64,
}

/// The storage interface, held as `Arc<dyn Store>`. Sign-in credentials and sessions
/// ([`SessionStore`]), background jobs ([`JobQueue`]) and framework versions
/// ([`FrameworkStore`]) are separate capabilities every backend also provides.
#[async_trait::async_trait]
pub trait Store:
    SessionStore
    + JobQueue
    + FrameworkStore
    + OpportunityStore
    + RecognitionStore
    + crate::badges::BadgeStore
    + crate::promotion::PromotionStore
    + crate::proposal::ProposalStore
    + crate::webhooks::WebhookStore
    + crate::evidence::EvidenceStore
    + crate::notifications::NotificationStore
    + crate::calendar::CalendarStore
    + crate::credentials::CredentialStore
    + crate::leaderboards::LeaderboardStore
    + crate::idempotency::ReplayStore
    + Send
    + Sync
    + 'static
{
    /// Which backend this is, for logs and `/healthz` (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    async fn create_org(&self, org: &Organization) -> StoreResult<()>;
    async fn org(&self, id: OrgId) -> StoreResult<Organization>;
    /// The first organization created; single-tenant installs have exactly one.
    async fn default_org(&self) -> StoreResult<Option<Organization>>;

    async fn save_framework(&self, org: OrgId, framework: &Framework) -> StoreResult<()>;
    /// The organization's framework, shared: every write of an event reads it, and
    /// a clone of a large framework per request was a measurable cost of a POST.
    async fn framework(&self, org: OrgId) -> StoreResult<std::sync::Arc<Framework>>;

    /// Append atomically, check [`crate::projection::check_append`] for each event in
    /// order, and update projections in the same transaction. An acknowledged append is
    /// durable. A seen idempotency key with the same fingerprint replays the first result;
    /// with another fingerprint it is a `Conflict` on `Idempotency-Key`. A batch of no
    /// events with a claim only records the claim (for requests whose writes are not
    /// ledger events, such as posting an opportunity).
    async fn append(&self, batch: AppendBatch) -> StoreResult<Appended>;
    async fn event(&self, org: OrgId, id: EventId) -> StoreResult<Event>;
    /// Events in ledger order (seq ascending), filtered.
    async fn events(&self, org: OrgId, q: &EventQuery) -> StoreResult<Page<Event>>;
    /// Every event of one subject, in ledger order (for timelines and refolds).
    async fn subject_events(&self, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>>;
    /// Ids of events that have been reversed among this subject's events.
    async fn reversed_ids(&self, org: OrgId, subject: PersonId) -> StoreResult<Vec<EventId>>;
    /// Stream the whole ledger in seq order to `sink`, in chunks (export).
    async fn export_events(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<Event>>;
    /// The organization's events of the kinds readiness reads
    /// ([`FACT_KINDS`](crate::readiness::org::FACT_KINDS)), reduced to their facts, in
    /// seq order: at most `limit` with `seq > after_seq` (organization-wide readiness).
    async fn readiness_facts(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<crate::readiness::org::Fact>>;

    async fn person(&self, org: OrgId, id: PersonId) -> StoreResult<Person>;
    async fn person_by_email(&self, org: OrgId, email: &str) -> StoreResult<Person>;
    /// People ordered by name, then id.
    async fn people(&self, org: OrgId, q: &PeopleQuery) -> StoreResult<Page<Person>>;
    /// Everyone, ordered by id (rebuild checks, demo, analytics).
    async fn all_people(&self, org: OrgId) -> StoreResult<Vec<Person>>;
    /// Direct and indirect reports of `manager`.
    async fn reports(&self, org: OrgId, manager: PersonId) -> StoreResult<Vec<PersonId>>;
    /// Whether `subject` is a direct or indirect report of `manager`: a walk up the
    /// subject's manager chain (primary-key lookups, as many as the chain is long),
    /// so one access decision costs the same in a team of five or of ten thousand.
    async fn is_report(&self, org: OrgId, manager: PersonId, subject: PersonId) -> StoreResult<bool>;
    /// A page of `manager`'s active reports (direct and indirect), sorted, with the
    /// team's counts: one recursive query over `people (org_id, manager_id)`.
    async fn team(&self, org: OrgId, manager: PersonId, q: &TeamQuery) -> StoreResult<TeamPage>;
    /// The shape of a team or of the organization (see [`ShapeCell`]): one
    /// aggregate query, grouped in the database.
    async fn shape(&self, org: OrgId, q: &ShapeQuery) -> StoreResult<Vec<ShapeCell>>;

    /// Recompute every projection from the ledger, replacing the live tables.
    async fn rebuild(&self, org: OrgId) -> StoreResult<RebuildReport>;

    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()>;
    /// A live (not revoked) token by the SHA-256 of its secret.
    async fn token_by_hash(&self, hash: &[u8; 32]) -> StoreResult<TokenRecord>;
    async fn tokens(&self, org: OrgId, person: Option<PersonId>) -> StoreResult<Vec<TokenRecord>>;
    /// Revoke; revoking twice is fine, an unknown id is `NotFound`.
    async fn revoke_token(&self, org: OrgId, id: TokenId, at: DateTime<Utc>) -> StoreResult<TokenRecord>;

    /// Insert or replace the SCIM identity of `identity.person_id`. `Conflict` on
    /// `userName` when another person holds the same one (ignoring case).
    async fn put_scim_identity(&self, identity: &ScimIdentity) -> StoreResult<()>;
    /// Every SCIM identity of the organization.
    async fn scim_identities(&self, org: OrgId) -> StoreResult<Vec<ScimIdentity>>;
    /// Insert or replace the SCIM group with `group.id`. `Conflict` on `displayName`
    /// when another group of the organization has the same name.
    async fn put_scim_group(&self, group: &ScimGroup) -> StoreResult<()>;
    /// Forget a SCIM group; forgetting an unknown one is not an error.
    async fn delete_scim_group(&self, org: OrgId, id: &str) -> StoreResult<()>;
    /// Every SCIM group of the organization, by name.
    async fn scim_groups(&self, org: OrgId) -> StoreResult<Vec<ScimGroup>>;

    async fn stats(&self) -> StoreResult<StoreStats>;

    /// Commit a small write (about 64 KiB, then given back) to a scratch table, to
    /// learn whether the store can take writes now: `Unavailable` when the disk is
    /// full, the database read-only or unreachable. Readiness (`/readyz`) calls it at
    /// most every few seconds; it never touches the ledger.
    async fn probe_write(&self) -> StoreResult<()>;

    /// Load `source`'s events into `org`'s EMPTY ledger in one transaction, checked by
    /// the same [`crate::ledger::plan`] as every append but against state kept in
    /// memory ([`crate::ledger::bulk`]); secondary indexes are built and projections
    /// written once, at the end. All or nothing: an error (a refused event, as
    /// `chunk[c].events[i]…`, or the source's) or a crash leaves the ledger empty.
    /// A ledger that is not empty is refused with `Conflict` on `events`. The default
    /// (a backend without a bulk path) appends chunk by chunk, each chunk atomic.
    async fn bulk_load(&self, org: OrgId, source: &mut dyn crate::ledger::bulk::EventSource) -> StoreResult<crate::ledger::bulk::BulkLoaded> {
        crate::ledger::bulk::append_each(self, org, source).await
    }
}
