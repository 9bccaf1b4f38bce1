//! `GET /api/v1/people/{id}`.

use axum::Json;
use axum::extract::State;
use rungs_core::PersonId;
use rungs_core::person::Person;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId};

/// One person, with pay and sensitive fields only where the caller may see them.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    tag = "people",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id")),
    responses((status = 200, body = Person))
)]
#[tracing::instrument(skip_all)]
pub async fn get_person(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<PersonId>) -> ApiResult<Json<Person>> {
    Ok(Json(rungs_app::people::get(state.store.as_ref(), &viewer, id).await?))
}
