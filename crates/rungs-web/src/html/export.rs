//! Export my data: my profile (as I may see it) and my whole timeline, as a JSON file.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::HtmlError;
use crate::AppState;
use crate::extract::Session;

pub async fn download(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let me = s.person.id;
    let person = rungs_app::people::get(store, &s.viewer, me).await?;
    let timeline = rungs_app::people::timeline(store, &s.viewer, me).await?;
    let doc = serde_json::json!({
        "format": "rungs-personal-export/1",
        "exported_at": Utc::now(),
        "person": person,
        "timeline": timeline,
    });
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::new(e)))?;
    let name = format!("attachment; filename=\"rungs-export-{}.json\"", Utc::now().format("%Y-%m-%d"));
    Ok(([(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, name), (header::CACHE_CONTROL, "no-store".to_string())], body)
        .into_response())
}
