//! Notifications (docs/NOTIFICATIONS.md): what a person is told, in the app (the bell)
//! and by email, and one-time invites to sign in. Notifications are derived from the
//! ledger and from workflow decisions by a background job, never on the write path;
//! each is created once: the store keys it on (source, recipient, kind).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ids::{OrgId, PersonId};
use crate::store::StoreResult;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A report logged a win that counts once validated (to their manager).
    ValidationRequested,
    /// Someone validated your win (to its author).
    WinValidated,
    /// Your application to an opportunity was accepted or declined.
    ApplicationDecided,
    /// An opportunity you took part in was completed.
    OpportunityCompleted,
    /// You completed a milestone.
    MilestoneReached,
    /// Someone recognized you.
    RecognitionReceived,
    /// You were awarded a badge.
    BadgeAwarded,
    /// Your promotion case was decided, or your promotion recorded.
    PromotionDecided,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 8] = [
        NotificationKind::ValidationRequested,
        NotificationKind::WinValidated,
        NotificationKind::ApplicationDecided,
        NotificationKind::OpportunityCompleted,
        NotificationKind::MilestoneReached,
        NotificationKind::RecognitionReceived,
        NotificationKind::BadgeAwarded,
        NotificationKind::PromotionDecided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::ValidationRequested => "validation_requested",
            NotificationKind::WinValidated => "win_validated",
            NotificationKind::ApplicationDecided => "application_decided",
            NotificationKind::OpportunityCompleted => "opportunity_completed",
            NotificationKind::MilestoneReached => "milestone_reached",
            NotificationKind::RecognitionReceived => "recognition_received",
            NotificationKind::BadgeAwarded => "badge_awarded",
            NotificationKind::PromotionDecided => "promotion_decided",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// For the preferences page: "A win of mine is validated".
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::ValidationRequested => "A report asks me to validate a win",
            NotificationKind::WinValidated => "A win of mine is validated",
            NotificationKind::ApplicationDecided => "An application of mine is accepted or declined",
            NotificationKind::OpportunityCompleted => "An opportunity I took part in is completed",
            NotificationKind::MilestoneReached => "I reach a milestone",
            NotificationKind::RecognitionReceived => "Someone recognizes me",
            NotificationKind::BadgeAwarded => "I am awarded a badge",
            NotificationKind::PromotionDecided => "My promotion case is decided",
        }
    }

    /// Email when nobody chose otherwise: what a person must act on or would want to
    /// know at once is sent at once, the rest waits for the daily digest.
    pub fn default_email(self) -> EmailChoice {
        match self {
            NotificationKind::ValidationRequested
            | NotificationKind::WinValidated
            | NotificationKind::ApplicationDecided
            | NotificationKind::PromotionDecided => EmailChoice::Immediate,
            _ => EmailChoice::Digest,
        }
    }
}

/// How a person wants one kind by email (in the app they always see it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailChoice {
    Off,
    Immediate,
    Digest,
}

impl EmailChoice {
    pub const ALL: [EmailChoice; 3] = [EmailChoice::Off, EmailChoice::Immediate, EmailChoice::Digest];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailChoice::Off => "off",
            EmailChoice::Immediate => "immediate",
            EmailChoice::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<EmailChoice> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a notification's email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Not to be emailed (the person chose off).
    None,
    /// Waiting to be sent on its own (retried with backoff).
    Pending,
    /// Waiting for the person's daily digest.
    Digest,
    Sent,
    /// Gave up after the last retry.
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::None => "none",
            EmailStatus::Pending => "pending",
            EmailStatus::Digest => "digest",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<EmailStatus> {
        [EmailStatus::None, EmailStatus::Pending, EmailStatus::Digest, EmailStatus::Sent, EmailStatus::Failed].into_iter().find(|k| k.as_str() == s)
    }

    pub fn for_choice(c: EmailChoice) -> EmailStatus {
        match c {
            EmailChoice::Off => EmailStatus::None,
            EmailChoice::Immediate => EmailStatus::Pending,
            EmailChoice::Digest => EmailStatus::Digest,
        }
    }
}

/// One notification to one person.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Notification {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: OrgId,
    pub recipient: PersonId,
    pub kind: NotificationKind,
    /// What it came from: `event:<id>` for a ledger event, `application:<id>:<status>`...
    pub source: String,
    /// One sentence, already worded for the recipient.
    pub text: String,
    /// Where to look (a path in the app).
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub email: EmailStatus,
    #[serde(skip)]
    pub email_attempts: i32,
}

impl Notification {
    /// A new, unread notification whose email follows `choice`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        org_id: OrgId,
        recipient: PersonId,
        kind: NotificationKind,
        source: String,
        text: String,
        link: Option<String>,
        choice: EmailChoice,
        at: DateTime<Utc>,
    ) -> Self {
        Notification {
            id: Uuid::now_v7(),
            org_id,
            recipient,
            kind,
            source,
            text,
            link,
            created_at: at,
            read_at: None,
            email: EmailStatus::for_choice(choice),
            email_attempts: 0,
        }
    }
}

/// A one-time sign-in link's record: only the SHA-256 of its token is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Invite {
    pub id: Uuid,
    pub org_id: OrgId,
    pub person: PersonId,
    pub token_hash: [u8; 32],
    pub created_by: Option<PersonId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Why an invite link does not sign anyone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    Unknown,
    Used,
    Expired,
}

#[async_trait::async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    /// The ledger position up to which notifications were derived, for `org`.
    async fn notify_cursor(&self, org: OrgId) -> StoreResult<i64>;
    /// Insert `items` (each at most once: a repeat of (source, recipient, kind) is
    /// skipped) and move the cursor from `from` to `to`, in one transaction. `None`
    /// (and nothing written) when the cursor is no longer at `from`: another run
    /// did this stretch. With `from == to`, the cursor is not checked.
    async fn record_notifications(&self, org: OrgId, from: i64, to: i64, items: &[Notification]) -> StoreResult<Option<u64>>;
    /// A person's notifications, newest first, before `before` (an id), at most `limit`.
    async fn notifications(&self, org: OrgId, person: PersonId, unread_only: bool, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<Notification>>;
    async fn unread_notifications(&self, org: OrgId, person: PersonId) -> StoreResult<u64>;
    /// Mark one read (NotFound when it is not the person's); already read stays as it was.
    async fn mark_notification_read(&self, org: OrgId, person: PersonId, id: Uuid, at: DateTime<Utc>) -> StoreResult<()>;
    async fn mark_all_notifications_read(&self, org: OrgId, person: PersonId, at: DateTime<Utc>) -> StoreResult<u64>;
    /// The kinds the person chose for email (kinds absent: the default).
    async fn notification_prefs(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<(NotificationKind, EmailChoice)>>;
    async fn set_notification_pref(&self, org: OrgId, person: PersonId, kind: NotificationKind, choice: EmailChoice) -> StoreResult<()>;
    /// Emails due: `Pending` ones whose next attempt is due at `now`, oldest first.
    async fn emails_due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Notification>>;
    /// Every notification waiting for a digest, by recipient then age.
    async fn digest_waiting(&self, limit: u32) -> StoreResult<Vec<Notification>>;
    /// Record an email's outcome for `ids`: the new status, and (when `Pending`) the
    /// next attempt; attempts counted.
    async fn set_email_status(&self, ids: &[Uuid], status: EmailStatus, next_at: Option<DateTime<Utc>>, error: Option<&str>) -> StoreResult<()>;
    async fn create_invite(&self, invite: &Invite) -> StoreResult<()>;
    /// Use an invite: at most once, before it expires (one statement, so two uses at
    /// once cannot both succeed). On success the invite, marked used.
    async fn redeem_invite(&self, token_hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<Result<Invite, InviteRefusal>>;
    /// A person's invites, newest first.
    async fn invites(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<Invite>>;
}
