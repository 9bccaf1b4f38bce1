//! `GET /api/v1/badges/{key}/image.svg`.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use rungs_core::badges::Tier;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiResult;
use crate::extract::Auth;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImageQuery {
    /// bronze (default), silver or gold.
    pub tier: Option<Tier>,
}

/// The badge's generated image for a tier: a medal in the tier's metal with the
/// badge's initials (SVG).
#[utoipa::path(
    get,
    path = "/api/v1/badges/{key}/image.svg",
    tag = "badges",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "Badge key"), ImageQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String))
)]
#[tracing::instrument(skip_all)]
pub async fn get_badge_image(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(key): Path<String>,
    Query(q): Query<ImageQuery>,
) -> ApiResult<impl IntoResponse> {
    let b = rungs_app::badges::get(state.store.as_ref(), &viewer, &key).await?;
    let svg = rungs_core::badges::badge_svg(&b.def.key, &b.def.name, q.tier.unwrap_or(Tier::Bronze));
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg))
}
