//! The OpenAPI 3.1 document describing every route, itself included.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;

/// Built once: the document is a pure function of the code.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| crate::openapi().to_json().unwrap_or_else(|_| "{}".to_string()));

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "system",
    responses((status = 200, description = "The OpenAPI 3.1 document.", body = Object, content_type = "application/json"))
)]
#[tracing::instrument(skip_all)]
pub async fn get_openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}
