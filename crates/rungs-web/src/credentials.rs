//! The public side of verifiable credentials (docs/CREDENTIALS.md): the issuer's DID
//! document and Open Badges profile, each credential (JSON and baked PNG), the signed
//! status lists, and the verify page. No sign-in: verifiers anywhere must read them.

use axum::Json;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::credentials::public;
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::api::error::ApiError;
use crate::html::{HtmlError, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/did.json", get(did_document))
        .route("/issuer", get(issuer_profile))
        .route("/credentials/{file}", get(credential_file))
        .route("/credentials/status/{list}", get(status_list))
        .route("/verify", get(verify_form).post(verify_upload))
}

/// `GET /.well-known/did.json`: the did:web document listing every issuer key.
async fn did_document(State(state): State<AppState>) -> Response {
    json_ld(state.issuer.did_document(), 300)
}

/// `GET /issuer`: the Open Badges `Profile` of the issuing organization.
async fn issuer_profile(State(state): State<AppState>) -> Result<Response, ApiError> {
    let org = state.store.default_org().await.map_err(rungs_app::error::AppError::from)?;
    let name = org.map(|o| o.name).unwrap_or_default();
    Ok(json_ld(state.issuer.profile(&name), 300))
}

/// `GET /credentials/{id}` (the signed credential, JSON-LD) or
/// `GET /credentials/{id}.png` (the badge image with the credential baked in).
async fn credential_file(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let (id, png) = match file.strip_suffix(".png") {
        Some(id) => (id, true),
        None => (file.strip_suffix(".json").unwrap_or(&file), false),
    };
    let id: Uuid = id.parse().map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "no such credential"))?;
    let c = public::credential(state.store.as_ref(), id).await?;
    if png {
        let bytes = public::baked_png(&c)?;
        let name = format!("attachment; filename=\"credential-{id}.png\"");
        return Ok(([(header::CONTENT_TYPE, "image/png".to_string()), (header::CONTENT_DISPOSITION, name), (header::CACHE_CONTROL, "no-cache".into())], bytes)
            .into_response());
    }
    // The document never changes; its revocation lives in the status list.
    Ok(json_ld(c.document, 3600))
}

/// `GET /credentials/status/{list}`: the signed `BitstringStatusListCredential`.
/// Short-lived in caches: a revocation shows within a minute everywhere.
async fn status_list(State(state): State<AppState>, Path(list): Path<String>) -> Result<Response, ApiError> {
    let list: i32 = list.parse().ok().filter(|n| *n >= 1).ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such status list"))?;
    Ok(json_ld(public::status_list(state.store.as_ref(), &state.issuer, list).await?, 60))
}

fn json_ld(doc: Value, max_age: u32) -> Response {
    (
        [(header::CONTENT_TYPE, "application/ld+json".to_string()), (header::CACHE_CONTROL, format!("public, max-age={max_age}"))],
        Json(doc).into_response().into_body(),
    )
        .into_response()
}

/// `GET /verify`: paste or upload a credential.
async fn verify_form() -> Result<Response, HtmlError> {
    render("verify.html", minijinja::context! { layout => (), result => (), pasted => "", error => () })
}

/// Most bytes the verify form reads (a credential is a few KiB; a baked PNG with it).
const MAX_UPLOAD: usize = 2 * 1024 * 1024;

/// `POST /verify` (multipart: `credential` pasted text or `file` JSON/PNG): the
/// verdict, check by check.
async fn verify_upload(State(state): State<AppState>, mut form: Multipart) -> Result<Response, HtmlError> {
    let bad = |e: axum::extract::multipart::MultipartError| HtmlError::BadRequest(format!("the form could not be read: {e}"));
    let mut pasted = String::new();
    let mut file: Vec<u8> = Vec::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("credential") => pasted = field.text().await.map_err(bad)?,
            Some("file") => file = field.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
        if pasted.len() + file.len() > MAX_UPLOAD {
            return Err(HtmlError::BadRequest(format!("at most {} MiB", MAX_UPLOAD / 1024 / 1024)));
        }
    }
    let (bytes, field) = if file.is_empty() { (pasted.trim().as_bytes().to_vec(), "credential") } else { (file, "file") };
    let outcome = if bytes.is_empty() {
        Err(AppError::invalid(field, "paste a credential or choose a file"))
    } else {
        match public::parse_upload(&bytes, field) {
            Ok(doc) => public::verify(state.store.as_ref(), &state.issuer, &doc, Utc::now()).await,
            Err(e) => Err(e),
        }
    };
    let shown = if pasted.len() > 64 * 1024 { String::new() } else { pasted };
    match outcome {
        Ok(v) => render("verify.html", minijinja::context! { layout => (), result => v, pasted => shown, error => () }),
        Err(AppError::Invalid(v)) => {
            let msg = v.errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
            let body = crate::html::render_string("verify.html", minijinja::context! { layout => (), result => (), pasted => shown, error => msg })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
