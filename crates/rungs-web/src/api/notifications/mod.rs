//! `/api/v1/notifications`: your own notifications (list, mark read) and email
//! preferences; `POST /api/v1/people/{id}/invite` (people team). The rules are in
//! `rungs_app::notifications`; docs/NOTIFICATIONS.md.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use rungs_core::notifications::{EmailChoice, Notification, NotificationKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Admin, Auth, JsonBody, PathId};
use crate::replay::ShownOnce;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only the unread ones.
    #[serde(default)]
    pub unread: bool,
    /// Older than this notification (the `id` of the last one of the previous page).
    pub before: Option<Uuid>,
    /// At most this many (default 30).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A page of your notifications, newest first, and how many are unread in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: u64,
    pub items: Vec<Notification>,
}

/// Your notifications, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = NotificationList), (status = 422, description = "A limit out of bounds."))
)]
#[tracing::instrument(skip_all)]
pub async fn list_notifications(State(state): State<AppState>, Auth(viewer): Auth, Query(q): Query<ListParams>) -> ApiResult<Json<NotificationList>> {
    let store = state.store.as_ref();
    let items = rungs_app::notifications::list(store, &viewer, q.unread, q.before, q.limit).await?;
    let unread = rungs_app::notifications::unread(store, &viewer).await?;
    Ok(Json(NotificationList { unread, items }))
}

/// Mark one of your notifications read (already read: unchanged).
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 204, description = "Read."), (status = 404, description = "No such notification of yours."))
)]
#[tracing::instrument(skip_all)]
pub async fn read_notification(State(state): State<AppState>, Auth(viewer): Auth, PathId(id): PathId<Uuid>) -> ApiResult<StatusCode> {
    rungs_app::notifications::mark_read(state.store.as_ref(), &viewer, id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// Mark all your notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = Marked)))]
#[tracing::instrument(skip_all)]
pub async fn read_all_notifications(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Marked>> {
    let marked = rungs_app::notifications::mark_all_read(state.store.as_ref(), &viewer, Utc::now()).await?;
    Ok(Json(Marked { marked }))
}

/// Which kinds reach you by email, and how: every kind with the choice in force.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Kind (`win_validated`, ...) → `off`, `immediate` or `digest`; in a change, kinds
    /// left out keep their choice.
    pub email: BTreeMap<String, String>,
}

fn view(prefs: Vec<(NotificationKind, EmailChoice)>) -> Preferences {
    Preferences { email: prefs.into_iter().map(|(k, c)| (k.as_str().to_string(), c.as_str().to_string())).collect() }
}

/// Your email preferences.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = Preferences)))]
#[tracing::instrument(skip_all)]
pub async fn get_preferences(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Preferences>> {
    Ok(Json(view(rungs_app::notifications::preferences(state.store.as_ref(), &viewer).await?)))
}

/// Change your email preferences; a wrong kind or choice is a 422 naming it and
/// nothing is saved.
#[utoipa::path(
    put,
    path = "/api/v1/notifications/preferences",
    tag = "notifications",
    security(("bearer" = [])),
    request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 422, description = "An unknown kind or choice."))
)]
#[tracing::instrument(skip_all)]
pub async fn put_preferences(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<Preferences>) -> ApiResult<Json<Preferences>> {
    let choices: Vec<(String, String)> = body.value.email.into_iter().collect();
    Ok(Json(view(rungs_app::notifications::set_preferences(state.store.as_ref(), &viewer, &choices).await?)))
}

/// A sent invite.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteSent {
    pub person: PersonId,
    pub expires_at: DateTime<Utc>,
    /// True when it went by email; otherwise `link` is set, shown this once.
    pub emailed: bool,
    /// The one-time sign-in path (`/invite/<token>`), only when no email went out.
    pub link: Option<String>,
}

/// Send a person a one-time sign-in link (people team): by email when the server has
/// SMTP, otherwise returned here, this once. It works once and expires in 7 days.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/invite",
    tag = "people",
    security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 201, body = InviteSent),
        (status = 404, description = "No such person."),
        (status = 422, description = "The person has left."),
        (status = 503, description = "The email server refused or cannot be reached.")
    )
)]
#[tracing::instrument(skip_all)]
pub async fn invite_person(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    PathId(id): PathId<PersonId>,
) -> ApiResult<(StatusCode, Extension<ShownOnce>, Json<InviteSent>)> {
    let sent = rungs_app::notifications::invites::send(state.store.as_ref(), &viewer, id, state.mailer.as_ref(), Utc::now()).await?;
    let link = (!sent.emailed).then_some(sent.path);
    // The link signs its holder in: never kept for a replay.
    Ok((StatusCode::CREATED, Extension(ShownOnce), Json(InviteSent { person: id, expires_at: sent.invite.expires_at, emailed: sent.emailed, link })))
}
