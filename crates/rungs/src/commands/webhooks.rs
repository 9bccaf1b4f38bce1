//! `rungs webhooks`: subscriptions and the delivery log, as the people team
//! (docs/WEBHOOKS.md); and the dispatcher `rungs serve` starts.

use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use rungs_app::Viewer;
use rungs_app::webhooks::{self, Config, Dispatcher, SystemClock};
use rungs_core::store::Store;
use rungs_core::webhooks::{DeliveryStatus, SubscriptionInput};
use uuid::Uuid;

use super::{open_store, the_org};
use crate::cli::WebhooksAction;

/// Start the webhook dispatcher (every instance runs one; leases share the work).
pub fn start(store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
    let mut dispatcher = Dispatcher::new(store, Arc::new(SystemClock), Config::from_env());
    // Receivers behind an internal CA (or self-signed): trust its PEM certificates too.
    if let Some(path) = rungs_core::settings::var("RUNGS_WEBHOOK_CA_FILE") {
        match std::fs::read(&path).map_err(|e| e.to_string()).and_then(|pem| dispatcher.trust(&pem)) {
            Ok(()) => tracing::info!(%path, "webhook deliveries also trust the certificates in RUNGS_WEBHOOK_CA_FILE"),
            Err(e) => tracing::error!(%path, error = %e, "RUNGS_WEBHOOK_CA_FILE is not usable: https receivers are checked against the public roots only"),
        }
    }
    dispatcher.spawn()
}

fn id(raw: &str) -> anyhow::Result<Uuid> {
    raw.trim().parse().with_context(|| format!("'{raw}' is not an id (a UUID)"))
}

fn explain(e: rungs_app::AppError) -> anyhow::Error {
    if let rungs_app::AppError::Invalid(v) = &e {
        for f in &v.errors {
            eprintln!("{}: {}", f.field, f.reason);
        }
        return anyhow::anyhow!("nothing was changed ({} errors)", v.errors.len());
    }
    e.into()
}

pub async fn run(action: WebhooksAction) -> anyhow::Result<()> {
    let db = match &action {
        WebhooksAction::Add { db, .. }
        | WebhooksAction::List { db, .. }
        | WebhooksAction::Remove { db, .. }
        | WebhooksAction::SetActive { db, .. }
        | WebhooksAction::Deliveries { db, .. }
        | WebhooksAction::Replay { db, .. } => db.db.clone(),
    };
    let store = open_store(&db).await?;
    let org = the_org(store.as_ref()).await?;
    let viewer = Viewer::system(org.id);
    let s = store.as_ref();
    match action {
        WebhooksAction::Add { url, kinds, description, .. } => {
            let input = SubscriptionInput { url, description, kinds };
            let c = webhooks::create(s, &viewer, &input, Utc::now()).await.map_err(explain)?;
            println!("Subscribed {} ({})", c.subscription.url, c.subscription.id);
            println!("Signing secret (shown once; the receiver checks Rungs-Signature with it):\n{}", c.secret);
        }
        WebhooksAction::List { json, .. } => {
            let all = webhooks::list(s, &viewer).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            for w in all {
                let kinds = if w.kinds.is_empty() {
                    "every kind".to_string()
                } else {
                    w.kinds.iter().map(rungs_core::event::EventKind::as_str).collect::<Vec<_>>().join(",")
                };
                println!("{}  {}  {}  {}", w.id, if w.active { "active  " } else { "inactive" }, w.url, kinds);
            }
        }
        WebhooksAction::Remove { id: raw, .. } => {
            webhooks::remove(s, &viewer, id(&raw)?).await?;
            println!("removed {raw}");
        }
        WebhooksAction::SetActive { id: raw, active, .. } => {
            let w = webhooks::set_active(s, &viewer, id(&raw)?, active, Utc::now()).await?;
            println!("{} is {}", w.id, if w.active { "active" } else { "inactive" });
        }
        WebhooksAction::Deliveries { subscription, status, limit, json, .. } => {
            let subscription = subscription.as_deref().map(id).transpose()?;
            let status = match status.as_deref() {
                Some(x) => Some(DeliveryStatus::parse(x).with_context(|| format!("--status '{x}' is not one of pending, delivered, failed"))?),
                None => None,
            };
            let log = webhooks::deliveries(s, &viewer, subscription, status, None, Some(limit)).await.map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&log)?);
                return Ok(());
            }
            for d in log {
                let last = match (d.last_status, &d.last_error) {
                    (_, Some(e)) => e.clone(),
                    (Some(st), None) => format!("HTTP {st}"),
                    _ => "not tried yet".into(),
                };
                println!("{}  seq {}  {}  {}  {} attempts  {}", d.id, d.seq, d.kind.as_str(), d.status.as_str(), d.attempts, last);
            }
        }
        WebhooksAction::Replay { id: raw, .. } => {
            let d = webhooks::replay(s, &viewer, id(&raw)?, Utc::now()).await?;
            println!("{} is pending again (seq {}, {})", d.id, d.seq, d.kind.as_str());
        }
    }
    Ok(())
}
