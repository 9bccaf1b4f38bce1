//! `/api/v1/credentials`: your verifiable credentials (list, issue on request,
//! automatic issuing), revocation by the people team, and the public verify
//! endpoint. The rules are in `rungs_app::credentials`; docs/CREDENTIALS.md.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rungs_app::credentials::holder;
use rungs_app::credentials::issuing::base_url;
use rungs_app::credentials::public::{self, Verification};
use rungs_core::credentials::{CredentialSource, IssuedCredential};
use rungs_core::{EventId, PersonId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, JsonBody, PathId};

/// An issued credential and where it is published.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    pub id: Uuid,
    pub person: PersonId,
    pub source: CredentialSource,
    /// The ledger event it certifies.
    pub event_id: EventId,
    /// The achievement's name.
    pub name: String,
    /// The signed credential's public URL (JSON-LD; no sign-in): the link to share.
    pub url: String,
    /// The badge image with the credential baked in.
    pub png_url: String,
    pub status_list: i32,
    pub status_index: i64,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    /// The signed `OpenBadgeCredential`.
    #[schema(value_type = Object)]
    pub credential: Value,
}

pub fn view(state: &AppState, c: IssuedCredential) -> CredentialView {
    let base = base_url(&state.issuer);
    CredentialView {
        id: c.id,
        person: c.person,
        source: c.source,
        event_id: c.event_id,
        name: c.name,
        url: format!("{base}/credentials/{}", c.id),
        png_url: format!("{base}/credentials/{}.png", c.id),
        status_list: c.status_list,
        status_index: c.status_index,
        issued_at: c.issued_at,
        revoked_at: c.revoked_at,
        revoke_reason: c.revoke_reason,
        credential: c.document,
    }
}

/// Your credentials and whether new achievements are issued automatically.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialList {
    /// Automatic issuing: achievements recorded from now on are issued by themselves.
    pub auto_issue: bool,
    pub items: Vec<CredentialView>,
}

/// Your credentials, newest first.
#[utoipa::path(get, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = [])), responses((status = 200, body = CredentialList)))]
#[tracing::instrument(skip_all)]
pub async fn list_credentials(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<CredentialList>> {
    let store = state.store.as_ref();
    let items = holder::mine(store, &viewer).await?.into_iter().map(|c| view(&state, c)).collect();
    Ok(Json(CredentialList { auto_issue: holder::opted_in(store, &viewer).await?, items }))
}

/// Which achievement to certify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// One of your `milestone_completed`, `badge_awarded` or `micro_promotion` events.
    pub event_id: EventId,
}

/// Issue the credential for one of your achievements: `201` the first time, `200`
/// with the same credential after (once per achievement).
#[utoipa::path(
    post,
    path = "/api/v1/credentials",
    tag = "credentials",
    security(("bearer" = [])),
    request_body = IssueRequest,
    responses(
        (status = 201, description = "Issued.", body = CredentialView),
        (status = 200, description = "Issued before: the same credential.", body = CredentialView),
        (status = 422, description = "Not one of your achievements, or reversed.")
    )
)]
#[tracing::instrument(skip_all)]
pub async fn issue_credential(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    body: JsonBody<IssueRequest>,
) -> ApiResult<(StatusCode, Json<CredentialView>)> {
    let now = Utc::now();
    let c = holder::request(state.store.as_ref(), &state.issuer, &viewer, body.value.event_id, now).await?;
    let status = if c.issued_at == now { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view(&state, c))))
}

/// Automatic issuing.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialSettings {
    /// Issue a credential for each milestone, badge and micro-promotion recorded from
    /// now on, without asking.
    pub auto_issue: bool,
}

/// Turn automatic issuing on or off.
#[utoipa::path(
    put,
    path = "/api/v1/credentials/settings",
    tag = "credentials",
    security(("bearer" = [])),
    request_body = CredentialSettings,
    responses((status = 200, body = CredentialSettings))
)]
#[tracing::instrument(skip_all)]
pub async fn put_credential_settings(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    body: JsonBody<CredentialSettings>,
) -> ApiResult<Json<CredentialSettings>> {
    holder::set_opt_in(state.store.as_ref(), &viewer, body.value.auto_issue, Utc::now()).await?;
    Ok(Json(CredentialSettings { auto_issue: holder::opted_in(state.store.as_ref(), &viewer).await? }))
}

/// Why a credential is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Kept with the credential (1-500 characters).
    pub reason: String,
}

/// Revoke a credential (the people team), with a reason: its bit in the status list
/// is set, so it verifies as revoked everywhere. Once: a second revocation is `409`.
#[utoipa::path(
    post,
    path = "/api/v1/credentials/{id}/revoke",
    tag = "credentials",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Credential id"),
    ),
    request_body = RevokeRequest,
    responses((status = 200, description = "Revoked.", body = CredentialView), (status = 422, description = "No reason, or a reason too long."))
)]
#[tracing::instrument(skip_all)]
pub async fn revoke_credential(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<Uuid>,
    body: JsonBody<RevokeRequest>,
) -> ApiResult<Json<CredentialView>> {
    // A retry with the request's `Idempotency-Key` gets the first answer from the
    // key's layer (`crate::replay`); without one, a second revocation is a 409.
    let c = holder::revoke(state.store.as_ref(), &viewer, id, &body.value.reason).await?;
    Ok(Json(view(&state, c)))
}

/// Verify a credential (no sign-in): its proof against the issuer's DID document,
/// the fields the Open Badges 3.0 schema requires, its revocation status and its
/// validity dates, each with the reason. The body is the credential itself. Only
/// credentials of this server's issuer can pass: nothing is fetched from elsewhere.
#[utoipa::path(
    post,
    path = "/api/v1/credentials/verify",
    tag = "credentials",
    request_body(content = Object, description = "The credential (an OpenBadgeCredential with its proof)."),
    responses((status = 200, description = "The verdict, check by check (a credential that fails is still a 200).", body = Verification), (status = 422, description = "Not a JSON object."))
)]
#[tracing::instrument(skip_all)]
pub async fn verify_credential(State(state): State<AppState>, body: JsonBody<Value>) -> ApiResult<Json<Verification>> {
    let doc = public::parse_upload(&body.bytes, "body")?;
    Ok(Json(public::verify(state.store.as_ref(), &state.issuer, &doc, Utc::now()).await?))
}
