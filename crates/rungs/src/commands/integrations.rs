//! The settings of single sign-on and the chat command on `rungs serve` and
//! `rungs demo` (each also from its environment variable; docs/INTEGRATIONS.md).
//! Secrets (the client secret, the signing secret, the bot token) come from the
//! environment or the command line and are never stored in the database.

use clap::Args;
use rungs_web::AppState;

#[derive(Debug, Clone, Default, Args)]
pub struct IntegrationArgs {
    /// OIDC issuer URL, exactly as the provider's discovery document states it
    /// (e.g. https://dev-123.okta.com/oauth2/default). Turns single sign-on on.
    #[arg(long, env = "RUNGS_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client id Rungs is registered with at the provider.
    #[arg(long, env = "RUNGS_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    pub oidc_client_id: Option<String>,
    /// The client secret (confidential web client). Prefer the environment variable.
    #[arg(long, env = "RUNGS_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Where browsers reach Rungs (https://rungs.example.com): the redirect URI
    /// registered at the provider is this plus /sso/callback.
    #[arg(long, env = "RUNGS_OIDC_REDIRECT_BASE", requires = "oidc_issuer")]
    pub oidc_redirect_base: Option<String>,
    /// Create a person on the first sign-in of a verified email nobody has.
    #[arg(long, env = "RUNGS_OIDC_JIT")]
    pub oidc_jit: bool,
    /// Turn password sign-in off: the sign-in page offers only single sign-on.
    #[arg(long, env = "RUNGS_OIDC_SSO_ONLY")]
    pub oidc_sso_only: bool,
    /// How far the provider's clock may be from ours, in seconds.
    #[arg(long, env = "RUNGS_OIDC_CLOCK_SKEW_SECS", default_value_t = 60)]
    pub oidc_clock_skew_secs: u64,
    /// The sign-in button says "Sign in with <this>".
    #[arg(long, env = "RUNGS_OIDC_NAME", default_value = "your company account")]
    pub oidc_name: String,
    /// Signing out of Rungs leaves the provider's session alone. By default, when the
    /// provider publishes an end_session_endpoint, signing out of a single sign-on
    /// session signs out at the provider too (RP-initiated logout).
    #[arg(long, env = "RUNGS_OIDC_KEEP_PROVIDER_SESSION")]
    pub oidc_keep_provider_session: bool,
    /// The Slack app's signing secret. Turns the chat command on.
    #[arg(long, env = "RUNGS_SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub slack_signing_secret: Option<String>,
    /// The bot token (xoxb-...) used for users.info (scope users:read.email).
    #[arg(long, env = "RUNGS_SLACK_BOT_TOKEN", hide_env_values = true, requires = "slack_signing_secret")]
    pub slack_bot_token: Option<String>,
    /// Slack's Web API base URL.
    #[arg(long, env = "RUNGS_SLACK_API_BASE", default_value = "https://slack.com/api")]
    pub slack_api_base: String,
}

impl IntegrationArgs {
    /// `state` with single sign-on and the chat command as configured.
    pub fn apply(&self, mut state: AppState) -> anyhow::Result<AppState> {
        if let Some(issuer) = self.oidc_issuer.as_deref().filter(|s| !s.trim().is_empty()) {
            let client_id = self
                .oidc_client_id
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("--oidc-client-id (RUNGS_OIDC_CLIENT_ID) is required with --oidc-issuer"))?;
            let base = self
                .oidc_redirect_base
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("--oidc-redirect-base (RUNGS_OIDC_REDIRECT_BASE) is required with --oidc-issuer"))?;
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                anyhow::bail!("--oidc-redirect-base must be an http(s) URL, got '{base}'");
            }
            let mut config = rungs_app::sso::OidcConfig::new(issuer, client_id, self.oidc_client_secret.clone(), base);
            config.jit = self.oidc_jit;
            config.sso_only = self.oidc_sso_only;
            config.clock_skew = std::time::Duration::from_secs(self.oidc_clock_skew_secs);
            config.display_name.clone_from(&self.oidc_name);
            config.provider_logout = !self.oidc_keep_provider_session;
            let provider = rungs_app::sso::Provider::new(config).map_err(|e| anyhow::anyhow!("single sign-on: {e}"))?;
            tracing::info!(issuer, jit = self.oidc_jit, sso_only = self.oidc_sso_only, "single sign-on is on");
            state = state.with_sso(provider);
        } else if self.oidc_sso_only {
            anyhow::bail!("--oidc-sso-only needs single sign-on configured (--oidc-issuer)");
        }
        if let Some(secret) = self.slack_signing_secret.as_deref().filter(|s| !s.is_empty()) {
            let token = self.slack_bot_token.as_deref().unwrap_or_default();
            if token.is_empty() {
                anyhow::bail!(
                    "--slack-bot-token (RUNGS_SLACK_BOT_TOKEN) is required with --slack-signing-secret: chat users are matched by email through users.info"
                );
            }
            tracing::info!("the chat command is on");
            state = state.with_chat(rungs_web::integrations::slack::ChatSettings::new(secret, &self.slack_api_base, token));
        }
        Ok(state)
    }
}
