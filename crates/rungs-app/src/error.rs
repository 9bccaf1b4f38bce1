//! The one error type of the use cases; the web layer maps it to HTTP once.

use rungs_core::ValidationError;
use rungs_core::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input is malformed or contradicts the ledger; names each field.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// No such thing, or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// The caller can see the thing but may not do this to it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No valid credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// A uniqueness rule (email, idempotency key).
    #[error("conflict on {field}: {reason}")]
    Conflict { field: String, reason: String },
    /// The store cannot take this now (disk full, read-only, unreachable): retry later.
    #[error("storage unavailable: {reason}")]
    Unavailable {
        reason: String,
        #[source]
        source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// Anything else: a bug, corruption, a failure nothing can act on. Keeps its cause
    /// with the source chain, which the web layer logs and never shows to a client.
    #[error(transparent)]
    Unexpected(rungs_core::Cause),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { field, reason } => AppError::Conflict { field, reason },
            StoreError::Invalid(v) => AppError::Invalid(v),
            StoreError::Unavailable { reason, source } => AppError::Unavailable { reason, source },
            StoreError::Unexpected(cause) => AppError::Unexpected(cause),
        }
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::Invalid(ValidationError::single(field, reason))
    }

    /// [`AppError::Unexpected`] keeping `e` as the cause.
    pub fn unexpected(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Unexpected(rungs_core::Cause::new(e))
    }

    /// [`AppError::Unexpected`] for a broken expectation with no error to keep.
    pub fn internal(what: impl Into<String>) -> Self {
        AppError::Unexpected(rungs_core::Cause::msg(what))
    }

    /// [`AppError::Unexpected`]: what was being done, and the error it met.
    pub fn context(what: impl Into<String>, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Unexpected(rungs_core::Cause::context(what, e))
    }
}
