//! Prometheus scrape endpoint; no authentication (bind it privately or filter it at
//! the proxy if that matters for a deployment).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;

/// Request counters and latency histograms by matched route, plus ledger sizes.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4.", body = String, content_type = "text/plain"))
)]
#[tracing::instrument(skip_all)]
pub async fn get_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let stats = match state.store.stats().await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!(error = %e, "store stats unavailable for /metrics");
            None
        }
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render(stats))
}
