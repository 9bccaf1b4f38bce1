//! `GET /api/v1/people/{id}/packet`.

use axum::Json;
use axum::extract::{Query, State};
use chrono::Utc;
use rungs_core::packet::PromotionPacket;
use rungs_core::{PersonId, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::{Auth, PathId, query};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PacketParams {
    /// Target level key in the person's track, above their current level; default the next.
    pub level: Option<String>,
    /// Assemble the packet as the record stood at this instant (RFC 3339) — e.g. the
    /// day a past promotion was decided — with the person's level then and the
    /// framework version in force then; default now.
    #[param(format = DateTime)]
    pub at: Option<String>,
}

/// The promotion packet: every win in force grouped per competency of the target
/// level (with its expectation, criterion and coverage), the wins evidencing nothing
/// that level expects, and summary figures including readiness for that level. Same
/// access as the timeline.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/packet",
    tag = "readiness",
    security(("bearer" = [])),
    params(("id" = PersonId, Path, description = "Person id"), PacketParams),
    responses((status = 200, body = PromotionPacket))
)]
#[tracing::instrument(skip_all)]
pub async fn get_promotion_packet(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    PathId(id): PathId<PersonId>,
    Query(p): Query<PacketParams>,
) -> ApiResult<Json<PromotionPacket>> {
    let mut e = ValidationError::new();
    let at = query::instant(&mut e, "at", p.at.as_deref());
    e.into_result()?;
    let level = p.level.as_deref().filter(|l| !l.is_empty());
    Ok(Json(rungs_app::packet::get(state.store.as_ref(), &viewer, id, level, at.unwrap_or_else(Utc::now)).await?))
}
