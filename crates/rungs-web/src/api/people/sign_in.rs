//! `/api/v1/people/{id}/sign-in` and `/api/v1/people/{id}/sso-links` (people team):
//! how a person signs in, and linking their single sign-on account to them (a person
//! on the ledger without any sign-in gets one later). An invite is
//! `POST /api/v1/people/{id}/invite`. The rules are in `rungs_app::sign_ins`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, JsonBody, PathId};

/// An account at a single sign-on provider that signs the person in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoAccount {
    /// The provider's issuer URL.
    pub issuer: String,
    /// The account's `sub` at the provider.
    pub subject: String,
    pub linked_at: DateTime<Utc>,
}

/// How a person signs in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignIn {
    pub person: PersonId,
    /// Nothing signs them in yet (they are on the ledger all the same).
    pub none: bool,
    /// The role of their password sign-in (`employee`, `manager`, `admin`), when they
    /// have a password.
    pub password_role: Option<String>,
    pub sso: Vec<SsoAccount>,
    /// Invites sent and still usable.
    pub open_invites: u32,
}

fn account(l: rungs_core::session_store::SsoLink) -> SsoAccount {
    SsoAccount { issuer: l.issuer, subject: l.subject, linked_at: l.created_at }
}

/// How a person signs in: a password (and its role), single sign-on accounts, open
/// invites (people team).
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/sign-in",
    tag = "people",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, body = SignIn), (status = 404, description = "No such person."))
)]
#[tracing::instrument(skip_all)]
pub async fn get_person_sign_in(State(state): State<AppState>, Admin(viewer): Admin, PathId(id): PathId<PersonId>) -> ApiResult<Json<SignIn>> {
    let s = rungs_app::sign_ins::of_person(state.store.as_ref(), &viewer, id, Utc::now()).await?;
    let none = s.none();
    Ok(Json(SignIn {
        person: id,
        none,
        password_role: s.password.map(|r| r.as_str().to_string()),
        sso: s.sso.into_iter().map(account).collect(),
        open_invites: u32::try_from(s.open_invites.len()).unwrap_or(u32::MAX),
    }))
}

/// The account to link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSso {
    /// The person's account id at the configured provider: the `sub` claim of their
    /// ID token (at most 255 characters).
    pub subject: String,
}

fn configured_issuer(state: &AppState) -> Result<String, rungs_app::AppError> {
    state.sso.as_ref().map(|p| p.config.issuer.clone()).ok_or_else(|| rungs_app::AppError::invalid("issuer", "single sign-on is not set up on this server"))
}

/// Link the person's account at the server's single sign-on provider (people team):
/// signing in there then signs them in here, whatever email the provider has.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/sso-links",
    tag = "people",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = LinkSso,
    responses(
        (status = 201, body = SsoAccount),
        (status = 404, description = "No such person."),
        (status = 409, description = "The account is already linked (to this person or another)."),
        (status = 422, description = "No subject, the person has left, or single sign-on is not set up.")
    )
)]
#[tracing::instrument(skip_all)]
pub async fn link_person_sso(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    PathId(id): PathId<PersonId>,
    body: JsonBody<LinkSso>,
) -> ApiResult<(StatusCode, Json<SsoAccount>)> {
    let issuer = configured_issuer(&state)?;
    let link = rungs_app::sign_ins::link_sso(state.store.as_ref(), &viewer, id, &issuer, &body.value.subject, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(account(link))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnlinkParams {
    /// The account's `sub`.
    pub subject: String,
    /// The provider's issuer URL; by default the server's configured provider.
    pub issuer: Option<String>,
}

/// Unlink one of the person's single sign-on accounts (people team); their open
/// sessions end.
#[utoipa::path(
    delete,
    path = "/api/v1/people/{id}/sso-links",
    tag = "people",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Person id"), UnlinkParams),
    responses(
        (status = 204, description = "Unlinked."),
        (status = 404, description = "No such person, or no such account linked to them."),
        (status = 422, description = "No issuer given, and single sign-on is not set up.")
    )
)]
#[tracing::instrument(skip_all)]
pub async fn unlink_person_sso(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    PathId(id): PathId<PersonId>,
    Query(q): Query<UnlinkParams>,
) -> ApiResult<StatusCode> {
    let issuer = match q.issuer {
        Some(i) => i,
        None => configured_issuer(&state)?,
    };
    rungs_app::sign_ins::unlink_sso(state.store.as_ref(), &viewer, id, &issuer, &q.subject).await?;
    Ok(StatusCode::NO_CONTENT)
}
