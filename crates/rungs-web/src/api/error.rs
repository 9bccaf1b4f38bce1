//! The one conversion point from errors to HTTP: every failure of every route becomes
//! an RFC 9457 `application/problem+json` body naming the fields and the reasons.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rungs_app::AppError;
use rungs_core::{FieldError, ValidationError};
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URN identifying the kind of problem, e.g. `urn:rungs:problem:invalid-input`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// One entry per offending field; empty when no field is to blame.
    pub errors: Vec<FieldError>,
}

/// An error on its way to becoming a response. Handlers return `Result<_, ApiError>`
/// and use `?`; nothing else decides a status code for a failure.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
    /// `WWW-Authenticate` challenge for 401s.
    challenge: Option<&'static str>,
    /// For 503s: why the store cannot take the request (readiness notes it).
    unavailable: Option<String>,
}

/// Seconds a client is asked to wait (`Retry-After`) when the store is unavailable:
/// the readiness probe's default interval, after which the store is tried again.
pub const RETRY_AFTER_SECS: u64 = 5;

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into(), errors: vec![], challenge: None, unavailable: None }
    }

    /// A problem with one named field.
    pub fn field(status: StatusCode, field: impl Into<String>, reason: impl Into<String>) -> Self {
        let (field, reason) = (field.into(), reason.into());
        ApiError { errors: vec![FieldError { field: field.clone(), reason: reason.clone() }], ..ApiError::new(status, format!("{field}: {reason}")) }
    }

    /// 422 for input that parsed but says something unacceptable.
    pub fn invalid(v: ValidationError) -> Self {
        let detail = v.errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
        ApiError { errors: v.errors, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail) }
    }

    pub fn unauthorized(detail: &str, challenge: &'static str) -> Self {
        ApiError { challenge: Some(challenge), ..ApiError::new(StatusCode::UNAUTHORIZED, detail) }
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "no such resource, or you may not see it")
    }

    /// A 500 whose cause is logged with its source chain and never shown to the client.
    pub fn unexpected(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %rungs_core::error::report(cause), "unexpected error while handling a request");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "something went wrong on our side; it has been logged")
    }

    /// A 503 with `Retry-After`: the store cannot take this now (disk full, read-only,
    /// unreachable). The reason is shown (it names a condition, never a path or a
    /// secret); the driver's error is logged.
    pub fn unavailable(reason: String, source: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> Self {
        match source {
            Some(s) => tracing::warn!(reason, source = %rungs_core::error::report(s), "storage unavailable"),
            None => tracing::warn!(reason, "storage unavailable"),
        }
        let detail = format!("the server cannot store this right now: {reason}; retry later (a retry with the same Idempotency-Key is safe)");
        ApiError { unavailable: Some(reason), ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, detail) }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Rename fields, e.g. a use case's `payload.name` to the `name` the client sent.
    pub fn map_fields(mut self, f: impl Fn(&FieldError) -> String) -> Self {
        if self.errors.is_empty() {
            return self;
        }
        for e in &mut self.errors {
            e.field = f(e);
        }
        self.detail = self.errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
        self
    }

    pub fn problem(&self) -> Problem {
        problem(self.status, self.detail.clone(), self.errors.clone())
    }
}

/// A problem document for `status`, with the slug and title that status always gets.
pub fn problem(status: StatusCode, detail: String, errors: Vec<FieldError>) -> Problem {
    let slug = match status.as_u16() {
        400 => "malformed-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        409 => "conflict",
        413 => "payload-too-large",
        414 => "uri-too-long",
        415 => "unsupported-media-type",
        422 => "invalid-input",
        431 => "headers-too-large",
        500 => "internal-error",
        503 => "unavailable",
        _ => "http-error",
    };
    Problem {
        kind: format!("urn:rungs:problem:{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        errors,
    }
}

/// Serialise a problem with the right content type.
pub fn problem_response(p: &Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(p).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], body).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = problem_response(&self.problem());
        if let Some(c) = self.challenge {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        if let Some(reason) = self.unavailable {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            res.extensions_mut().insert(crate::readiness::StoreUnavailable(reason));
        }
        res
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(v) => ApiError::invalid(v),
            AppError::NotFound => ApiError::not_found(),
            AppError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, why),
            AppError::Unauthorized => ApiError::unauthorized("a valid bearer token is required", "Bearer"),
            AppError::Conflict { field, reason } => ApiError::field(StatusCode::CONFLICT, field, reason),
            AppError::Unavailable { reason, source } => ApiError::unavailable(reason, source.as_deref()),
            AppError::Unexpected(cause) => ApiError::unexpected(&cause),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(v: ValidationError) -> Self {
        ApiError::invalid(v)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::field(StatusCode::PAYLOAD_TOO_LARGE, "body", "the request body is larger than this endpoint accepts")
        } else {
            ApiError::field(StatusCode::BAD_REQUEST, "body", r.body_text())
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonSyntaxError(e) => ApiError::field(StatusCode::BAD_REQUEST, "body", e.body_text()),
            JsonRejection::JsonDataError(e) => ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "body", e.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::field(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type", "must be application/json"),
            JsonRejection::BytesRejection(b) => b.into(),
            other => ApiError::field(other.status(), "body", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::field(StatusCode::BAD_REQUEST, "query", r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        match r {
            PathRejection::FailedToDeserializePathParams(e) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. } | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                    _ => "path".to_string(),
                };
                ApiError::field(StatusCode::BAD_REQUEST, field, e.body_text())
            }
            other => ApiError::unexpected(&other),
        }
    }
}
