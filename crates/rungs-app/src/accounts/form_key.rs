//! The sign-in form's CSRF token. Before sign-in there is no session to derive a token
//! from, so the form uses a double submit (the same value in a cookie and a hidden
//! field). A plain random value let anyone who can plant a cookie (a sibling
//! subdomain, a network attacker on plain HTTP) choose both halves. So the value is
//! issued by the server: a random nonce and an expiry, signed with HMAC-SHA-256 under
//! a key only the server holds. A pair the attacker makes up fails the signature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a sign-in form's token is good for (the cookie lives as long).
pub const FORM_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Shortest `RUNGS_SECRET_KEY` accepted.
pub const MIN_KEY_CHARS: usize = 32;
const CONTEXT: &[u8] = b"rungs login csrf v1\0";

/// The server's key for signing sign-in forms. Every instance serving one database
/// must share it, or a form fetched from one is refused by another.
#[derive(Clone)]
pub struct FormKey([u8; 32]);

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(..)")
    }
}

impl FormKey {
    /// A key made now, for one process (what `serve` uses without `RUNGS_SECRET_KEY`).
    pub fn random() -> Self {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        FormKey(k)
    }

    /// A key from the operator's secret (any text of at least [`MIN_KEY_CHARS`]).
    pub fn from_secret(secret: &str) -> Result<Self, String> {
        if secret.chars().count() < MIN_KEY_CHARS {
            return Err(format!("must be at least {MIN_KEY_CHARS} characters (for example `openssl rand -hex 32`)"));
        }
        Ok(FormKey(Sha256::digest(secret.as_bytes()).into()))
    }

    fn mac(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, &[CONTEXT, message].concat())
    }

    /// A fresh token: `NONCE.EXPIRY.MAC` (hex nonce, Unix seconds, hex HMAC).
    pub fn issue(&self) -> String {
        self.issue_at(SystemTime::now())
    }

    fn issue_at(&self, now: SystemTime) -> String {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let expires = unix(now) + FORM_TOKEN_LIFETIME.as_secs();
        let body = format!("{}.{expires}", hex::encode(nonce));
        let mac = hex::encode(self.mac(body.as_bytes()));
        format!("{body}.{mac}")
    }

    /// How long `token` stays valid: `None` if it is not one this key issued, or has
    /// expired.
    pub fn remaining(&self, token: &str) -> Option<Duration> {
        self.remaining_at(token, SystemTime::now())
    }

    fn remaining_at(&self, token: &str, now: SystemTime) -> Option<Duration> {
        let (body, mac) = token.rsplit_once('.')?;
        let (nonce, expires) = body.split_once('.')?;
        if nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) || mac.len() != 64 {
            return None;
        }
        let expires: u64 = expires.parse().ok()?;
        let want = hex::encode(self.mac(body.as_bytes()));
        if !super::same(mac, &want) {
            return None;
        }
        expires.checked_sub(unix(now)).filter(|s| *s > 0).map(Duration::from_secs)
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// HMAC-SHA-256 (RFC 2104) over sha2, which the workspace already has.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2: key "Jefe".
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn only_tokens_this_key_issued_and_that_have_not_expired_are_valid() {
        let (key, other) = (FormKey::random(), FormKey::random());
        let t = key.issue();
        assert!(key.remaining(&t).is_some_and(|d| d > Duration::from_secs(3500)), "{t}");
        assert_eq!(other.remaining(&t), None, "another server's key");
        let later = SystemTime::now() + FORM_TOKEN_LIFETIME + Duration::from_secs(1);
        assert_eq!(key.remaining_at(&t, later), None, "expired");
        // Attacker-made values: random hex, a longer expiry under the old MAC, junk.
        let (body, mac) = t.rsplit_once('.').unwrap();
        let nonce = body.split_once('.').unwrap().0;
        for forged in ["a".repeat(64), format!("{nonce}.99999999999.{mac}"), format!("{body}.{}", "0".repeat(64)), String::new(), "..".into()] {
            assert_eq!(key.remaining(&forged), None, "{forged}");
        }
        assert!(FormKey::from_secret("short").is_err());
        let s = "x".repeat(MIN_KEY_CHARS);
        assert!(FormKey::from_secret(&s).unwrap().remaining(&FormKey::from_secret(&s).unwrap().issue()).is_some(), "same secret, same key");
    }
}
