//! `rungs serve`: bind, serve, stop gracefully on SIGINT or SIGTERM.

use std::sync::Arc;

use anyhow::Context;
use rungs_core::store::Store;
use tokio::net::TcpListener;

/// Serve `store` on `listen` until SIGINT/SIGTERM. `on_ready` runs once the socket is
/// bound (the demo prints its logins there).
pub async fn serve_until_signal(
    store: Arc<dyn Store>,
    listen: &str,
    integrations: &super::integrations::IntegrationArgs,
    issuer: rungs_app::credentials::Issuer,
    on_ready: Option<Box<dyn FnOnce(std::net::SocketAddr) + Send>>,
    mailer: Option<rungs_app::notifications::mail::Mailer>,
) -> anyhow::Result<()> {
    // How often `/readyz` may probe the store with a write (docs/operations.md).
    let probe_every = match rungs_core::settings::var("RUNGS_READY_PROBE_SECS") {
        Some(v) => {
            Some(std::time::Duration::from_secs(v.trim().parse().with_context(|| format!("RUNGS_READY_PROBE_SECS='{v}' is not a whole number of seconds"))?))
        }
        None => None,
    };
    // How long requests in flight may finish after SIGTERM (docs/CONFIGURATION.md).
    let grace = match rungs_core::settings::var("RUNGS_SHUTDOWN_GRACE_SECS") {
        Some(v) => {
            std::time::Duration::from_secs(v.trim().parse().with_context(|| format!("RUNGS_SHUTDOWN_GRACE_SECS='{v}' is not a whole number of seconds"))?)
        }
        None => rungs_web::DEFAULT_SHUTDOWN_GRACE,
    };
    let mut config = rungs_web::WebConfig::default();
    for (name, slot) in [
        ("RUNGS_PAGE_TIMEOUT_SECS", &mut config.page_timeout),
        ("RUNGS_API_TIMEOUT_SECS", &mut config.api_timeout),
        ("RUNGS_IMPORT_TIMEOUT_SECS", &mut config.import_timeout),
    ] {
        if let Some(v) = rungs_core::settings::var(name) {
            let secs: u64 = v.trim().parse().ok().filter(|n| *n > 0).with_context(|| format!("{name}='{v}' is not a positive whole number of seconds"))?;
            *slot = std::time::Duration::from_secs(secs);
        }
    }
    let form_key = form_key()?;
    // Checked before binding: a misconfiguration stops here, with its reason.
    let configured = integrations.apply(rungs_web::AppState::new(store.clone()))?;
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = store.backend(), "rungs is listening");
    if let Some(f) = on_ready {
        f(addr);
    }
    let state = match probe_every {
        Some(every) => configured.with_ready_probe_every(every),
        None => configured,
    }
    .with_form_key(form_key)
    .with_issuer(issuer)
    .with_config(config)
    .with_mailer(mailer);
    rungs_web::serve_with_grace(listener, state, shutdown_signal(), grace).await.context("server error")?;
    tracing::info!("rungs stopped");
    Ok(())
}

/// The key that signs sign-in forms: from `RUNGS_SECRET_KEY` (the same on every
/// instance serving one database), else made now for this process.
fn form_key() -> anyhow::Result<rungs_app::accounts::FormKey> {
    match rungs_core::settings::var("RUNGS_SECRET_KEY") {
        Some(s) => rungs_app::accounts::FormKey::from_secret(&s).map_err(|e| anyhow::anyhow!("RUNGS_SECRET_KEY {e}")),
        _ => {
            tracing::info!(
                "RUNGS_SECRET_KEY is not set: sign-in forms are signed with a key made at startup (set it when several instances serve one database)"
            );
            Ok(rungs_app::accounts::FormKey::random())
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
