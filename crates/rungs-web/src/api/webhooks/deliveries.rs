//! `GET /api/v1/webhooks/deliveries`.

use axum::Json;
use axum::extract::{Query, State};
use rungs_core::webhooks::{Delivery, DeliveryStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Admin;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// One subscription only.
    pub subscription: Option<Uuid>,
    pub status: Option<DeliveryStatus>,
    /// Deliveries of events before this ledger position (the next page).
    pub before_seq: Option<i64>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The delivery log, newest first (people team): status, attempts, last HTTP status
/// and error of each delivery.
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", tag = "webhooks", security(("bearer" = ["admin"])), params(LogQuery), responses((status = 200, body = Vec<Delivery>)))]
#[tracing::instrument(skip_all)]
pub async fn list_deliveries(State(state): State<AppState>, Admin(viewer): Admin, Query(q): Query<LogQuery>) -> ApiResult<Json<Vec<Delivery>>> {
    Ok(Json(rungs_app::webhooks::deliveries(state.store.as_ref(), &viewer, q.subscription, q.status, q.before_seq, q.limit).await?))
}
