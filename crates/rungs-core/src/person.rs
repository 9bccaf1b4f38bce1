//! People, their position in a framework, and the roles a token can carry.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::text::{parse_key, parse_text};
use crate::{OrgId, PersonId, ValidationError};

/// An organization: the tenant every row belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Where a person sits in a framework: track, level and the title they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Position {
    /// Track key, e.g. `engineering`.
    pub track: String,
    /// Level key within the track, e.g. `l3`.
    pub level: String,
    /// Job title, e.g. `Senior Engineer`.
    pub title: String,
}

impl Position {
    /// Check the shape of a position (keys and title); whether the track and level
    /// exist is checked against the framework by the caller.
    pub fn validate(&self) -> Result<Position, ValidationError> {
        let mut errs = ValidationError::new();
        let track = errs.collect(parse_key("track", &self.track));
        let level = errs.collect(parse_key("level", &self.level));
        let title = errs.collect(parse_text("title", &self.title, 200));
        errs.into_result()?;
        Ok(Position { track: track.unwrap_or_default(), level: level.unwrap_or_default(), title: title.unwrap_or_default() })
    }
}

/// Whether a person is still with the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    Active,
    Departed,
}

impl PersonStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PersonStatus::Active => "active",
            PersonStatus::Departed => "departed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "departed" => Some(Self::Departed),
            _ => None,
        }
    }
}

/// What a bearer token lets its holder do (see the access table in PRODUCT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees and logs their own progress.
    Employee,
    /// An employee who also sees and acts for their direct and indirect reports.
    Manager,
    /// The people team: everything, including pay and sensitive attributes.
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "employee" => Some(Self::Employee),
            "manager" => Some(Self::Manager),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A person as the projections see them now: profile plus current position and
/// progress counters, all derived from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: PersonId,
    pub org_id: OrgId,
    pub name: String,
    pub email: String,
    pub manager_id: Option<PersonId>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub hired_at: DateTime<Utc>,
    pub status: PersonStatus,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub position: Position,
    /// Current scope from the last micro-promotion (a role change without a new title).
    pub scope: Option<String>,
    /// When the person reached their current level (time in level starts here).
    pub level_since: DateTime<Utc>,
    pub last_promotion_at: Option<DateTime<Utc>>,
    /// Last progression of any kind: micro-progression, micro-promotion, promotion or lateral move.
    pub last_progression_at: Option<DateTime<Utc>>,
    pub micro_progressions: u32,
    pub micro_promotions: u32,
    pub promotions: u32,
    pub recognitions_received: u32,
    /// Pay band; readable by the people team and the person themself.
    pub pay_band: Option<String>,
    /// Sensitive attributes (e.g. gender, ethnicity for equity audits); people team only.
    pub sensitive: BTreeMap<String, String>,
    /// Occurred-at of the latest event folded in; an older event forces a refold.
    pub last_occurred_at: DateTime<Utc>,
    /// Number of ledger events about this person that are in force (not reversed).
    pub events_in_force: u32,
}
