//! Rungs HTTP interface: the JSON API under `/api/v1` with its OpenAPI document,
//! problem+json errors, bearer-token authentication, `/healthz`, `/readyz` and `/metrics`; and
//! the server-rendered web pages (`html/`) with session sign-in.
//! Every rule about who may do what lives in `rungs-app`; this crate only translates
//! between HTTP and those use cases.
#![forbid(unsafe_code)]

pub mod api;
pub mod charts;
mod credentials;
pub mod extract;
mod headers;
pub mod html;
pub mod integrations;
pub mod metrics;
mod middleware;
pub mod readiness;
pub mod replay;
mod router;
pub mod scim;
pub mod timeout;
mod wire;

use std::future::Future;
use std::sync::Arc;

use rungs_core::store::Store;

pub use api::error::ApiError;
pub use metrics::Metrics;
pub use router::{openapi, router};

/// Limits of the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebConfig {
    /// Largest request body accepted by every route but the bulk import.
    pub max_body_bytes: usize,
    /// Largest request body accepted by `POST /api/v1/events/bulk`.
    pub max_bulk_body_bytes: usize,
    /// How long a page, an API request and an import may run before a 503
    /// ([`timeout`]).
    pub page_timeout: std::time::Duration,
    pub api_timeout: std::time::Duration,
    pub import_timeout: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_body_bytes: 1024 * 1024,
            max_bulk_body_bytes: 32 * 1024 * 1024,
            page_timeout: std::time::Duration::from_secs(30),
            api_timeout: std::time::Duration::from_secs(30),
            import_timeout: std::time::Duration::from_secs(300),
        }
    }
}

/// What every handler can reach: the store, the metrics registry, the limits,
/// the failed-sign-in counters (in memory, so per instance) and the key that signs
/// sign-in forms.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
    pub config: WebConfig,
    pub throttle: Arc<rungs_app::accounts::LoginThrottle>,
    /// Can the store take writes? What `/readyz` answers (see [`readiness`]).
    pub readiness: Arc<readiness::Readiness>,
    pub form_key: Arc<rungs_app::accounts::FormKey>,
    /// The analytics snapshot per organization, caught up incrementally.
    pub analytics: Arc<rungs_app::analytics::Cache>,
    /// Who signs verifiable credentials (docs/CREDENTIALS.md).
    pub issuer: Arc<rungs_app::credentials::Issuer>,
    /// SMTP, when configured: invites are emailed (otherwise their link is shown).
    pub mailer: Option<rungs_app::notifications::mail::Mailer>,
    /// OIDC single sign-on, when configured (`--oidc-*`).
    pub sso: Option<Arc<rungs_app::sso::Provider>>,
    /// The Slack/Mattermost chat command, when configured (`--slack-*`).
    pub chat: Option<Arc<integrations::slack::ChatSettings>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState {
            store,
            metrics: Arc::new(Metrics::default()),
            config: WebConfig::default(),
            throttle: Arc::default(),
            readiness: Arc::default(),
            form_key: Arc::new(rungs_app::accounts::FormKey::random()),
            analytics: Arc::default(),
            issuer: Arc::new(rungs_app::credentials::Issuer::ephemeral()),
            mailer: None,
            sso: None,
            chat: None,
        }
    }

    /// Email invites through `mailer`.
    pub fn with_mailer(mut self, mailer: Option<rungs_app::notifications::mail::Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Offer single sign-on through `provider`.
    pub fn with_sso(mut self, provider: rungs_app::sso::Provider) -> Self {
        self.sso = Some(Arc::new(provider));
        self
    }

    /// Answer the chat command.
    pub fn with_chat(mut self, chat: integrations::slack::ChatSettings) -> Self {
        self.chat = Some(Arc::new(chat));
        self
    }

    /// Is password sign-in off (single sign-on only)?
    pub fn sso_only(&self) -> bool {
        self.sso.as_ref().is_some_and(|p| p.config.sso_only)
    }

    /// Sign sign-in forms with `key` (`RUNGS_SECRET_KEY`: the same on every instance).
    pub fn with_form_key(mut self, key: rungs_app::accounts::FormKey) -> Self {
        self.form_key = Arc::new(key);
        self
    }

    /// Probe the store's writes at most this often for `/readyz` (default 5 s).
    pub fn with_ready_probe_every(mut self, every: std::time::Duration) -> Self {
        self.readiness = Arc::new(readiness::Readiness::new(every));
        self
    }

    /// Sign credentials as `issuer` (its key file and public URL).
    pub fn with_issuer(mut self, issuer: rungs_app::credentials::Issuer) -> Self {
        self.issuer = Arc::new(issuer);
        self
    }

    pub fn with_config(mut self, config: WebConfig) -> Self {
        self.config = config;
        self
    }
}

/// Serve the API on an already bound listener until `shutdown` resolves, then finish
/// the requests in flight. Taking the listener (not an address) lets tests bind
/// `127.0.0.1:0` and the binary report the real port.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    serve_with_grace(listener, state, shutdown, DEFAULT_SHUTDOWN_GRACE).await
}

/// How long requests in flight may still finish after the shutdown signal.
pub const DEFAULT_SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// [`serve`], with the time requests in flight get once `shutdown` resolves: new
/// connections are refused at once, idle ones closed, and whatever still runs after
/// `grace` (a slow client trickling its body, say) is dropped unanswered, so the
/// process stops in bounded time. Nothing acknowledged is lost: a request is only
/// acknowledged after its commit, and a dropped one never was.
pub async fn serve_with_grace(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, backend = state.store.backend(), "listening");
    }
    // The peer address feeds the per-address sign-in rate limit.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // Requests hyper itself refuses (a 100 KB URI) get problem+json too. `tap_io` is
    // axum's way for a custom listener to keep `ConnectInfo<SocketAddr>`.
    let listener = axum::serve::ListenerExt::tap_io(wire::ProblemListener(listener), |_| {});
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = signalled.send(());
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown).into_future();
    tokio::pin!(server);
    let deadline = async move {
        if on_signal.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        done = &mut server => done,
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the shutdown grace period: dropped unanswered");
            Ok(())
        }
    }
}
