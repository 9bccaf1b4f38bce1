//! `/api/v1/people`: people are created and changed through ledger events
//! (`hired`, `profile_updated`) and read from the projection.

pub mod create;
pub mod events;
pub mod get;
pub mod list;
pub mod timeline;
pub mod update;

use crate::api::error::ApiError;

/// The use cases name payload fields as `payload.x`; this API takes the payload as the
/// whole body, so report them as `x` (and the payload itself as `body`).
pub(crate) fn payload_as_body(e: ApiError) -> ApiError {
    e.map_fields(|f| match f.strip_prefix("payload") {
        Some("") => "body".to_string(),
        Some(rest) => rest.trim_start_matches('.').to_string(),
        None => f.to_string(),
    })
}
