//! `GET /api/v1/people/{id}/events`: one person's ledger, filtered and paged.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::event::Event;
use rungs_core::store::EventQuery;
use rungs_core::{PersonId, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId, query};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEventsParams {
    /// Comma-separated event kinds, e.g. `micro_progression,promotion` (spaces
    /// around a name are ignored).
    #[param(
        pattern = "^ *((hired|profile_updated|micro_progression|validation|micro_promotion|promotion|lateral_move|recognition|departure|reversal|milestone_completed|badge_awarded|demotion) *)?(, *((hired|profile_updated|micro_progression|validation|micro_promotion|promotion|lateral_move|recognition|departure|reversal|milestone_completed|badge_awarded|demotion) *)?)*$"
    )]
    pub kind: Option<String>,
    /// Only events that occurred at or after this RFC 3339 time.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Only events that occurred before this RFC 3339 time.
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// `next_cursor` from the previous page (empty: the first page).
    #[param(pattern = "^(e[0-9]{1,18})?$")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// A page of events in ledger order.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass back as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A person's events in ledger order, filtered by kind and time.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/events",
    tag = "events",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id"), ListEventsParams),
    responses((status = 200, body = EventPage))
)]
#[tracing::instrument(skip_all)]
pub async fn list_person_events(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<PersonId>,
    Query(params): Query<ListEventsParams>,
) -> ApiResult<Json<EventPage>> {
    let mut e = ValidationError::new();
    let kinds = query::kinds(&mut e, params.kind.as_deref());
    let from = query::instant(&mut e, "from", params.from.as_deref());
    let to = query::instant(&mut e, "to", params.to.as_deref());
    let limit = query::limit(&mut e, params.limit.as_deref());
    // `to` before `from` is an empty range: an empty page, like any range with no events.
    e.into_result()?;
    let q = EventQuery { subject: Some(id), kinds, from, to, cursor: query::cursor(params.cursor), limit };
    let page = rungs_app::events::list(state.store.as_ref(), &viewer, id, q).await?;
    Ok(Json(EventPage { items: page.items, next_cursor: page.next_cursor }))
}
