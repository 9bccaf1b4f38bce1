//! Signed webhooks on behalf of a viewer (docs/WEBHOOKS.md): the people team manages
//! subscriptions and reads and replays the delivery log; every decision about who may
//! is the access table's (`manage webhooks`). The dispatcher that sends is
//! [`dispatch`].

pub mod dispatch;

use chrono::{DateTime, Utc};
use rand::RngCore;
use rungs_core::store::Store;
use rungs_core::webhooks::{Attempt, Delivery, DeliveryQuery, DeliveryStatus, Subscription, SubscriptionInput, new_secret};
use uuid::Uuid;

use crate::access::{Action, Relation, Subject, table};
use crate::{AppError, Viewer};

pub use dispatch::{Clock, Config, Dispatcher, SystemClock, TickReport};

/// Most deliveries one page of the log holds, and the default.
pub const MAX_LOG_PAGE: u32 = 200;
pub const LOG_PAGE: u32 = 50;

fn check(viewer: &Viewer) -> Result<(), AppError> {
    if table::allowed(viewer.role, Relation::Other, Action::ManageWebhooks, Subject::ACTIVE) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only the people team manages webhooks".into()))
    }
}

/// A new subscription and its signing secret, shown this once.
#[derive(Debug, Clone)]
pub struct Created {
    pub subscription: Subscription,
    pub secret: String,
}

/// Add a subscription; it receives the events appended from now on.
pub async fn create(store: &dyn Store, viewer: &Viewer, input: &SubscriptionInput, now: DateTime<Utc>) -> Result<Created, AppError> {
    check(viewer)?;
    let p = input.parse()?;
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let secret = new_secret(random);
    let s = Subscription {
        id: Uuid::now_v7(),
        org_id: viewer.org_id,
        url: p.url,
        description: p.description,
        kinds: p.kinds,
        active: true,
        secret: secret.clone(),
        after_seq: 0,
        created_at: now,
    };
    let subscription = store.create_subscription(&s).await?;
    Ok(Created { subscription, secret })
}

pub async fn list(store: &dyn Store, viewer: &Viewer) -> Result<Vec<Subscription>, AppError> {
    check(viewer)?;
    Ok(store.subscriptions(viewer.org_id).await?)
}

pub async fn set_active(store: &dyn Store, viewer: &Viewer, id: Uuid, active: bool, now: DateTime<Utc>) -> Result<Subscription, AppError> {
    check(viewer)?;
    store.set_subscription_active(viewer.org_id, id, active, now).await?;
    Ok(store.subscription(viewer.org_id, id).await?)
}

pub async fn remove(store: &dyn Store, viewer: &Viewer, id: Uuid) -> Result<(), AppError> {
    check(viewer)?;
    Ok(store.delete_subscription(viewer.org_id, id).await?)
}

/// The delivery log, newest first: `limit` (default 50, at most 200) deliveries of one
/// subscription or all, in one status or all, before ledger position `before_seq`.
pub async fn deliveries(
    store: &dyn Store,
    viewer: &Viewer,
    subscription: Option<Uuid>,
    status: Option<DeliveryStatus>,
    before_seq: Option<i64>,
    limit: Option<u32>,
) -> Result<Vec<Delivery>, AppError> {
    check(viewer)?;
    let limit = limit.unwrap_or(LOG_PAGE);
    if limit == 0 || limit > MAX_LOG_PAGE {
        return Err(AppError::invalid("limit", format!("must be between 1 and {MAX_LOG_PAGE}")));
    }
    Ok(store.deliveries(viewer.org_id, &DeliveryQuery { subscription, status, before_seq, limit }).await?)
}

/// One delivery and every attempt at it.
pub async fn delivery(store: &dyn Store, viewer: &Viewer, id: Uuid) -> Result<(Delivery, Vec<Attempt>), AppError> {
    check(viewer)?;
    let d = store.delivery(viewer.org_id, id).await?;
    let a = store.attempts(viewer.org_id, id).await?;
    Ok((d, a))
}

/// Send a delivery again (whatever its status): pending, due now, in its ledger place.
pub async fn replay(store: &dyn Store, viewer: &Viewer, id: Uuid, now: DateTime<Utc>) -> Result<Delivery, AppError> {
    check(viewer)?;
    Ok(store.replay_delivery(viewer.org_id, id, now).await?)
}
