//! `POST /hooks/v1/evidence/{source}`: where GitHub, GitLab and signed senders deliver.
//! No bearer token: the source's secret (signature or token header) is the
//! credential. Refusals are problem+json and counted in `/metrics`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use rungs_app::evidence::receive::{Inbound, Refused};
use rungs_core::evidence::Outcome;
use rungs_core::evidence::verify::{
    GENERIC_SIGNATURE, GITHUB_DELIVERY, GITHUB_EVENT, GITHUB_SIGNATURE, GITLAB_EVENT, GITLAB_EVENT_UUID, GITLAB_IDEMPOTENCY, GITLAB_TOKEN,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiResult;
use crate::api::error::ApiError;

/// What became of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// `suggested`, `auto_accepted`, `unmapped`, `unknown_author` or `ignored`.
    pub outcome: Outcome,
    /// The delivery had been received before; nothing changed.
    pub duplicate: bool,
    /// The suggested win it made, if any.
    pub suggestion: Option<Uuid>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Receive a delivery from a work system. The source (its id is in the address the
/// people team copied from the Evidence page) says how the body is signed and read:
/// GitHub `pull_request` (`X-Hub-Signature-256`, `X-GitHub-Delivery`), GitLab merge
/// request events (`X-Gitlab-Token`, `Idempotency-Key` or `X-Gitlab-Event-UUID`), or
/// the generic signed form (`Rungs-Evidence-Signature: t=…,v1=…`). A merged change
/// or a completed course whose author is linked to a person and that a rule maps
/// becomes a suggested win in that person's inbox. A repeated delivery id changes
/// nothing (200, `duplicate`).
#[utoipa::path(
    post,
    path = "/hooks/v1/evidence/{source}",
    tag = "evidence",
    params(("source" = Uuid, Path, description = "The source's id")),
    request_body(content = String, content_type = "application/json", description = "The sender's payload, byte for byte as signed."),
    responses(
        (status = 202, description = "Received for the first time.", body = ReceiptView),
        (status = 200, description = "Received before: nothing changed.", body = ReceiptView),
        (status = 400, description = "Signed, but not the sender's published shape; `errors` names the field.", body = crate::api::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown source, or no signature or token.", body = crate::api::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A signature or token that does not match, or a stale timestamp.", body = crate::api::error::Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(source = %source))]
pub async fn receive_evidence(
    State(state): State<AppState>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ReceiptView>)> {
    let refuse = |kind: &str, reason: &str| state.metrics.evidence_refused(kind, reason);
    let Ok(source) = source.parse::<Uuid>() else {
        refuse("unknown", "unknown_sender");
        return Err(ApiError::unauthorized("no evidence source has this id", "Signature"));
    };
    let inbound = Inbound {
        event: header(&headers, GITHUB_EVENT).or_else(|| header(&headers, GITLAB_EVENT)),
        delivery: header(&headers, GITHUB_DELIVERY).or_else(|| header(&headers, GITLAB_IDEMPOTENCY)).or_else(|| header(&headers, GITLAB_EVENT_UUID)),
        signature: header(&headers, GITHUB_SIGNATURE).or_else(|| header(&headers, GITLAB_TOKEN)).or_else(|| header(&headers, GENERIC_SIGNATURE)),
    };
    match rungs_app::evidence::receive(state.store.as_ref(), source, &inbound, &body, Utc::now()).await {
        Ok(r) => {
            state.metrics.evidence_received(r.kind.as_str(), if r.duplicate { "duplicate" } else { r.outcome.as_str() });
            let status = if r.duplicate { StatusCode::OK } else { StatusCode::ACCEPTED };
            Ok((status, Json(ReceiptView { outcome: r.outcome, duplicate: r.duplicate, suggestion: r.suggestion })))
        }
        Err(Refused::UnknownSender) => {
            refuse("unknown", "unknown_sender");
            Err(ApiError::unauthorized("no evidence source has this id", "Signature"))
        }
        Err(Refused::Signature(kind, why)) => {
            refuse(kind.as_str(), why.as_str());
            match why {
                rungs_core::evidence::verify::Refusal::Unsigned => {
                    Err(ApiError::unauthorized("the delivery carries no signature or token for this source", "Signature"))
                }
                rungs_core::evidence::verify::Refusal::Stale => {
                    Err(ApiError::new(StatusCode::FORBIDDEN, "the signature's timestamp is more than 5 minutes from now (a replay, or a clock to fix)"))
                }
                rungs_core::evidence::verify::Refusal::BadSignature => {
                    Err(ApiError::new(StatusCode::FORBIDDEN, "the signature or token does not match this source's secret"))
                }
            }
        }
        Err(Refused::Malformed(kind, why)) => {
            refuse(kind.as_str(), "malformed");
            let (field, reason) = why.split_once(": ").map_or(("body".to_string(), why.clone()), |(f, r)| (f.to_string(), r.to_string()));
            Err(ApiError::field(StatusCode::BAD_REQUEST, field, reason))
        }
        Err(Refused::Store(e)) => Err(e.into()),
    }
}
