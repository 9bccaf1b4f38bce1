//! The organization's time zone (docs/WORKFLOWS.md, "The organization's calendar"):
//! read by anyone signed in, set by the people team (`Administer(Area::Calendar)` in
//! the access table). Every "today" of cycles, cases and proposals, and the midnight
//! their effective-date jobs run at, come from [`calendar`].

use chrono::{DateTime, NaiveDate, Utc};
use rungs_core::OrgId;
use rungs_core::calendar::{Calendar, OrgTimeZone};
use rungs_core::store::Store;

use crate::access::table::{Action, Area, may};
use crate::{AppError, Viewer};

/// The calendar of `org`: its saved zone, else UTC. A zone that no longer parses
/// (a name dropped from the time zone database) reads as UTC, with a warning.
pub async fn calendar(store: &dyn Store, org: OrgId) -> Result<Calendar, AppError> {
    Ok(match store.org_time_zone(org).await? {
        Some(name) => Calendar::parse(&name).unwrap_or_else(|_| {
            tracing::warn!(%org, time_zone = %name, "the organization's time zone is not in the time zone database: using UTC");
            Calendar::default()
        }),
        None => Calendar::default(),
    })
}

/// The day it is now in `org`'s calendar.
pub async fn today(store: &dyn Store, org: OrgId) -> Result<NaiveDate, AppError> {
    Ok(calendar(store, org).await?.today(Utc::now()))
}

/// The day it is at `now` in `org`'s calendar.
pub async fn today_at(store: &dyn Store, org: OrgId, now: DateTime<Utc>) -> Result<NaiveDate, AppError> {
    Ok(calendar(store, org).await?.today(now))
}

/// The organization's time zone.
pub async fn time_zone(store: &dyn Store, viewer: &Viewer) -> Result<OrgTimeZone, AppError> {
    Ok(OrgTimeZone { time_zone: calendar(store, viewer.org_id).await?.name().to_string() })
}

/// Set the organization's time zone (the people team). Days already chosen (windows,
/// effective dates) keep their dates; jobs already queued keep their instant and,
/// running early or late, check the day in the new zone.
pub async fn set_time_zone(store: &dyn Store, viewer: &Viewer, input: OrgTimeZone) -> Result<OrgTimeZone, AppError> {
    if !may(viewer.role, Action::Administer(Area::Calendar)) {
        return Err(AppError::Forbidden("only the people team sets the organization's time zone".into()));
    }
    let cal = Calendar::parse(&input.time_zone)?;
    store.save_org_time_zone(viewer.org_id, cal.name()).await?;
    Ok(OrgTimeZone { time_zone: cal.name().to_string() })
}
