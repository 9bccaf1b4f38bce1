//! `Idempotency-Key` on every state-changing API request: one layer in front of every
//! POST, PUT, PATCH and DELETE of `/api/v1` that takes a bearer token (the operations
//! whose OpenAPI entry has `security`), and the one place a request's fingerprint is
//! computed (docs/API.md, "Idempotency").
//!
//! A request without the header costs nothing here: no read, no buffering. With it:
//!
//! 1. The caller is authenticated (and, on a people-team route, must be one) before
//!    the key is looked at, so authorization still comes before validation; an
//!    unauthenticated or unauthorized request passes through to be refused as usual.
//! 2. The key is parsed (1–255 visible ASCII characters, else 422 naming the header),
//!    the body buffered, and the fingerprint computed: method, path with query, and
//!    the SHA-256 of the body, under the row's (organization, principal, key).
//! 3. [`ReplayStore::begin_request`] decides: the first request runs; a repeat of a
//!    completed one is answered from the stored response byte for byte with
//!    `Idempotent-Replayed: true`; the same key with another fingerprint is 422; a
//!    repeat while the first still runs is 409 with `Retry-After`.
//! 4. The handler's answer is kept (status, content type, `Location`, body) unless it
//!    is a 5xx or a 429 (the row is deleted: a retry runs again), or carries a secret
//!    shown once ([`ShownOnce`]: only the status is kept; a repeat is 409).
//!
//! The claim the handlers give the ledger ([`IdempotencyClaim`], written inside the
//! append's transaction) comes from here too, with the same fingerprint: if the process
//! dies after the append but before the answer is kept, the retry takes the key over
//! when the lease runs out, and the ledger replays the events instead of appending them
//! again. The layer never appends or stores events itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rungs_app::{AppError, Viewer};
use rungs_core::idempotency::{Attempt, Begun, IdempotencyKey, KeyOwner, Recorded, StoredResponse};
use rungs_core::store::{IdempotencyClaim, Store};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::api::error::ApiError;
use crate::extract::auth::{Auth, Authenticated};
use crate::timeout::{RouteClass, class_of};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// Set on an answer replayed from the first request's.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Mark a response whose body holds a secret shown once (a new token, a signing
/// secret, an invite link): it is never stored, so a repeat of the request is 409.
#[derive(Debug, Clone, Copy)]
pub struct ShownOnce;

/// How long after its time limit a request's key stays in flight if its process died
/// (a live process cancels the request at the limit and releases the key at once).
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// The keyed operations: (method, route template) → people team only?
#[derive(Debug, Clone, Default)]
pub struct KeyedRoutes(HashMap<(Method, String), bool>);

impl KeyedRoutes {
    /// Every POST, PUT, PATCH and DELETE of `doc` that takes a bearer token.
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let ops = [(Method::POST, &item.post), (Method::PUT, &item.put), (Method::PATCH, &item.patch), (Method::DELETE, &item.delete)];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let Some(security) = op.security.as_ref().filter(|s| !s.is_empty()) else { continue };
                // `SecurityRequirement` keeps its scopes private; its JSON says them.
                let admin = serde_json::to_value(security)
                    .ok()
                    .and_then(|v| v.as_array().cloned())
                    .is_some_and(|reqs| reqs.iter().any(|r| r["bearer"].as_array().is_some_and(|s| s.iter().any(|x| x == "admin"))));
                routes.insert((method, path.clone()), admin);
            }
        }
        KeyedRoutes(routes)
    }

    fn get(&self, method: &Method, template: &str) -> Option<bool> {
        self.0.get(&(method.clone(), template.to_string())).copied()
    }

    /// Whether `method` on `template` honours the header (tests and documentation).
    pub fn contains(&self, method: &Method, template: &str) -> bool {
        self.get(method, template).is_some()
    }
}

/// The layer's state: the application's and the table of keyed routes.
#[derive(Clone)]
pub struct Replay {
    pub state: AppState,
    pub routes: Arc<KeyedRoutes>,
}

/// The fingerprint of a request: method, path with query, SHA-256 of the body. (The
/// organization and the principal are the row's key beside the client's key.) For a
/// request without a query this is the digest the ledger's claims always used.
pub fn fingerprint(method: &Method, uri: &Uri, body: &[u8]) -> String {
    let target = uri.path_and_query().map_or_else(|| uri.path(), |pq| pq.as_str());
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b" ");
    h.update(target.as_bytes());
    h.update(b"\n");
    h.update(hex::encode(Sha256::digest(body)).as_bytes());
    hex::encode(h.finalize())
}

/// Who a key belongs to beside the organization: the person, or `system`.
fn principal(viewer: &Viewer) -> String {
    viewer.person_id.map_or_else(|| "system".to_string(), |p| p.to_string())
}

/// The middleware (a route layer on the API router: the matched route is known).
pub async fn guard(State(replay): State<Replay>, req: Request, next: Next) -> Response {
    let Some(raw) = req.headers().get(HEADER).cloned() else { return next.run(req).await };
    let template = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let Some(admin_only) = template.and_then(|t| replay.routes.get(req.method(), &t)) else { return next.run(req).await };
    let state = &replay.state;
    let (mut parts, body) = req.into_parts();
    // Unauthenticated, or not the people team on its route: refused by the handler as
    // usual, whatever the key says.
    let viewer = match Auth::from_request_parts(&mut parts, state).await {
        Ok(Auth(v)) if !admin_only || v.is_admin() => v,
        _ => return next.run(Request::from_parts(parts, body)).await,
    };
    parts.extensions.insert(Authenticated(viewer.clone()));
    let key = match IdempotencyKey::parse(raw.as_bytes()) {
        Ok(k) => k,
        Err(e) => return ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, HEADER, e.to_string()).into_response(),
    };
    // The largest body any API route takes; the route's own limit still applies when
    // the handler reads it.
    let limit = state.config.max_body_bytes.max(state.config.max_bulk_body_bytes);
    // Over the limit, or a body that stopped arriving (its client is gone anyway).
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return ApiError::field(StatusCode::PAYLOAD_TOO_LARGE, "body", "the request body is larger than this endpoint accepts").into_response();
    };
    let fingerprint = fingerprint(&parts.method, &parts.uri, &bytes);
    let owner = KeyOwner { org_id: viewer.org_id, principal: principal(&viewer), key };
    parts.extensions.insert(IdempotencyClaim { scope: owner.principal.clone(), key: owner.key.to_string(), fingerprint: fingerprint.clone() });
    let limit = match class_of(parts.uri.path()) {
        RouteClass::Import => state.config.import_timeout,
        RouteClass::Api | RouteClass::Page => state.config.api_timeout,
    };
    let lease = chrono::Duration::from_std(limit + LEASE_MARGIN).unwrap_or(chrono::Duration::minutes(10));
    let attempt = Attempt { owner, fingerprint, id: uuid::Uuid::now_v7(), now: Utc::now(), lease };
    // Held from before the claim: a request cancelled while claiming (its time limit,
    // its client gone) releases whatever the claim wrote.
    let mut held = Held { store: state.store.clone(), owner: attempt.owner.clone(), attempt: attempt.id, settled: false };
    let begun = state.store.begin_request(&attempt).await;
    // Answered from the row: nothing of ours to release. (After an error the release
    // is tried anyway; it deletes nothing that is not this attempt's.)
    held.settled = matches!(begun, Ok(Begun::Replay(_) | Begun::Mismatch | Begun::InFlight));
    match begun {
        Ok(Begun::Started) => {}
        Ok(Begun::Replay(recorded)) => return replayed(recorded),
        Ok(Begun::Mismatch) => {
            return ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, HEADER, "was already used for a different request (method, path or body)")
                .into_response();
        }
        Ok(Begun::InFlight) => {
            let mut res = ApiError::field(StatusCode::CONFLICT, HEADER, "a request with this key is still being processed; retry shortly").into_response();
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(1));
            return res;
        }
        Err(e) => return ApiError::from(AppError::from(e)).into_response(),
    }
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = res.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        held.abandon().await;
        return res;
    }
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            held.abandon().await;
            return ApiError::unexpected(&e).into_response();
        }
    };
    let recorded = if parts.extensions.get::<ShownOnce>().is_some() {
        Recorded::Withheld { status: status.as_u16() }
    } else {
        let text = |h: header::HeaderName| parts.headers.get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
        Recorded::Response(StoredResponse {
            status: status.as_u16(),
            content_type: text(header::CONTENT_TYPE),
            location: text(header::LOCATION),
            body: body.to_vec(),
        })
    };
    held.finish(&recorded).await;
    Response::from_parts(parts, Body::from(body))
}

/// The answer to a repeat of a completed request.
fn replayed(recorded: Recorded) -> Response {
    match recorded {
        Recorded::Response(r) => {
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
            let mut res = (status, Bytes::from(r.body)).into_response();
            let h = res.headers_mut();
            h.remove(header::CONTENT_TYPE);
            for (name, value) in [(header::CONTENT_TYPE, r.content_type), (header::LOCATION, r.location)] {
                if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                    h.insert(name, v);
                }
            }
            h.insert(REPLAYED, HeaderValue::from_static("true"));
            res
        }
        Recorded::Withheld { status } => ApiError::field(
            StatusCode::CONFLICT,
            HEADER,
            format!(
                "the first request with this key succeeded ({status}), but its answer held a secret shown only once, which is not kept; \
                 find what it created with a GET, and make a new one if the secret was lost"
            ),
        )
        .into_response(),
    }
}

/// A started attempt: finished with its answer, or abandoned — also when the request
/// is cancelled (a time limit, a client gone), so a retry need not wait for the lease.
struct Held {
    store: Arc<dyn Store>,
    owner: KeyOwner,
    attempt: uuid::Uuid,
    settled: bool,
}

impl Held {
    async fn finish(&mut self, recorded: &Recorded) {
        self.settled = true;
        if let Err(e) = self.store.finish_request(&self.owner, self.attempt, recorded).await {
            // The answer still goes out; a retry runs again once the lease runs out
            // (and the ledger's own claim replays an append).
            tracing::warn!(error = &e as &dyn std::error::Error, "could not keep the answer to a keyed request");
            let _ = self.store.abandon_request(&self.owner, self.attempt).await;
        }
    }

    async fn abandon(&mut self) {
        self.settled = true;
        if let Err(e) = self.store.abandon_request(&self.owner, self.attempt).await {
            tracing::warn!(error = &e as &dyn std::error::Error, "could not release a keyed request; it is released when its lease runs out");
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (store, owner, attempt) = (self.store.clone(), self.owner.clone(), self.attempt);
            rt.spawn(async move {
                if let Err(e) = store.abandon_request(&owner, attempt).await {
                    tracing::warn!(error = &e as &dyn std::error::Error, "could not release a cancelled keyed request");
                }
            });
        }
    }
}

/// Document the header and its answers on every keyed operation of `doc`.
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let keyed = KeyedRoutes::from_doc(doc);
    for (path, item) in &mut doc.paths.paths {
        let ops = [(Method::POST, &mut item.post), (Method::PUT, &mut item.put), (Method::PATCH, &mut item.patch), (Method::DELETE, &mut item.delete)];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            if !keyed.contains(&method, path) {
                continue;
            }
            let param = ParameterBuilder::new()
                .name(HEADER)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "1-255 visible ASCII characters. A repeat with the same key, method, path and body within 24 hours replays the first \
                     answer byte for byte (with `Idempotent-Replayed: true`) and changes nothing; the same key on a different request is \
                     422; a repeat while the first still runs is 409. Answers that hold a secret shown once are not kept: their repeat is 409.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[!-~]{1,255}$")).min_length(Some(1)).max_length(Some(255))))
                .build();
            let params = op.parameters.get_or_insert_with(Vec::new);
            params.retain(|p| p.name != HEADER);
            params.push(param);
        }
    }
}
