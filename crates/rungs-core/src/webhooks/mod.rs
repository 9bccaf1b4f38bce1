//! Signed webhooks (docs/WEBHOOKS.md): subscriptions the people team manages, the
//! transactional outbox every append writes (one row per ledger event, in the append's
//! transaction: see [`crate::ledger::Plan::outbox`]), the deliveries fanned out from
//! it (one per subscription and event, unique in the store), and the attempts log.
//! What is pure lives here: the types, the input rules, the signature and the retry
//! schedule. The dispatcher that sends is `rungs_app::webhooks`.

mod sign;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{Event, EventKind};
use crate::store::StoreResult;
use crate::{OrgId, ValidationError};

pub use sign::{Backoff, SIGNATURE_HEADER, new_secret, sign, signature_header, verify};

/// A receiver of events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: OrgId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What it is for, in words (optional).
    pub description: String,
    /// The event kinds it receives; empty: every kind.
    pub kinds: Vec<EventKind>,
    /// Inactive: no deliveries are made for events while it is inactive, and those
    /// already waiting are held until it is active again.
    pub active: bool,
    /// The signing secret: shown once, when the subscription is created.
    #[serde(skip)]
    pub secret: String,
    /// It receives the events after this ledger position (the head when it was made).
    #[serde(skip)]
    pub after_seq: i64,
    pub created_at: DateTime<Utc>,
}

impl Subscription {
    /// Whether an event of `kind` at `seq` is for this subscription.
    pub fn wants(&self, seq: i64, kind: EventKind) -> bool {
        seq > self.after_seq && (self.kinds.is_empty() || self.kinds.contains(&kind))
    }
}

/// Client input for a new subscription (API, CLI, web form).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    /// An http:// or https:// URL.
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Event kinds (`promotion`, `recognition`...); empty or absent: every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// A subscription's validated fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSubscription {
    pub url: String,
    pub description: String,
    pub kinds: Vec<EventKind>,
}

impl SubscriptionInput {
    /// Check every field; all errors at once, each naming its field.
    pub fn parse(&self) -> Result<ParsedSubscription, ValidationError> {
        let mut errors = ValidationError::new();
        let url = errors.collect(crate::text::parse_url("url", &self.url));
        let description = match self.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) if d.chars().count() > 200 => {
                errors.push("description", "must be at most 200 characters");
                String::new()
            }
            Some(d) => d.to_string(),
            None => String::new(),
        };
        let mut kinds = Vec::new();
        for (i, k) in self.kinds.iter().enumerate() {
            match EventKind::parse(k.trim()) {
                Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
                Some(_) => {}
                None => errors.push(format!("kinds[{i}]"), format!("'{k}' is not an event kind (one of {})", EventKind::names())),
            }
        }
        kinds.sort();
        errors.into_result()?;
        Ok(ParsedSubscription { url: url.unwrap_or_default(), description, kinds })
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its turn or for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the retry window; replay sends it again.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One event for one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: crate::EventId,
    /// The event's ledger position: deliveries of a subscription go out in this order.
    pub seq: i64,
    pub kind: EventKind,
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// When it is next tried (pending only).
    pub next_attempt_at: DateTime<Utc>,
    /// The first attempt since it was made or replayed: the retry window runs from it.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt, when the receiver answered.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One attempt to deliver, for the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<i32>,
    /// What went wrong (connection refused, timeout, a non-2xx status), if anything.
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What an attempt did to its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again at this instant; the subscription waits for it (order).
    RetryAt(DateTime<Utc>),
    /// The retry window is over: `failed`, and the next delivery goes.
    GiveUp,
}

/// A subscription held by one dispatcher until `locked_until`. `(locked_by, claims)`
/// is the fencing token every write under the lease presents: a dispatcher whose
/// lease another took over cannot record anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub subscription: Subscription,
    pub locked_by: String,
    pub claims: i64,
    pub locked_until: DateTime<Utc>,
}

/// Filters for the delivery log.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    pub subscription: Option<Uuid>,
    pub status: Option<DeliveryStatus>,
    /// Deliveries with a seq below this (the next page of a newest-first list).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// The webhook tables, a capability of every store backend.
#[async_trait::async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Add a subscription; it receives events after the current ledger head.
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<Subscription>;
    /// Every subscription of the organization, oldest first.
    async fn subscriptions(&self, org: OrgId) -> StoreResult<Vec<Subscription>>;
    async fn subscription(&self, org: OrgId, id: Uuid) -> StoreResult<Subscription>;
    /// Activate or deactivate. `NotFound` when it does not exist.
    async fn set_subscription_active(&self, org: OrgId, id: Uuid, active: bool, now: DateTime<Utc>) -> StoreResult<()>;
    /// Remove a subscription with its deliveries and their log.
    async fn delete_subscription(&self, org: OrgId, id: Uuid) -> StoreResult<()>;

    /// Move up to `limit` outbox rows (oldest first) into deliveries, one per active
    /// subscription that wants the event (unique per subscription and event), and
    /// delete them from the outbox, in one transaction. Returns the rows taken. Only
    /// one instance fans out at a time, so deliveries appear in ledger order.
    async fn fan_out(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<u64>;
    /// Rows waiting in the outbox (metrics, tests).
    async fn outbox_len(&self) -> StoreResult<u64>;
    /// Claim the active subscription whose next delivery is due the longest, whose
    /// lease (if any) has expired.
    async fn claim_subscription(&self, worker: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Option<Lease>>;
    /// The subscription's pending deliveries in ledger order, with their events.
    async fn pending_deliveries(&self, lease: &Lease, limit: u32) -> StoreResult<Vec<(Delivery, Event)>>;
    /// Log an attempt and apply its outcome, under the lease. False (and nothing
    /// written) when the lease was lost.
    async fn record_attempt(&self, lease: &Lease, attempt: &Attempt, outcome: Outcome) -> StoreResult<bool>;
    /// Give the subscription back: next due at `retry_at`, or now when deliveries are
    /// still pending, or never (until the next fan-out) when none are.
    async fn release_subscription(&self, lease: &Lease, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<bool>;

    /// The delivery log, newest first.
    async fn deliveries(&self, org: OrgId, q: &DeliveryQuery) -> StoreResult<Vec<Delivery>>;
    async fn delivery(&self, org: OrgId, id: Uuid) -> StoreResult<Delivery>;
    /// A delivery's attempts, oldest first.
    async fn attempts(&self, org: OrgId, delivery: Uuid) -> StoreResult<Vec<Attempt>>;
    /// Send a delivery again: back to pending, due now (its subscription too).
    async fn replay_delivery(&self, org: OrgId, id: Uuid, now: DateTime<Utc>) -> StoreResult<Delivery>;
}

#[cfg(test)]
mod tests;
