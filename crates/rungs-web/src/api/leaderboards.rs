//! `/api/v1/leaderboards`: a board (top N, every number explained) and the
//! organization's switch; the rules are in `rungs_app::leaderboards`
//! (docs/LEADERBOARDS.md).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use rungs_app::leaderboards::{BoardQuery, Leaderboard};
use rungs_core::ValidationError;
use rungs_core::leaderboards::Settings;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::api::error::ApiError;
use crate::extract::{Auth, JsonBody};

/// What a 404 says when the organization has leaderboards off.
pub const OFF: &str = "leaderboards are off in this organization; the people team turns them on (PUT /api/v1/leaderboards/settings)";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// `most-improved` (default), `streaks`, `breadth` or `wins`.
    #[param(value_type = Option<String>, pattern = "^(most-improved|streaks|breadth|wins)$")]
    pub board: Option<String>,
    /// `month` (default), `quarter` or `year`: the current one, in the organization's time zone.
    #[param(value_type = Option<String>, pattern = "^(month|quarter|year)$")]
    pub period: Option<String>,
    /// `all` (default), `department:<name>` or `manager:<person id>` (their direct reports).
    pub team: Option<String>,
    /// Rows, 1 to 100 (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// A leaderboard: the top people of one board, period and team, each with the
/// numbers, a sentence saying what they count, and the newest events counted. Read
/// from the projection the `leaderboards` job keeps (`computed_at`): one index range,
/// whatever the organization's size. People who left are not ranked. A 404 when the
/// organization has leaderboards off, or names a team the caller may not read.
#[utoipa::path(
    get,
    path = "/api/v1/leaderboards",
    tag = "leaderboards",
    security(("bearer" = [])),
    params(BoardParams),
    responses(
        (status = 200, body = Leaderboard),
        (status = 404, body = crate::api::error::Problem, content_type = "application/problem+json", description = "Leaderboards are off, or no such team for you.")
    )
)]
#[tracing::instrument(skip_all)]
pub async fn get_leaderboard(State(state): State<AppState>, Auth(viewer): Auth, Query(p): Query<BoardParams>) -> ApiResult<Json<Leaderboard>> {
    let mut e = ValidationError::new();
    let limit = match p.limit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => s.parse::<u32>().map_err(|_| e.push("limit", "must be a whole number from 1 to 100")).ok(),
    };
    let q = e.collect(BoardQuery::parse(p.board.as_deref(), p.period.as_deref(), p.team.as_deref(), limit));
    e.into_result()?;
    let Some(q) = q else { return Err(ApiError::unexpected(&rungs_core::Cause::msg("a parsed query vanished"))) };
    match rungs_app::leaderboards::read(state.store.as_ref(), &viewer, &q, chrono::Utc::now()).await? {
        Some(board) => Ok(Json(board)),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, OFF)),
    }
}

/// The organization's switch and when the boards were last computed.
#[utoipa::path(get, path = "/api/v1/leaderboards/settings", tag = "leaderboards", security(("bearer" = [])), responses((status = 200, body = Settings)))]
#[tracing::instrument(skip_all)]
pub async fn get_leaderboard_settings(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Settings>> {
    Ok(Json(rungs_app::leaderboards::settings(state.store.as_ref(), &viewer).await?))
}

/// Turn leaderboards on or off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub enabled: bool,
}

/// Turn the organization's leaderboards on or off (people team). Off by default;
/// once on, the `leaderboards` job computes the boards within its interval.
#[utoipa::path(
    put,
    path = "/api/v1/leaderboards/settings",
    tag = "leaderboards",
    security(("bearer" = [])),
    request_body = SettingsInput,
    responses((status = 200, body = Settings))
)]
#[tracing::instrument(skip_all)]
pub async fn update_leaderboard_settings(State(state): State<AppState>, Auth(viewer): Auth, body: JsonBody<SettingsInput>) -> ApiResult<Json<Settings>> {
    Ok(Json(rungs_app::leaderboards::set_enabled(state.store.as_ref(), &viewer, body.value.enabled, chrono::Utc::now()).await?))
}
