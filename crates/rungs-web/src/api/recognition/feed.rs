//! `GET /api/v1/recognition`: the feed, newest first.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::recognition::FeedPage;
use rungs_core::{PersonId, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// `next_cursor` from the previous page (a positive number).
    #[param(pattern = "^([1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Only recognition given or received by this person.
    #[param(value_type = Option<String>, format = Uuid)]
    pub person: Option<String>,
}

/// The recognition feed: public recognition, and private recognition where the
/// caller is its giver, its receiver, the receiver's manager or the people team.
/// Reversed recognition is gone. Each page reads at most `limit` rows, so a page
/// may hold fewer items and still have a `next_cursor`.
#[utoipa::path(get, path = "/api/v1/recognition", tag = "recognition", security(("bearer" = [])), params(FeedParams), responses((status = 200, body = FeedPage)))]
#[tracing::instrument(skip_all)]
pub async fn list_recognition(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<FeedParams>) -> ApiResult<Json<FeedPage>> {
    let mut e = ValidationError::new();
    let limit = match params.limit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => s.parse::<u32>().map_err(|_| e.push("limit", "must be a whole number from 1 to 100")).ok(),
    };
    let person = match params.person.as_deref() {
        None => None,
        Some(s) => s.parse::<PersonId>().map_err(|_| e.push("person", "must be a UUID")).ok(),
    };
    e.into_result()?;
    let cursor = params.cursor.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(Json(rungs_app::recognition::feed(state.store.as_ref(), &viewer, cursor, limit, person).await?))
}
