//! Readiness and next steps for a person, on behalf of a viewer: the same access as
//! the timeline (oneself, one's managers, the people team).

use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use rungs_core::readiness::{Readiness, Recommendation, readiness, recommend};
use rungs_core::store::Store;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{AppError, Viewer};

/// A person's readiness for their next level, explained, with the ranked next steps.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessReport {
    pub person_id: PersonId,
    pub name: String,
    /// The person's current title.
    pub title: String,
    /// The framework version the score was computed under (`None` if the framework
    /// was never versioned, e.g. set before versions existed).
    pub framework_version: Option<u32>,
    /// When it was computed: recency and windows are measured from here.
    pub computed_at: DateTime<Utc>,
    pub readiness: Readiness,
    /// Gaps ranked by how much closing each raises readiness.
    pub recommendations: Vec<Recommendation>,
}

/// Readiness of `id` now, under the framework version in force now (the current one).
pub async fn get(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<ReadinessReport, AppError> {
    get_at(store, viewer, id, Utc::now()).await
}

/// Readiness of `id` at `now`.
pub async fn get_at(store: &dyn Store, viewer: &Viewer, id: PersonId, now: DateTime<Utc>) -> Result<ReadinessReport, AppError> {
    // Access as for the timeline: `people::get` answers 404 to those who may not see.
    let person = crate::people::get(store, viewer, id).await?;
    let events = store.subject_events(viewer.org_id, id).await?;
    let fw = store.framework(viewer.org_id).await?;
    let versions = store.framework_versions(viewer.org_id).await?;
    let framework_version = versions.last().map(|v| v.version);
    let r = readiness(&fw, &person.position, &events, now);
    let recommendations = recommend(&r);
    Ok(ReadinessReport { person_id: id, name: person.name, title: person.position.title, framework_version, computed_at: now, readiness: r, recommendations })
}
