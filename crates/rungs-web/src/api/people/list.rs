//! `GET /api/v1/people`: the people the caller may see, a page at a time.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::ValidationError;
use rungs_core::person::Person;
use rungs_core::store::PeopleQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, query};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListPeopleParams {
    /// `next_cursor` from the previous page (empty: the first page).
    #[param(pattern = "^(p[0-9a-f]{32}([0-9a-f]{2})*)?$")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Case-insensitive search in name and email.
    pub q: Option<String>,
}

/// A page of people, ordered by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<Person>,
    /// Pass back as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// People the caller may see: everyone for the people team, self and reports for a
/// manager, self for an employee.
#[utoipa::path(
    get,
    path = "/api/v1/people",
    tag = "people",
    security(("bearer" = [])),
    params(ListPeopleParams),
    responses((status = 200, body = PersonPage))
)]
#[tracing::instrument(skip_all)]
pub async fn list_people(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<ListPeopleParams>) -> ApiResult<Json<PersonPage>> {
    let mut e = ValidationError::new();
    let limit = query::limit(&mut e, params.limit.as_deref());
    e.into_result()?;
    let search = params.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let q = PeopleQuery { search, only: None, cursor: query::cursor(params.cursor), limit };
    let page = rungs_app::people::list(state.store.as_ref(), &viewer, q).await?;
    Ok(Json(PersonPage { items: page.items, next_cursor: page.next_cursor }))
}
