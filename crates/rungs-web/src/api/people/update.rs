//! `PATCH /api/v1/people/{id}`: change profile fields (records `profile_updated`).

use axum::Json;
use axum::extract::State;
use rungs_core::PersonId;
use rungs_core::event::ProfileUpdated;
use rungs_core::person::Person;
use serde_json::{Map, Value};

use super::payload_as_body;
use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, JsonBody, KeyClaim, PathId};

/// Change profile fields (people team only). Absent fields stay as they are;
/// `"manager_id": null` removes the manager. Honours `Idempotency-Key`.
#[utoipa::path(
    patch,
    path = "/api/v1/people/{id}",
    tag = "people",
    security(("bearer" = ["admin"])),
    params(
        ("id" = PersonId, Path, description = "Person id"),
    ),
    request_body = ProfileUpdated,
    responses((status = 200, description = "The person after the change.", body = Person))
)]
#[tracing::instrument(skip_all)]
pub async fn update_person(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    PathId(id): PathId<PersonId>,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Person>> {
    let person = rungs_app::people::update(state.store.as_ref(), &viewer, id, Value::Object(body.value), claim).await.map_err(|e| payload_as_body(e.into()))?;
    Ok(Json(person))
}
