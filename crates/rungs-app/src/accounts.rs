//! Local accounts for the web interface: passwords (argon2id), sign-in with a rate
//! limit on failures, browser sessions and their CSRF tokens, sign-out.
//!
//! A sign-in attempt takes its place in the rate limit *before* the password is
//! hashed (so a burst of parallel guesses cannot all be checked), and hashing goes
//! through a gate of a few slots with pooled memory ([`hashing`]), so a flood of
//! sign-ins costs time, not memory.
//!
//! Secrets never reach the store: a password is kept as an argon2id PHC string, a
//! session as the SHA-256 of its 256-bit cookie secret (like API tokens, a fast hash
//! is enough for 256 random bits). The CSRF token of a session is derived from its
//! secret, so it needs no storage and is useless without the cookie.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use rungs_core::OrgId;
use rungs_core::person::{Person, PersonStatus, Role};
use rungs_core::session_store::{Credential, SessionRecord};
use rungs_core::store::{Store, StoreError};

use crate::{AppError, Viewer};

mod form_key;
mod hashing;

pub use form_key::{FORM_TOKEN_LIFETIME, FormKey, MIN_KEY_CHARS};
pub use hashing::slots as hashing_slots;

/// How long a session lasts after sign-in (absolute: activity does not extend it).
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (argon2 would hash more, but nobody types this much).
pub const MAX_PASSWORD: usize = 1024;
/// Failed sign-ins allowed per email and per client address within [`THROTTLE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a sign-in waits for a free hashing slot before it is told to retry.
pub const HASH_WAIT: Duration = Duration::from_secs(5);
/// How long a password change (CLI, admin) waits for a free hashing slot.
const SET_PASSWORD_WAIT: Duration = Duration::from_secs(60);

/// A fresh 256-bit secret as 64 hex characters (session cookies, pre-session CSRF).
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Compare two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The CSRF token of the session whose cookie secret is `secret`.
pub fn csrf_token(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"rungs csrf v1\0");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// A readable random password: 20 characters from 32 unambiguous ones (100 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..4).map(|_| (0..5).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect::<String>()).collect::<Vec<_>>().join("-")
}

async fn hash_password(password: String) -> Result<String, AppError> {
    hashing::hash(password, SET_PASSWORD_WAIT).await.map_err(|e| match e {
        hashing::HashError::Busy => AppError::internal("every password-hashing slot stayed busy; try again"),
        hashing::HashError::App(e) => e,
    })
}

/// A hash to verify against when the email is unknown, so that case takes as long
/// as a wrong password and the timing does not reveal who has an account.
async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_password(new_secret()).await?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

/// A password's length is within bounds (the only rule: length, not composition).
pub fn check_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(AppError::invalid("password", format!("must be at least {MIN_PASSWORD} characters")));
    }
    if n > MAX_PASSWORD {
        return Err(AppError::invalid("password", format!("must be at most {MAX_PASSWORD} characters")));
    }
    Ok(())
}

/// Set the password (and sign-in role) of the person with `email` in `org`. `role`
/// `None` keeps the role they had, or `employee` for a first password. Every session
/// of that person ends: a changed password signs them out everywhere.
pub async fn set_password(store: &dyn Store, org: OrgId, email: &str, role: Option<Role>, password: &str) -> Result<(Person, Role), AppError> {
    check_password(password)?;
    let email = rungs_core::text::parse_email("email", email)?;
    let person = store.person_by_email(org, &email).await.map_err(|e| match e {
        StoreError::NotFound => AppError::invalid("email", "no person has this email"),
        other => other.into(),
    })?;
    if person.status != PersonStatus::Active {
        return Err(AppError::invalid("email", "this person has left the organization"));
    }
    let role = match role {
        Some(r) => r,
        None => match store.credential_by_email(&email).await {
            Ok(c) if c.person_id == person.id => c.role,
            Ok(_) | Err(StoreError::NotFound) => Role::Employee,
            Err(e) => return Err(e.into()),
        },
    };
    let password_hash = hash_password(password.to_string()).await?;
    store.set_password_hash(&Credential { org_id: org, person_id: person.id, role, password_hash, updated_at: Utc::now() }).await?;
    store.delete_sessions_of(org, person.id).await?;
    Ok((person, role))
}

/// Failed sign-ins remembered in memory, per email and per client address. Per
/// process: several instances behind a load balancer each allow [`MAX_FAILURES`].
/// An attempt reserves its place before the password is checked and gives it back
/// only if it succeeds (or never got checked), so parallel guesses count too.
#[derive(Debug)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<(Instant, u64)>>>,
    next_id: std::sync::atomic::AtomicU64,
    hash_wait: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::with_hash_wait(HASH_WAIT)
    }
}

/// A sign-in attempt's place in the rate limit, held while its password is checked.
#[derive(Debug)]
struct Reservation {
    keys: Vec<String>,
    id: u64,
}

impl LoginThrottle {
    /// A throttle whose sign-ins wait at most `hash_wait` for a hashing slot.
    pub fn with_hash_wait(hash_wait: Duration) -> Self {
        LoginThrottle { failures: Mutex::default(), next_id: std::sync::atomic::AtomicU64::new(0), hash_wait }
    }

    fn keys(email: &str, ip: Option<IpAddr>) -> Vec<String> {
        let mut k = vec![format!("email:{email}")];
        k.extend(ip.map(|ip| format!("ip:{ip}")));
        k
    }

    /// Count an attempt now, before its password is checked: `Err(wait)` when any key
    /// has used up its failures within the window. Checking and counting happen
    /// under one lock, so of N parallel attempts at most [`MAX_FAILURES`] get through.
    fn reserve(&self, keys: Vec<String>, now: Instant) -> Result<Reservation, Duration> {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait = Duration::ZERO;
        for k in &keys {
            if let Some(q) = map.get_mut(k) {
                while q.front().is_some_and(|(t, _)| now.duration_since(*t) >= THROTTLE_WINDOW) {
                    q.pop_front();
                }
                if q.len() >= MAX_FAILURES
                    && let Some((first, _)) = q.front()
                {
                    wait = wait.max(THROTTLE_WINDOW - now.duration_since(*first));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        // Bound memory under a spray of made-up emails: drop stale entries first.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|(t, _)| now.duration_since(*t) < THROTTLE_WINDOW));
        }
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for k in &keys {
            map.entry(k.clone()).or_default().push_back((now, id));
        }
        Ok(Reservation { keys, id })
    }

    /// Give a reserved place back: the attempt succeeded or was never checked.
    fn release(&self, r: &Reservation) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for k in &r.keys {
            if let Some(q) = map.get_mut(k) {
                q.retain(|(_, id)| *id != r.id);
                if q.is_empty() {
                    map.remove(k);
                }
            }
        }
    }

    fn forget(&self, key: &str) {
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }
}

/// Why a sign-in failed. `Invalid` never says whether the email or the password was wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the email or password is not right")]
    Invalid,
    #[error("too many failed sign-ins; try again in {} minutes", retry_after.as_secs().div_ceil(60))]
    Throttled { retry_after: Duration },
    /// Every password-checking slot stayed busy; nothing was checked or counted.
    #[error("the server is busy checking other sign-ins; try again in a few seconds")]
    Busy { retry_after: Duration },
    #[error(transparent)]
    App(#[from] AppError),
}

/// A new session: give `secret` to the browser (cookie), never store it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub viewer: Viewer,
    pub secret: String,
    pub expires_at: chrono::DateTime<Utc>,
}

/// Open a session for a person whose identity was checked (a password, or single
/// sign-on): the secret goes to the browser, its digest to the store.
pub async fn open_session(store: &dyn Store, org: OrgId, person: rungs_core::PersonId, role: Role) -> Result<SignedIn, AppError> {
    let secret = new_secret();
    let now = Utc::now();
    let record = SessionRecord { hash: digest(&secret), org_id: org, person_id: person, role, created_at: now, expires_at: now + SESSION_LIFETIME };
    store.create_session(&record).await?;
    let viewer = Viewer { org_id: org, person_id: Some(person), role, token_id: None };
    Ok(SignedIn { viewer, secret, expires_at: record.expires_at })
}

/// The sign-in role of a person: their credential's, or `employee` without one.
/// (Single sign-on and the chat command act with it; `rungs user set-password
/// --role` sets it.)
pub async fn role_of(store: &dyn Store, person: &Person) -> Result<Role, AppError> {
    match store.credential_by_email(&person.email).await {
        Ok(c) if c.org_id == person.org_id && c.person_id == person.id => Ok(c.role),
        Ok(_) | Err(StoreError::NotFound) => Ok(Role::Employee),
        Err(e) => Err(e.into()),
    }
}

/// Check an email and password and open a session.
pub async fn login(store: &dyn Store, throttle: &LoginThrottle, email: &str, password: &str, ip: Option<IpAddr>) -> Result<SignedIn, LoginError> {
    let email = email.trim().to_lowercase();
    let reservation = throttle.reserve(LoginThrottle::keys(&email, ip), Instant::now()).map_err(|retry_after| LoginError::Throttled { retry_after })?;
    match check(store, throttle.hash_wait, &email, password).await {
        Ok(Some(c)) => {
            throttle.release(&reservation);
            throttle.forget(&reservation.keys[0]);
            Ok(open_session(store, c.org_id, c.person_id, c.role).await?)
        }
        Ok(None) => {
            tracing::info!("failed sign-in");
            Err(LoginError::Invalid)
        }
        Err(e) => {
            // Nothing was checked: the attempt does not count against anyone.
            throttle.release(&reservation);
            Err(match e {
                hashing::HashError::Busy => LoginError::Busy { retry_after: Duration::from_secs(5) },
                hashing::HashError::App(e) => e.into(),
            })
        }
    }
}

/// The credential `email` and `password` sign in as, if they do and the person is
/// still active. An unknown email is checked against a dummy hash, so it takes as
/// long as a wrong password and the timing does not reveal who has an account.
async fn check(store: &dyn Store, wait: Duration, email: &str, password: &str) -> Result<Option<Credential>, hashing::HashError> {
    let app = hashing::HashError::App;
    let found = if password.len() > MAX_PASSWORD * 4 || email.len() > 254 {
        None
    } else {
        match store.credential_by_email(email).await {
            Ok(c) => Some(c),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(app(e.into())),
        }
    };
    let phc = match &found {
        Some(c) => c.password_hash.clone(),
        None => dummy_hash().await.map_err(app)?,
    };
    let ok = hashing::verify(password.to_string(), phc, wait).await?;
    match found {
        Some(c) if ok => {
            let active = store.person(c.org_id, c.person_id).await.map(|p| p.status == PersonStatus::Active).map_err(|e| app(e.into()))?;
            Ok(active.then_some(c))
        }
        _ => Ok(None),
    }
}

/// Resolve a session cookie to a viewer and their person record. Unknown, expired, malformed, or belonging to
/// someone who has left: `Unauthorized`, without saying which.
pub async fn session(store: &dyn Store, secret: &str) -> Result<(Viewer, Person), AppError> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Unauthorized);
    }
    let s = match store.session_by_hash(&digest(secret), Utc::now()).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(AppError::Unauthorized),
        Err(e) => return Err(e.into()),
    };
    let person = match store.person(s.org_id, s.person_id).await {
        Ok(p) if p.status == PersonStatus::Active => p,
        Ok(_) | Err(StoreError::NotFound) => return Err(AppError::Unauthorized),
        Err(e) => return Err(e.into()),
    };
    Ok((Viewer { org_id: s.org_id, person_id: Some(s.person_id), role: s.role, token_id: None }, person))
}

/// End the session with this cookie secret (sign-out). Unknown secrets are fine.
pub async fn logout(store: &dyn Store, secret: &str) -> Result<(), AppError> {
    Ok(store.delete_session(&digest(secret)).await?)
}

#[cfg(test)]
mod tests;
