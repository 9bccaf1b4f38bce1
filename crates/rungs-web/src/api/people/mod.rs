//! `/api/v1/people`: people are created and changed through ledger events
//! (`hired`, `profile_updated`) and read from the projection.

pub mod create;
pub mod events;
pub mod get;
pub mod list;
pub mod packet;
pub mod readiness;
pub mod recommendations;
pub mod sign_in;
pub mod timeline;
pub mod update;

use crate::api::error::ApiError;

/// The use cases name payload fields as `payload.x`; this API takes the payload as the
/// whole body, so report them as `x`, the payload itself as `body`, and a missing
/// field by its own name.
pub(crate) fn payload_as_body(e: ApiError) -> ApiError {
    e.map_fields(|e| match e.field.strip_prefix("payload") {
        Some("") => crate::extract::json::missing_field(&e.reason).unwrap_or("body").to_string(),
        Some(rest) if rest.starts_with('.') => {
            let rest = &rest[1..];
            match crate::extract::json::missing_field(&e.reason) {
                Some(name) => format!("{rest}.{name}"),
                None => rest.to_string(),
            }
        }
        _ => e.field.clone(),
    })
}
