//! The public side of verifiable credentials (docs/CREDENTIALS.md): the issuer's DID
//! document and Open Badges profile. No sign-in: verifiers anywhere must read them.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::AppState;
use crate::api::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/.well-known/did.json", get(did_document)).route("/issuer", get(issuer_profile))
}

/// `GET /.well-known/did.json`: the did:web document listing every issuer key.
async fn did_document(State(state): State<AppState>) -> Response {
    json_ld(state.issuer.did_document())
}

/// `GET /issuer`: the Open Badges `Profile` of the issuing organization.
async fn issuer_profile(State(state): State<AppState>) -> Result<Response, ApiError> {
    let org = state.store.default_org().await.map_err(rungs_app::error::AppError::from)?;
    let name = org.map(|o| o.name).unwrap_or_default();
    Ok(json_ld(state.issuer.profile(&name)))
}

fn json_ld(doc: Value) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(doc)).into_response()
}
