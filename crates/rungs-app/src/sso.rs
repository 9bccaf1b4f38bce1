//! OIDC single sign-on: Rungs as a relying party of one OpenID provider (Okta,
//! Microsoft Entra ID, Google Workspace, Keycloak...). Authorization code flow with
//! PKCE (S256), `state` and `nonce` (docs/INTEGRATIONS.md, "OIDC single sign-on").
//!
//! - [`provider`]: discovery, the JWKS cache (an unknown `kid` refetches the key set
//!   once: the provider rotated its keys), the code exchange.
//! - [`id_token`]: ID token validation: signature under an allowed algorithm, `iss`,
//!   `aud`/`azp`, `exp`/`iat` with a clock skew, `nonce`.
//! - [`signin`]: who the validated claims are (the stored link, else a verified email,
//!   else just-in-time provisioning) and the Rungs session that follows.

pub mod id_token;
pub mod provider;
pub mod signin;

use std::time::Duration;

pub use id_token::IdClaims;
pub use provider::{Finished, Pending, Provider};
pub use signin::{SsoSignInError, sign_in};

/// The algorithms accepted by default: the asymmetric ones providers sign with.
/// Symmetric (`HS*`, keyed with the client secret) and `none` are never accepted.
pub const DEFAULT_ALGORITHMS: [jsonwebtoken::Algorithm; 4] =
    [jsonwebtoken::Algorithm::RS256, jsonwebtoken::Algorithm::PS256, jsonwebtoken::Algorithm::ES256, jsonwebtoken::Algorithm::EdDSA];

/// How far the provider's clock may be from ours by default.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The settings of single sign-on (`rungs serve --oidc-*`, docs/INTEGRATIONS.md).
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The provider's issuer URL, exactly as its discovery document states it.
    pub issuer: String,
    pub client_id: String,
    /// Absent for a public client (PKCE only); most providers require one for a web app.
    pub client_secret: Option<String>,
    /// Where browsers reach Rungs (`https://rungs.example.com`); the redirect URI
    /// registered at the provider is this plus [`CALLBACK_PATH`].
    pub redirect_base: String,
    /// Create a person (a `hired` event) on the first sign-in of a verified email
    /// nobody has.
    pub jit: bool,
    /// Password sign-in is off: the sign-in page offers only the provider.
    pub sso_only: bool,
    pub clock_skew: Duration,
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    /// Extra scopes beyond `openid email profile`.
    pub extra_scopes: Vec<String>,
    /// What the sign-in button names: "Sign in with {display_name}".
    pub display_name: String,
    /// Signing out of a single sign-on session also signs out at the provider, when
    /// it publishes an `end_session_endpoint` (OpenID Connect RP-Initiated Logout).
    pub provider_logout: bool,
}

/// The path the provider redirects back to.
pub const CALLBACK_PATH: &str = "/sso/callback";
/// Where the provider sends the browser after RP-initiated logout.
pub const POST_LOGOUT_PATH: &str = "/login";

impl OidcConfig {
    /// A configuration with the defaults for skew and algorithms.
    pub fn new(issuer: &str, client_id: &str, client_secret: Option<String>, redirect_base: &str) -> Self {
        OidcConfig {
            issuer: issuer.trim().to_string(),
            client_id: client_id.trim().to_string(),
            client_secret: client_secret.filter(|s| !s.is_empty()),
            redirect_base: redirect_base.trim().trim_end_matches('/').to_string(),
            jit: false,
            sso_only: false,
            clock_skew: DEFAULT_CLOCK_SKEW,
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            extra_scopes: Vec::new(),
            display_name: "your company account".into(),
            provider_logout: true,
        }
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.redirect_base)
    }

    /// Where the provider sends the browser after signing out there: the sign-in
    /// page (register it at the provider as a post-logout redirect URI).
    pub fn post_logout_redirect_uri(&self) -> String {
        format!("{}{POST_LOGOUT_PATH}", self.redirect_base)
    }
}

/// Why single sign-on failed. Shown to the person in words; the details go to the log.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or answered something unusable.
    #[error("the identity provider could not be used: {0}")]
    Provider(String),
    /// The ID token (or the callback) failed a check: a forgery, a replay, a
    /// misconfiguration, or clocks too far apart.
    #[error("the sign-in response was refused: {0}")]
    Invalid(String),
}
