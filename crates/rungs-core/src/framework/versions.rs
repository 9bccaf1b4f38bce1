//! Framework versions: every edit saves a new version and keeps the old ones, so the
//! past is judged by the version that was in force at the time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Framework;
use crate::OrgId;
use crate::store::StoreResult;

/// One saved version of an organization's framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FrameworkVersion {
    /// 1 for the first saved version, then +1 per edit.
    pub version: u32,
    /// When this version came into force.
    pub created_at: DateTime<Utc>,
    pub framework: Framework,
}

/// The version capability every store provides (a part of
/// [`Store`](crate::store::Store)).
#[async_trait::async_trait]
pub trait FrameworkStore: Send + Sync {
    /// Save `framework` as the next version, in force from `at`, and make it the
    /// current framework, in one transaction. Returns the new version number.
    async fn save_framework_version(&self, org: OrgId, framework: &Framework, at: DateTime<Utc>) -> StoreResult<u32>;
    /// Every saved version, oldest first (frameworks are small and edited rarely).
    async fn framework_versions(&self, org: OrgId) -> StoreResult<Vec<FrameworkVersion>>;
    /// The newest version's number and when it came into force, without reading any
    /// framework body: what judging "now" needs, on every win. Backends override this
    /// with a one-row query.
    async fn latest_framework_version(&self, org: OrgId) -> StoreResult<Option<(u32, DateTime<Utc>)>> {
        Ok(self.framework_versions(org).await?.last().map(|v| (v.version, v.created_at)))
    }
}

/// The version in force at `at`: the newest one created at or before it. Before the
/// first version, the first one (history older than any version is judged by it).
pub fn version_in_force(versions: &[FrameworkVersion], at: DateTime<Utc>) -> Option<&FrameworkVersion> {
    versions.iter().filter(|v| v.created_at <= at).max_by_key(|v| v.version).or_else(|| versions.iter().min_by_key(|v| v.version))
}
