//! Pictures of a team and of the organization: how many people sit at each level,
//! how long they have been there, who may be stalled, and how ready a manager's
//! direct reports are for their next level. Everything about a team of thousands is
//! counted in the database ([`Store::shape`]: one grouped query, at most departments
//! × levels × 5 rows back); readiness, which is computed from each person's ledger,
//! only for the direct reports (at most [`READINESS_AT_MOST`]), so a page showing
//! these costs the same for a manager of ten as of ten thousand.

use chrono::{DateTime, Duration, Utc};
use rungs_core::store::{ShapeCell, ShapeQuery, Store, TeamQuery, TeamSort};

use crate::access::Capabilities;
use crate::{AppError, Viewer};

/// The time-in-level buckets, in the order of [`Shape::time_in_level`].
pub const BUCKETS: [&str; 5] = ["under 6 months", "6–12 months", "1–2 years", "2–3 years", "3 years or more"];
/// Readiness bands (scores 0–19, 20–39 …), in the order of [`Shape::readiness`].
pub const BANDS: [&str; 5] = ["0–19", "20–39", "40–59", "60–79", "80–100"];
/// Direct reports whose readiness is computed, at most.
pub const READINESS_AT_MOST: u32 = 200;

/// What the pictures show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// Active people counted.
    pub people: u64,
    /// Of them, may be stalled (`people::STALL_AFTER`).
    pub stalled: u64,
    /// People per time-in-level bucket ([`BUCKETS`]).
    pub time_in_level: [u64; 5],
    /// People per level key (e1, e2 … as stored), sorted by key.
    pub levels: Vec<(String, u64)>,
    /// People per department and level: (department, level, people, stalled), sorted.
    pub cells: Vec<(String, String, u64, u64)>,
}

/// The bucket bounds for `now`: 6, 12, 24 and 36 months ago.
pub fn cuts(now: DateTime<Utc>) -> [DateTime<Utc>; 4] {
    [now - Duration::days(182), now - Duration::days(365), now - Duration::days(730), now - Duration::days(1095)]
}

fn fold(cells: Vec<ShapeCell>) -> Shape {
    let mut s = Shape::default();
    let mut levels = std::collections::BTreeMap::<String, u64>::new();
    let mut grid = std::collections::BTreeMap::<(String, String), (u64, u64)>::new();
    for c in cells {
        s.people += c.people;
        s.stalled += c.stalled;
        s.time_in_level[usize::from(c.bucket.min(4))] += c.people;
        *levels.entry(c.level.clone()).or_default() += c.people;
        let g = grid.entry((c.department.unwrap_or_else(|| "(no department)".into()), c.level)).or_default();
        g.0 += c.people;
        g.1 += c.stalled;
    }
    s.levels = levels.into_iter().collect();
    s.cells = grid.into_iter().map(|((d, l), (n, st))| (d, l, n, st)).collect();
    s
}

/// The viewer's team: their active reports, direct and indirect, counted in the
/// database (one grouped query). Empty for someone with no team.
pub async fn team(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<Shape, AppError> {
    let (true, Some(me)) = (Capabilities::of(viewer.role).read_reports, viewer.person_id) else {
        return Ok(Shape::default());
    };
    let q = ShapeQuery { manager: Some(me), cuts: cuts(now), stalled_before: now - crate::people::STALL_AFTER };
    Ok(fold(store.shape(viewer.org_id, &q).await?))
}

/// How ready the viewer's direct reports (the first [`READINESS_AT_MOST`] by name)
/// are for their next level: people per band ([`BANDS`]) and how many were counted
/// (those with a next level). `None` for someone with no direct reports.
pub async fn direct_readiness(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<Option<([u64; 5], u64)>, AppError> {
    let (true, Some(me)) = (Capabilities::of(viewer.role).read_reports, viewer.person_id) else {
        return Ok(None);
    };
    let q =
        TeamQuery { sort: TeamSort::Name, direct_only: true, limit: READINESS_AT_MOST, stalled_before: now - crate::people::STALL_AFTER, ..Default::default() };
    let direct = store.team(viewer.org_id, me, &q).await?;
    if direct.items.is_empty() {
        return Ok(None);
    }
    let fw = store.framework(viewer.org_id).await?;
    let summaries = crate::org_readiness::summaries(store, viewer.org_id, fw, &direct.items, now).await?;
    let (mut bands, mut counted) = ([0u64; 5], 0);
    for r in summaries.iter().filter(|r| r.next_level.is_some()) {
        bands[usize::from(r.score.min(100) / 20).min(4)] += 1;
        counted += 1;
    }
    Ok(Some((bands, counted)))
}

/// Everyone active in the organization, for those whose reports cover everyone (the
/// people team); 403 for anyone else.
pub async fn organization(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<Shape, AppError> {
    if !Capabilities::of(viewer.role).metrics_everyone {
        return Err(AppError::Forbidden("the organization's overview is for the people team".into()));
    }
    let q = ShapeQuery { manager: None, cuts: cuts(now), stalled_before: now - crate::people::STALL_AFTER };
    Ok(fold(store.shape(viewer.org_id, &q).await?))
}
