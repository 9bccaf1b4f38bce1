//! `/settings/time-zone`: the organization's time zone, set by the people team
//! (`rungs_app::calendar`, the same use case as `PUT /api/v1/org/time-zone`).

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rungs_core::calendar::OrgTimeZone;

use super::error::see_other;
use super::flash;
use super::promotions::{field, refused, with_flash};
use super::{HtmlError, Layout, render_string};
use crate::AppState;
use crate::extract::Session;

pub async fn page(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    use rungs_app::access::table::{Action, Area};
    rungs_app::access::require(s.viewer.role, Action::Administer(Area::Calendar), "only the people team sets the organization's time zone")?;
    let cal = rungs_app::calendar::calendar(state.store.as_ref(), s.viewer.org_id).await?;
    let now = Utc::now();
    let local = now.with_timezone(&cal.tz);
    let zones: Vec<&str> = rungs_core::calendar::zone_names().collect();
    let error = flash::take(&headers);
    let body = render_string(
        "org_calendar.html",
        minijinja::context! {
            layout => Layout::new(&s, "time-zone", "Time zone"), zone => cal.name(), today => cal.today(now).to_string(),
            local_time => local.format("%H:%M").to_string(), offset => local.format("%:z").to_string(), zones, error,
        },
    )?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

pub async fn save(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    let back = "/settings/time-zone";
    match rungs_app::calendar::set_time_zone(state.store.as_ref(), &s.viewer, OrgTimeZone { time_zone: field(&pairs, "time_zone") }).await {
        Ok(_) => Ok(see_other(back)),
        Err(e) => refused(&headers, back, e),
    }
}
