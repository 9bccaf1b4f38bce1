//! `GET /api/v1/opportunities`: the board, newest first.

use axum::Json;
use axum::extract::{Query, State};
use rungs_app::opportunities::OpportunityView;
use rungs_core::PersonId;
use rungs_core::ValidationError;
use rungs_core::opportunity::{OpportunityQuery, OpportunityStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, query};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListOpportunitiesParams {
    /// `open` or `closed`; both when absent.
    #[param(value_type = Option<OpportunityStatus>)]
    pub status: Option<String>,
    /// Only opportunities posted by this person.
    #[param(value_type = Option<String>, format = Uuid)]
    pub owner: Option<String>,
    /// Only opportunities building this competency (a key).
    pub competency: Option<String>,
    /// `next_cursor` from the previous page (empty: the first page).
    #[param(pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// A page of opportunities.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityPage {
    pub items: Vec<OpportunityView>,
    /// Pass back as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The opportunity board: everyone in the organization sees it. Each opportunity
/// carries the applications the caller may see (all for its owner and the people
/// team, the caller's own otherwise).
#[utoipa::path(
    get,
    path = "/api/v1/opportunities",
    tag = "opportunities",
    security(("bearer" = [])),
    params(ListOpportunitiesParams),
    responses((status = 200, body = OpportunityPage))
)]
#[tracing::instrument(skip_all)]
pub async fn list_opportunities(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Query(params): Query<ListOpportunitiesParams>,
) -> ApiResult<Json<OpportunityPage>> {
    let mut e = ValidationError::new();
    let limit = query::limit(&mut e, params.limit.as_deref());
    let status = match params.status.as_deref() {
        None => None,
        Some(s) => OpportunityStatus::parse(s).or_else(|| {
            e.push("status", "must be open or closed");
            None
        }),
    };
    let owner = match params.owner.as_deref() {
        None => None,
        Some(s) => s.parse::<PersonId>().map_err(|_| e.push("owner", "must be a UUID")).ok(),
    };
    e.into_result()?;
    let competency = params.competency.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    let q = OpportunityQuery { status, owner, competency, cursor: query::cursor(params.cursor), limit };
    let page = rungs_app::opportunities::list(state.store.as_ref(), &viewer, &q).await?;
    Ok(Json(OpportunityPage { items: page.items, next_cursor: page.next_cursor }))
}
