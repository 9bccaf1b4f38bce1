//! Ledger events: the append-only record of everything that happened to a person.
//! A mistake is corrected by a `reversal` event; the original stays.
//!
//! One file on purpose (about 740 lines): it is the ledger's vocabulary, every kind's
//! payload beside the one enum that tags them and the input parsing that builds
//! them, so a new kind is added, serialised and parsed in one place. Parsing helpers
//! live in `crate::text`, the API input in `input.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::person::Position;
use crate::text::{parse_email, parse_key, parse_optional_text, parse_text};
use crate::{EventId, OrgId, PersonId, ValidationError};

/// Most competencies one event may evidence.
pub const MAX_COMPETENCIES: usize = 20;
/// Most evidence links one event may carry.
pub const MAX_EVIDENCE: usize = 20;
/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// The kinds of ledger event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Hired,
    ProfileUpdated,
    MicroProgression,
    Validation,
    MicroPromotion,
    Promotion,
    LateralMove,
    Recognition,
    Departure,
    Reversal,
    MilestoneCompleted,
    BadgeAwarded,
    Demotion,
    CredentialRevoked,
}

impl EventKind {
    pub const ALL: [EventKind; 14] = [
        EventKind::Hired,
        EventKind::ProfileUpdated,
        EventKind::MicroProgression,
        EventKind::Validation,
        EventKind::MicroPromotion,
        EventKind::Promotion,
        EventKind::LateralMove,
        EventKind::Recognition,
        EventKind::Departure,
        EventKind::Reversal,
        EventKind::MilestoneCompleted,
        EventKind::BadgeAwarded,
        EventKind::Demotion,
        EventKind::CredentialRevoked,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::Hired => "hired",
            EventKind::ProfileUpdated => "profile_updated",
            EventKind::MicroProgression => "micro_progression",
            EventKind::Validation => "validation",
            EventKind::MicroPromotion => "micro_promotion",
            EventKind::Promotion => "promotion",
            EventKind::LateralMove => "lateral_move",
            EventKind::Recognition => "recognition",
            EventKind::Departure => "departure",
            EventKind::Reversal => "reversal",
            EventKind::MilestoneCompleted => "milestone_completed",
            EventKind::BadgeAwarded => "badge_awarded",
            EventKind::Demotion => "demotion",
            EventKind::CredentialRevoked => "credential_revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds that count as progression for "time since last progression".
    pub fn is_progression(&self) -> bool {
        matches!(self, EventKind::MicroProgression | EventKind::MicroPromotion | EventKind::Promotion | EventKind::LateralMove)
    }

    /// Every kind, comma-separated (for error messages).
    pub fn names() -> String {
        Self::ALL.iter().map(EventKind::as_str).collect::<Vec<_>>().join(", ")
    }
}

/// What kind of small win a micro-progression is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Skill,
    Certification,
    Feedback,
    TaskMastered,
    ProjectCompleted,
    Learning,
    Mentoring,
    Responsibility,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Skill,
        Category::Certification,
        Category::Feedback,
        Category::TaskMastered,
        Category::ProjectCompleted,
        Category::Learning,
        Category::Mentoring,
        Category::Responsibility,
    ];

    /// The wire name, as serde writes it (`task_mastered`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Skill => "skill",
            Category::Certification => "certification",
            Category::Feedback => "feedback",
            Category::TaskMastered => "task_mastered",
            Category::ProjectCompleted => "project_completed",
            Category::Learning => "learning",
            Category::Mentoring => "mentoring",
            Category::Responsibility => "responsibility",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A category in words, lower case, for sentences ("log a project completed win").
pub fn category_label(c: Category) -> &'static str {
    match c {
        Category::Skill => "skill",
        Category::Certification => "certification",
        Category::Feedback => "feedback",
        Category::TaskMastered => "task mastered",
        Category::ProjectCompleted => "project completed",
        Category::Learning => "learning",
        Category::Mentoring => "mentoring",
        Category::Responsibility => "responsibility",
    }
}

/// How big a micro-progression is: a nano step or a micro step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Magnitude {
    Nano,
    Micro,
}

impl Magnitude {
    pub const ALL: [Magnitude; 2] = [Magnitude::Nano, Magnitude::Micro];

    pub fn as_str(self) -> &'static str {
        match self {
            Magnitude::Nano => "nano",
            Magnitude::Micro => "micro",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Who validated a win, relative to its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValidatorRole {
    Manager,
    Peer,
}

/// Why a person left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepartureReason {
    Voluntary,
    Involuntary,
    Retirement,
    Other,
    /// The identity provider deactivated the account (SCIM `active: false`).
    Deprovisioned,
}

impl DepartureReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            DepartureReason::Voluntary => "voluntary",
            DepartureReason::Involuntary => "involuntary",
            DepartureReason::Retirement => "retirement",
            DepartureReason::Other => "other",
            DepartureReason::Deprovisioned => "deprovisioned",
        }
    }
}

/// `hired`: a person joins. Carries the profile the people projection starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hired {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub manager_id: Option<PersonId>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    pub position: Position,
    #[serde(default)]
    pub pay_band: Option<String>,
    #[serde(default)]
    pub sensitive: BTreeMap<String, String>,
}

/// `profile_updated`: profile fields changed. Absent fields stay as they were;
/// `manager_id: null` removes the manager.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdated {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub manager_id: Option<Option<PersonId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_band: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<BTreeMap<String, String>>,
}

/// `micro_progression`: a small win.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MicroProgression {
    pub category: Category,
    pub magnitude: Magnitude,
    /// One line saying what was achieved.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `validation`: a manager or peer confirms a micro-progression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// The micro-progression being validated.
    pub target: EventId,
    /// Filled in by the server from the org chart.
    #[serde(default = "peer")]
    pub role: ValidatorRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn peer() -> ValidatorRole {
    ValidatorRole::Peer
}

/// `micro_promotion`: a scope or role change without a title change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MicroPromotion {
    /// The new scope, e.g. `team coordinator`.
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `promotion`: a formal change of level and title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    pub to: Position,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_band: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `lateral_move`: a change of track, department or manager without a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LateralMove {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `demotion`: a move to a lower level (or a lower level of another track), its own
/// kind so that it is never recorded as a "promotion" (docs/WORKFLOWS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Demotion {
    pub to: Position,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `recognition`: praise from a peer or manager (the actor) to the subject, with
/// points from the actor's allowance (docs/RECOGNITION.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    pub message: String,
    #[serde(default)]
    pub points: u32,
    /// Private recognition is seen by the giver, the receiver, the receiver's
    /// managers and the people team only.
    #[serde(default = "yes")]
    pub public: bool,
    /// Company values it is tagged with (keys from the recognition policy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Filled in by the server: the giver's allowance in force when it was given,
    /// which the ledger enforces. Absent on recognition imported from elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<crate::recognition::Allowance>,
    /// Filled in by the server: giver and receiver were in different teams when it
    /// was given (neither managing the other, not sharing a manager). Breadth of
    /// recognition counts for readiness (docs/READINESS.md). Absent on imported history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub across_teams: Option<bool>,
}

impl Recognition {
    /// A public recognition of `points` with no tags and no allowance.
    pub fn new(message: impl Into<String>, points: u32) -> Self {
        Recognition { message: message.into(), points, public: true, tags: Vec::new(), allowance: None, across_teams: None }
    }
}

fn yes() -> bool {
    true
}

/// `departure`: the person leaves; `occurred_at` is the end date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Departure {
    pub reason: DepartureReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `reversal`: corrects an earlier event, which stays in the ledger but no longer counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reversal {
    pub target: EventId,
    pub reason: String,
}

/// `milestone_completed`: a milestone module of the subject's next transition was
/// completed. Recorded by the system, once per person and module (its event key is
/// `milestone:<subject>:<track>:<module>`), when a win or validation completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneCompleted {
    /// The module's key in the framework.
    pub milestone: String,
    pub track: String,
    /// The level the module leads into.
    pub to_level: String,
    pub title: String,
    /// The framework version in force when it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_version: Option<u32>,
    /// The wins that completed it.
    #[serde(default)]
    pub counted: Vec<EventId>,
}

/// `badge_awarded`: the subject earned a tier of a badge, by its rule (the system,
/// listing the events that earned it) or by hand (a manager or the people team, with
/// a reason). Once per person, badge and tier: its event key is
/// `badge:<subject>:<badge>:<tier>`, whoever records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BadgeAwarded {
    /// The badge's key (`skill-burst`).
    pub badge: String,
    /// `bronze`, `silver` or `gold`.
    pub tier: crate::badges::Tier,
    /// The badge's name when it was awarded.
    pub name: String,
    /// The events that earned it (empty for an award by hand).
    #[serde(default)]
    pub earned_by: Vec<EventId>,
    /// Why, in words: the rule met, or the reason given by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Awarded by a person rather than by the rule.
    #[serde(default)]
    pub by_hand: bool,
}

/// `credential_revoked`: an Open Badges credential issued to the subject was revoked,
/// by the people team with a reason, or by the system when the achievement it
/// certified was reversed. The issued credential's revocation (and its bit in the
/// status list) is this event's projection. Once per credential: its event key is
/// `credential-revoked:<credential>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialRevoked {
    /// The credential's id (the last segment of its URL).
    #[schema(value_type = String, format = Uuid)]
    pub credential: uuid::Uuid,
    /// The ledger event the credential certified.
    pub certified: EventId,
    /// Why, in words (shown to the holder and to anyone verifying it).
    pub reason: String,
}

/// An event's kind together with its kind-specific payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum EventBody {
    Hired(Hired),
    ProfileUpdated(ProfileUpdated),
    MicroProgression(MicroProgression),
    Validation(Validation),
    MicroPromotion(MicroPromotion),
    Promotion(Promotion),
    LateralMove(LateralMove),
    Recognition(Recognition),
    Departure(Departure),
    Reversal(Reversal),
    MilestoneCompleted(MilestoneCompleted),
    BadgeAwarded(BadgeAwarded),
    Demotion(Demotion),
    CredentialRevoked(CredentialRevoked),
}

impl EventBody {
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::Hired(_) => EventKind::Hired,
            EventBody::ProfileUpdated(_) => EventKind::ProfileUpdated,
            EventBody::MicroProgression(_) => EventKind::MicroProgression,
            EventBody::Validation(_) => EventKind::Validation,
            EventBody::MicroPromotion(_) => EventKind::MicroPromotion,
            EventBody::Promotion(_) => EventKind::Promotion,
            EventBody::LateralMove(_) => EventKind::LateralMove,
            EventBody::Recognition(_) => EventKind::Recognition,
            EventBody::Departure(_) => EventKind::Departure,
            EventBody::Reversal(_) => EventKind::Reversal,
            EventBody::MilestoneCompleted(_) => EventKind::MilestoneCompleted,
            EventBody::BadgeAwarded(_) => EventKind::BadgeAwarded,
            EventBody::Demotion(_) => EventKind::Demotion,
            EventBody::CredentialRevoked(_) => EventKind::CredentialRevoked,
        }
    }

    /// The payload alone, as stored in the ledger's `payload` column.
    pub fn payload_json(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut m)) => m.remove("payload").unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    /// Rebuild a body from a stored kind and payload.
    pub fn from_parts(kind: EventKind, payload: Value) -> Result<Self, ValidationError> {
        let v = serde_json::json!({ "kind": kind.as_str(), "payload": payload });
        let de = serde_json::from_value::<Value>(v).map_err(|e| ValidationError::single("payload", e.to_string()))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() { "payload".to_string() } else { path };
            ValidationError::single(field, e.into_inner().to_string())
        })
    }

    /// The event this one points at (reversal and validation targets).
    pub fn target(&self) -> Option<EventId> {
        match self {
            EventBody::Reversal(r) => Some(r.target),
            EventBody::Validation(v) => Some(v.target),
            _ => None,
        }
    }

    /// Check and normalise the text fields of the payload (trimming, lengths, emails).
    /// Framework membership and access are checked by the application layer.
    pub fn normalize(self) -> Result<Self, ValidationError> {
        let mut e = ValidationError::new();
        let body = match self {
            EventBody::Hired(h) => {
                let name = e.collect(parse_text("payload.name", &h.name, 200));
                let email = e.collect(parse_email("payload.email", &h.email));
                let position = e.collect(h.position.validate().map_err(|x| x.nested("payload.position")));
                let department = e.collect(parse_optional_text("payload.department", h.department.as_deref(), 200));
                let location = e.collect(parse_optional_text("payload.location", h.location.as_deref(), 200));
                let pay_band = e.collect(parse_optional_text("payload.pay_band", h.pay_band.as_deref(), 50));
                e.collect(check_sensitive(&h.sensitive));
                EventBody::Hired(Hired {
                    name: name.unwrap_or_default(),
                    email: email.unwrap_or_default(),
                    manager_id: h.manager_id,
                    department: department.flatten(),
                    location: location.flatten(),
                    position: position.unwrap_or(h.position),
                    pay_band: pay_band.flatten(),
                    sensitive: h.sensitive,
                })
            }
            EventBody::ProfileUpdated(p) => {
                let name = p.name.as_deref().map(|n| parse_text("payload.name", n, 200));
                let name = name.and_then(|r| e.collect(r));
                let email = p.email.as_deref().map(|n| parse_email("payload.email", n)).and_then(|r| e.collect(r));
                // An empty department clears it (SCIM removes someone from a department group).
                let department =
                    p.department.as_deref().map(|n| if n.trim().is_empty() { Ok(String::new()) } else { parse_text("payload.department", n, 200) });
                let department = department.and_then(|r| e.collect(r));
                let location = p.location.as_deref().map(|n| parse_text("payload.location", n, 200)).and_then(|r| e.collect(r));
                let pay_band = p.pay_band.as_deref().map(|n| parse_text("payload.pay_band", n, 50)).and_then(|r| e.collect(r));
                if let Some(s) = &p.sensitive {
                    e.collect(check_sensitive(s));
                }
                let out = ProfileUpdated { name, email, manager_id: p.manager_id, department, location, pay_band, sensitive: p.sensitive };
                if out == ProfileUpdated::default() {
                    e.push("payload", "must change at least one field");
                }
                EventBody::ProfileUpdated(out)
            }
            EventBody::MicroProgression(m) => {
                let title = e.collect(parse_text("payload.title", &m.title, 200));
                let description = e.collect(parse_optional_text("payload.description", m.description.as_deref(), 4000));
                EventBody::MicroProgression(MicroProgression { title: title.unwrap_or_default(), description: description.flatten(), ..m })
            }
            EventBody::Validation(v) => {
                let note = e.collect(parse_optional_text("payload.note", v.note.as_deref(), 2000));
                EventBody::Validation(Validation { note: note.flatten(), ..v })
            }
            EventBody::MicroPromotion(m) => {
                let scope = e.collect(parse_text("payload.scope", &m.scope, 200));
                let note = e.collect(parse_optional_text("payload.note", m.note.as_deref(), 2000));
                EventBody::MicroPromotion(MicroPromotion { scope: scope.unwrap_or_default(), note: note.flatten() })
            }
            EventBody::Promotion(p) => {
                let to = e.collect(p.to.validate().map_err(|x| x.nested("payload.to")));
                let pay_band = e.collect(parse_optional_text("payload.pay_band", p.pay_band.as_deref(), 50));
                let note = e.collect(parse_optional_text("payload.note", p.note.as_deref(), 2000));
                EventBody::Promotion(Promotion { to: to.unwrap_or(p.to), pay_band: pay_band.flatten(), note: note.flatten() })
            }
            EventBody::Demotion(d) => {
                let to = e.collect(d.to.validate().map_err(|x| x.nested("payload.to")));
                let note = e.collect(parse_optional_text("payload.note", d.note.as_deref(), 2000));
                EventBody::Demotion(Demotion { to: to.unwrap_or(d.to), note: note.flatten() })
            }
            EventBody::LateralMove(l) => {
                let to = l.to.map(|p| p.validate().map_err(|x| x.nested("payload.to"))).and_then(|r| e.collect(r));
                let department = e.collect(parse_optional_text("payload.department", l.department.as_deref(), 200));
                let note = e.collect(parse_optional_text("payload.note", l.note.as_deref(), 2000));
                let out = LateralMove { to, department: department.flatten(), manager_id: l.manager_id, note: note.flatten() };
                if out.to.is_none() && out.department.is_none() && out.manager_id.is_none() {
                    e.push("payload", "a lateral move must change at least one of to, department, manager_id");
                }
                EventBody::LateralMove(out)
            }
            EventBody::Recognition(r) => {
                let message = e.collect(parse_text("payload.message", &r.message, 2000));
                if r.points > crate::recognition::MAX_POINTS {
                    e.push("payload.points", format!("must be at most {}", crate::recognition::MAX_POINTS));
                }
                if r.tags.len() > crate::recognition::MAX_TAGS {
                    e.push("payload.tags", format!("must list at most {} values", crate::recognition::MAX_TAGS));
                }
                let tags = r.tags.iter().enumerate().filter_map(|(i, t)| e.collect(parse_key(&format!("payload.tags[{i}]"), t))).collect();
                if let Some(a) = &r.allowance
                    && a.period_start >= a.period_end
                {
                    e.push("payload.allowance.period_end", "must be after period_start");
                }
                EventBody::Recognition(Recognition { message: message.unwrap_or_default(), tags, ..r })
            }
            EventBody::Departure(d) => {
                let note = e.collect(parse_optional_text("payload.note", d.note.as_deref(), 2000));
                EventBody::Departure(Departure { note: note.flatten(), ..d })
            }
            EventBody::Reversal(r) => {
                let reason = e.collect(parse_text("payload.reason", &r.reason, 2000));
                EventBody::Reversal(Reversal { reason: reason.unwrap_or_default(), ..r })
            }
            EventBody::MilestoneCompleted(m) => {
                e.collect(parse_key("payload.milestone", &m.milestone));
                e.collect(parse_key("payload.track", &m.track));
                e.collect(parse_key("payload.to_level", &m.to_level));
                let title = e.collect(parse_text("payload.title", &m.title, 200));
                if m.counted.len() > 100 {
                    e.push("payload.counted", "must list at most 100 events");
                }
                EventBody::MilestoneCompleted(MilestoneCompleted { title: title.unwrap_or_default(), ..m })
            }
            EventBody::BadgeAwarded(b) => {
                e.collect(crate::badges::parse_badge_key("payload.badge", &b.badge));
                let name = e.collect(parse_text("payload.name", &b.name, 200));
                let reason = e.collect(parse_optional_text("payload.reason", b.reason.as_deref(), 2000));
                if b.earned_by.len() > crate::badges::MAX_EARNED_BY {
                    e.push("payload.earned_by", format!("must list at most {} events", crate::badges::MAX_EARNED_BY));
                }
                if b.by_hand && reason.as_ref().is_some_and(std::option::Option::is_none) {
                    e.push("payload.reason", "an award by hand must say why");
                }
                EventBody::BadgeAwarded(BadgeAwarded { name: name.unwrap_or_default(), reason: reason.flatten(), ..b })
            }
            EventBody::CredentialRevoked(c) => {
                let reason = e.collect(parse_text("payload.reason", &c.reason, crate::credentials::MAX_REVOKE_REASON));
                EventBody::CredentialRevoked(CredentialRevoked { reason: reason.unwrap_or_default(), ..c })
            }
        };
        e.into_result().map(|()| body)
    }
}

fn check_sensitive(s: &BTreeMap<String, String>) -> Result<(), ValidationError> {
    let mut e = ValidationError::new();
    if s.len() > 20 {
        e.push("payload.sensitive", "must have at most 20 attributes");
    }
    for (k, v) in s {
        e.collect(parse_key(&format!("payload.sensitive.{k}"), k));
        e.collect(parse_text(&format!("payload.sensitive.{k}"), v, 200));
    }
    e.into_result()
}

/// An event as stored in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: EventId,
    /// Position in the ledger: strictly increasing in the order events were recorded.
    pub seq: i64,
    pub org_id: OrgId,
    /// Whom the event is about.
    pub subject: PersonId,
    /// Who recorded it; `None` for imports and system events.
    pub actor: Option<PersonId>,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    #[serde(flatten)]
    pub body: EventBody,
    /// Competency keys this event evidences.
    pub competencies: Vec<String>,
    /// Evidence links (http/https URLs).
    pub evidence: Vec<String>,
    pub idempotency_key: Option<String>,
}

impl Event {
    pub fn kind(&self) -> EventKind {
        self.body.kind()
    }
}

/// An event ready to append: validated, with its id and times assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    pub id: EventId,
    pub org_id: OrgId,
    pub subject: PersonId,
    pub actor: Option<PersonId>,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    #[serde(flatten)]
    pub body: EventBody,
    pub competencies: Vec<String>,
    pub evidence: Vec<String>,
    pub idempotency_key: Option<String>,
}

impl NewEvent {
    pub fn into_event(self, seq: i64) -> Event {
        Event {
            id: self.id,
            seq,
            org_id: self.org_id,
            subject: self.subject,
            actor: self.actor,
            occurred_at: self.occurred_at,
            recorded_at: self.recorded_at,
            body: self.body,
            competencies: self.competencies,
            evidence: self.evidence,
            idempotency_key: self.idempotency_key,
        }
    }
}

/// Serialise `Option<Option<T>>` so that an absent field and an explicit `null` differ.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

mod input;
pub use input::{EventInput, ParsedEvent};

#[cfg(test)]
mod tests;
