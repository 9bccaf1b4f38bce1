//! `GET /api/v1/readiness`: everyone the caller may see, with their readiness score
//! and top gap, highest score first, a page at a time.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use rungs_app::org_readiness::PersonReadiness;
use rungs_core::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, query};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListReadinessParams {
    /// `next_cursor` from the previous page (empty: the first page).
    #[param(pattern = "^(o[0-9]{1,18})?$")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// A page of people with their readiness, closest to their next level first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessPage {
    /// The framework version the scores were computed under (the current one).
    pub framework_version: Option<u32>,
    pub computed_at: DateTime<Utc>,
    /// How many people the whole list has.
    pub total: usize,
    pub items: Vec<PersonReadiness>,
    /// Pass back as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Readiness toward the next level of every active person the caller may see —
/// everyone for the people team, their direct and indirect reports for a manager,
/// themself for an employee — each with the gap whose closing raises it most. Sorted
/// by score (highest first), then name; people at the top of their track come last. The scores are those of
/// `GET /api/v1/people/{id}/readiness`; a large organization is read in one pass of
/// the ledger, so a page costs about as much as the whole list (docs/READINESS.md).
#[utoipa::path(
    get,
    path = "/api/v1/readiness",
    tag = "readiness",
    security(("bearer" = [])),
    params(ListReadinessParams),
    responses((status = 200, body = ReadinessPage))
)]
#[tracing::instrument(skip_all)]
pub async fn list_readiness(State(state): State<AppState>, Auth(viewer): Auth, Query(params): Query<ListReadinessParams>) -> ApiResult<Json<ReadinessPage>> {
    let mut e = ValidationError::new();
    let limit = query::limit(&mut e, params.limit.as_deref()) as usize;
    let offset = match query::cursor(params.cursor) {
        None => 0,
        Some(c) => c.strip_prefix('o').and_then(|n| n.parse::<usize>().ok()).unwrap_or_else(|| {
            e.push("cursor", "not a cursor this endpoint gave out; pass `next_cursor` back unchanged");
            0
        }),
    };
    e.into_result()?;
    let report = rungs_app::org_readiness::list(state.store.as_ref(), &viewer, Utc::now()).await?;
    let total = report.people.len();
    let items: Vec<_> = report.people.into_iter().skip(offset).take(limit).collect();
    let next_cursor = (offset + items.len() < total).then(|| format!("o{}", offset + items.len()));
    Ok(Json(ReadinessPage { framework_version: report.framework_version, computed_at: report.computed_at, total, items, next_cursor }))
}
