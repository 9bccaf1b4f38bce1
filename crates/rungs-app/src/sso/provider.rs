//! The OpenID provider as Rungs sees it: its discovery document (fetched once, then
//! hourly), its signing keys (JWKS, cached; an unknown `kid` refetches once, because
//! providers rotate keys and publish the new one before using it), the authorization
//! URL with PKCE, and the code exchange at the token endpoint.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::{IdClaims, OidcConfig, SsoError, id_token};

/// How long the discovery document and the key set are trusted before a refetch.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// Timeout of every call to the provider.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The parts of `/.well-known/openid-configuration` Rungs uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// OpenID Connect RP-Initiated Logout 1.0: where to send the browser to sign out
    /// at the provider too (absent when the provider does not offer it).
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// A finished sign-in at the provider: the validated claims, and the ID token itself
/// (kept by the browser as the `id_token_hint` of a later sign-out).
#[derive(Debug, Clone)]
pub struct Finished {
    pub claims: IdClaims,
    pub id_token: String,
}

/// What the browser carries between the redirect to the provider and the callback
/// (in a short-lived HttpOnly cookie): all random, all checked at the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    /// The PKCE code verifier; only its S256 challenge went to the provider.
    pub verifier: String,
    /// Where to go after signing in (a local path).
    pub next: String,
}

impl Pending {
    /// A fresh set of random values.
    pub fn new(next: &str) -> Self {
        Pending { state: random_b64(), nonce: random_b64(), verifier: random_b64(), next: next.to_string() }
    }

    /// `state.nonce.verifier.next` (next base64url-encoded): one cookie value.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}.{}", self.state, self.nonce, self.verifier, URL_SAFE_NO_PAD.encode(self.next.as_bytes()))
    }

    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let (state, nonce, verifier, next) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let next = String::from_utf8(URL_SAFE_NO_PAD.decode(next).ok()?).ok()?;
        let ok = |v: &str| v.len() >= 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (parts.next().is_none() && ok(state) && ok(nonce) && ok(verifier)).then(|| Pending {
            state: state.into(),
            nonce: nonce.into(),
            verifier: verifier.into(),
            next,
        })
    }

    /// The S256 code challenge of the verifier (RFC 7636 §4.2).
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }
}

/// 256 random bits, base64url without padding (43 characters).
fn random_b64() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// One configured provider with its caches; shared by every request.
pub struct Provider {
    pub config: OidcConfig,
    http: reqwest::Client,
    metadata: Mutex<Option<(Metadata, Instant)>>,
    keys: Mutex<Option<(JwkSet, Instant)>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("issuer", &self.config.issuer).field("client_id", &self.config.client_id).finish_non_exhaustive()
    }
}

fn provider_err(what: &str) -> impl Fn(reqwest::Error) -> SsoError + '_ {
    move |e| SsoError::Provider(format!("{what}: {e}"))
}

impl Provider {
    pub fn new(config: OidcConfig) -> Result<Self, SsoError> {
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SsoError::Provider(e.to_string()))?;
        Ok(Provider { config, http, metadata: Mutex::new(None), keys: Mutex::new(None) })
    }

    /// The discovery document, from the cache while fresh. Its `issuer` must be the
    /// configured one exactly (OpenID Connect Discovery §4.3).
    pub async fn metadata(&self) -> Result<Metadata, SsoError> {
        let mut cached = self.metadata.lock().await;
        if let Some((m, at)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
        let res = self.http.get(&url).send().await.map_err(provider_err("discovery"))?;
        if !res.status().is_success() {
            return Err(SsoError::Provider(format!("discovery at {url} answered {}", res.status())));
        }
        let m: Metadata = res.json().await.map_err(provider_err("discovery document"))?;
        if m.issuer != self.config.issuer {
            return Err(SsoError::Provider(format!("the discovery document names issuer '{}', not the configured '{}'", m.issuer, self.config.issuer)));
        }
        if !m.code_challenge_methods_supported.is_empty() && !m.code_challenge_methods_supported.iter().any(|c| c == "S256") {
            return Err(SsoError::Provider("the provider does not support PKCE with S256".into()));
        }
        *cached = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    /// The key with `kid` (or the only key when the token names none). From the cache
    /// when it has it; otherwise the key set is fetched again, once.
    pub async fn key(&self, kid: Option<&str>) -> Result<Jwk, SsoError> {
        let mut cached = self.keys.lock().await;
        if let Some((set, at)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
            && let Some(k) = pick(set, kid)
        {
            return Ok(k);
        }
        let m = self.metadata().await?;
        let res = self.http.get(&m.jwks_uri).send().await.map_err(provider_err("JWKS"))?;
        if !res.status().is_success() {
            return Err(SsoError::Provider(format!("the JWKS at {} answered {}", m.jwks_uri, res.status())));
        }
        let set: JwkSet = res.json().await.map_err(provider_err("JWKS document"))?;
        tracing::info!(keys = set.keys.len(), "fetched the identity provider's signing keys");
        let found = pick(&set, kid);
        *cached = Some((set, Instant::now()));
        found.ok_or_else(|| SsoError::Invalid(format!("the token is signed with key '{}', which the provider does not publish", kid.unwrap_or("(none)"))))
    }

    /// Where to send the browser: the authorization endpoint with PKCE, state, nonce.
    pub async fn authorization_url(&self, pending: &Pending) -> Result<String, SsoError> {
        let m = self.metadata().await?;
        let mut scope = String::from("openid email profile");
        for s in &self.config.extra_scopes {
            scope.push(' ');
            scope.push_str(s);
        }
        let mut url = reqwest::Url::parse(&m.authorization_endpoint).map_err(|e| SsoError::Provider(format!("authorization_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_uri())
            .append_pair("scope", &scope)
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &pending.challenge())
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Exchange the code for tokens and validate the ID token against `pending`.
    pub async fn finish(&self, pending: &Pending, code: &str) -> Result<Finished, SsoError> {
        let m = self.metadata().await?;
        let redirect_uri = self.config.redirect_uri();
        let mut form: Vec<(&str, &str)> =
            vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri.as_str()), ("code_verifier", pending.verifier.as_str())];
        let mut req = self.http.post(&m.token_endpoint);
        match &self.config.client_secret {
            // client_secret_basic is the default method (OIDC Core §9); a provider that
            // lists only client_secret_post gets the secret in the form.
            Some(secret)
                if m.token_endpoint_auth_methods_supported.is_empty() || m.token_endpoint_auth_methods_supported.iter().any(|a| a == "client_secret_basic") =>
            {
                // RFC 6749 §2.3.1: both parts form-urlencoded before the Basic encoding.
                let user = form_urlencode(&self.config.client_id);
                let pass = form_urlencode(secret);
                req = req.basic_auth(user, Some(pass));
            }
            Some(secret) => {
                form.push(("client_id", self.config.client_id.as_str()));
                form.push(("client_secret", secret.as_str()));
            }
            None => form.push(("client_id", self.config.client_id.as_str())),
        }
        let res = req.form(&form).send().await.map_err(provider_err("token endpoint"))?;
        let status = res.status();
        let body: serde_json::Value = res.json().await.map_err(provider_err("token response"))?;
        if !status.is_success() {
            let err = body.get("error").and_then(|e| e.as_str()).unwrap_or("unknown error");
            return Err(SsoError::Provider(format!("the token endpoint answered {status}: {err}")));
        }
        let token = body.get("id_token").and_then(|t| t.as_str()).ok_or_else(|| SsoError::Provider("the token response has no id_token".into()))?;
        let claims = self.validate(token, &pending.nonce, chrono::Utc::now()).await?;
        Ok(Finished { claims, id_token: token.to_string() })
    }

    /// Where to send a browser signing out of a single sign-on session, so that it
    /// signs out at the provider too (OpenID Connect RP-Initiated Logout 1.0 §2):
    /// the provider's `end_session_endpoint` with the session's ID token as
    /// `id_token_hint` (when the browser still has it), the `client_id`, and the
    /// `post_logout_redirect_uri` back to the sign-in page. `None` when the provider
    /// does not offer it, cannot be reached, or the server keeps provider sessions.
    pub async fn logout_url(&self, id_token_hint: Option<&str>) -> Option<String> {
        if !self.config.provider_logout {
            return None;
        }
        let endpoint = match self.metadata().await {
            Ok(m) => m.end_session_endpoint?,
            Err(e) => {
                tracing::warn!(error = %e, "signing out at the provider skipped: discovery failed");
                return None;
            }
        };
        let mut url = reqwest::Url::parse(&endpoint).ok()?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(hint) = id_token_hint {
                q.append_pair("id_token_hint", hint);
            }
            q.append_pair("client_id", &self.config.client_id).append_pair("post_logout_redirect_uri", &self.config.post_logout_redirect_uri());
        }
        Some(url.into())
    }

    /// Validate an ID token (signature, claims, nonce) at `now`.
    pub async fn validate(&self, token: &str, nonce: &str, now: chrono::DateTime<chrono::Utc>) -> Result<IdClaims, SsoError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| SsoError::Invalid(format!("not a signed JWT: {e}")))?;
        if !self.config.algorithms.contains(&header.alg) {
            return Err(SsoError::Invalid(format!("algorithm {:?} is not allowed", header.alg)));
        }
        let key = self.key(header.kid.as_deref()).await?;
        id_token::validate(token, header.alg, &key, &self.config, nonce, now)
    }
}

fn pick(set: &JwkSet, kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => set.find(kid).cloned(),
        None if set.keys.len() == 1 => set.keys.first().cloned(),
        None => None,
    }
}

fn form_urlencode(s: &str) -> String {
    reqwest::Url::parse_with_params("x:/", [("v", s)]).ok().and_then(|u| u.query().map(|q| q.trim_start_matches("v=").to_string())).unwrap_or_default()
}
