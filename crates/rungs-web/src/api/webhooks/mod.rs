//! `/api/v1/webhooks`: subscriptions (people team), the delivery log and replay. The
//! rules are in `rungs_app::webhooks`; docs/WEBHOOKS.md.

pub mod create;
pub mod deliveries;
pub mod list;
pub mod remove;
pub mod replay;

use rungs_core::webhooks::Subscription;
use serde::Serialize;
use utoipa::ToSchema;

/// A new subscription with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedView {
    pub subscription: Subscription,
    /// Signs every delivery (`Rungs-Signature`); it is not shown again.
    pub secret: String,
}
