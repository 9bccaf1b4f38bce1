//! ID token validation (OpenID Connect Core §3.1.3.7): the JWS signature under the
//! provider's key and an allowed algorithm; `iss` is the configured issuer; `aud`
//! contains our client id (and `azp`, when there are several audiences or it is
//! present, is us); `exp` is in the future and `iat` not in the future, each with
//! the configured clock skew; `nonce` is the one this browser's flow sent.

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{OidcConfig, SsoError};

/// The claims Rungs reads from a validated ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub issuer: String,
    /// The provider's stable identifier of the account.
    pub subject: String,
    /// Lower-cased; `None` when absent.
    pub email: Option<String>,
    /// The provider vouches the email is the account's (`email_verified`, or Entra
    /// ID's `xms_edov`).
    pub email_verified: bool,
    /// A display name (`name`, else given and family names, else none).
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Raw {
    iss: String,
    sub: String,
    aud: serde_json::Value,
    exp: i64,
    iat: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    xms_edov: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
}

/// `true` or `"true"` (some providers send booleans as strings).
fn truthy(v: Option<&serde_json::Value>) -> bool {
    match v {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn invalid(s: impl Into<String>) -> SsoError {
    SsoError::Invalid(s.into())
}

/// Validate `token` signed with `alg` under `key`, for `config`, expecting `nonce`, at `now`.
pub fn validate(token: &str, alg: Algorithm, key: &Jwk, config: &OidcConfig, nonce: &str, now: DateTime<Utc>) -> Result<IdClaims, SsoError> {
    if !config.algorithms.contains(&alg) {
        return Err(invalid(format!("algorithm {alg:?} is not allowed")));
    }
    // A key published for one algorithm is not used with another.
    if let Some(key_alg) = &key.common.key_algorithm
        && format!("{key_alg:?}") != format!("{alg:?}")
    {
        return Err(invalid(format!("key '{}' is for {key_alg:?}, the token says {alg:?}", key.common.key_id.as_deref().unwrap_or(""))));
    }
    let decoding = DecodingKey::from_jwk(key).map_err(|e| invalid(format!("unusable provider key: {e}")))?;
    let mut v = Validation::new(alg);
    // Times, issuer and audience are checked below, against `now` and with our messages.
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let raw = jsonwebtoken::decode::<Raw>(token, &decoding, &v).map_err(|e| invalid(format!("bad signature or claims: {e}")))?.claims;

    if raw.iss != config.issuer {
        return Err(invalid(format!("issued by '{}', not the configured issuer", raw.iss)));
    }
    let audiences: Vec<&str> = match &raw.aud {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(serde_json::Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&config.client_id.as_str()) {
        return Err(invalid("the token is for another client (aud)"));
    }
    if (audiences.len() > 1 || raw.azp.is_some()) && raw.azp.as_deref() != Some(config.client_id.as_str()) {
        return Err(invalid("the token's authorized party (azp) is another client"));
    }
    let skew = i64::try_from(config.clock_skew.as_secs()).unwrap_or(i64::MAX);
    let t = now.timestamp();
    if raw.exp.saturating_add(skew) <= t {
        return Err(invalid(format!("the token expired {} s ago", t - raw.exp)));
    }
    if raw.iat.saturating_sub(skew) > t {
        return Err(invalid(format!("the token is issued {} s in the future (clock skew beyond the allowed {skew} s)", raw.iat - t)));
    }
    if let Some(nbf) = raw.nbf
        && nbf.saturating_sub(skew) > t
    {
        return Err(invalid("the token is not valid yet (nbf)"));
    }
    match raw.nonce.as_deref() {
        Some(n) if crate::accounts::same(n, nonce) => {}
        Some(_) => return Err(invalid("the nonce is not the one this sign-in sent (a replayed token?)")),
        None => return Err(invalid("the token has no nonce")),
    }
    if raw.sub.is_empty() || raw.sub.len() > 255 {
        return Err(invalid("the subject (sub) is empty or longer than 255 characters"));
    }
    let email_verified = truthy(raw.email_verified.as_ref()) || truthy(raw.xms_edov.as_ref());
    let name = raw.name.filter(|n| !n.trim().is_empty()).or_else(|| {
        let full = format!("{} {}", raw.given_name.unwrap_or_default(), raw.family_name.unwrap_or_default());
        let full = full.trim();
        (!full.is_empty()).then(|| full.to_string())
    });
    Ok(IdClaims { issuer: raw.iss, subject: raw.sub, email: raw.email.map(|e| e.trim().to_lowercase()), email_verified, name })
}
