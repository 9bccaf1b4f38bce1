//! `POST /api/v1/people`: hire someone (records a `hired` event).

use std::collections::BTreeMap;

use axum::extract::State;
use rungs_core::PersonId;
use rungs_core::person::{Person, Position};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::payload_as_body;
use crate::AppState;
use crate::api::{ApiResult, Created, created};
use crate::extract::{Admin, JsonBody, KeyClaim};

/// A new person: the fields of the `hired` event, plus an optional hire date.
/// (Documentation only: the body is handed to `rungs-app` as JSON.)
#[derive(Debug, ToSchema)]
pub struct CreatePerson {
    pub name: String,
    pub email: String,
    pub manager_id: Option<PersonId>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub position: Position,
    /// People team only.
    pub pay_band: Option<String>,
    /// People team only, e.g. attributes for equity audits.
    pub sensitive: Option<BTreeMap<String, String>>,
    /// Hire date (RFC 3339); defaults to now.
    #[schema(format = DateTime)]
    pub occurred_at: Option<String>,
}

/// Add a person (people team only). Honours `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/people",
    tag = "people",
    security(("bearer" = ["admin"])),
    request_body = CreatePerson,
    responses((status = 201, description = "Created; `Location` points at the person.", body = Person))
)]
#[tracing::instrument(skip_all)]
pub async fn create_person(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    KeyClaim(claim): KeyClaim,
    body: JsonBody<Map<String, Value>>,
) -> ApiResult<Created<Person>> {
    let mut hire = body.value;
    let occurred_at = hire.remove("occurred_at");
    let person =
        rungs_app::people::create(state.store.as_ref(), &viewer, Value::Object(hire), occurred_at, claim).await.map_err(|e| payload_as_body(e.into()))?;
    let location = format!("/api/v1/people/{}", person.id);
    Ok(created(location, person))
}
