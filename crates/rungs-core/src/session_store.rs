//! Storage of sign-in credentials and browser sessions: a capability of every
//! [`Store`](crate::store::Store) backend, kept as its own small trait so a backend
//! implements it in one place. Secrets never reach the store: passwords arrive as
//! argon2 PHC strings and sessions as the SHA-256 of their 256-bit secret.

use chrono::{DateTime, Utc};

use crate::person::Role;
use crate::store::StoreResult;
use crate::{OrgId, PersonId};

/// A person's password credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub org_id: OrgId,
    pub person_id: PersonId,
    /// What signing in with this password lets the person do.
    pub role: Role,
    /// The argon2 hash in PHC string format (`$argon2id$v=19$...`), salt included.
    pub password_hash: String,
    pub updated_at: DateTime<Utc>,
}

/// A signed-in browser session. The cookie holds the secret; the store only its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the session secret.
    pub hash: [u8; 32],
    pub org_id: OrgId,
    pub person_id: PersonId,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// After this instant the session is refused (absolute lifetime, no sliding).
    pub expires_at: DateTime<Utc>,
}

/// An identity-provider account linked to a person (OIDC single sign-on): the
/// provider's issuer URL and its stable subject identifier (`sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoLink {
    pub issuer: String,
    pub subject: String,
    pub org_id: OrgId,
    pub person_id: PersonId,
    pub created_at: DateTime<Utc>,
}

/// Credentials and sessions. Implemented by every backend beside [`crate::store::Store`]
/// (which requires it), and run through the same conformance suite.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Set (insert or replace) the password hash and role of a person.
    async fn set_password_hash(&self, credential: &Credential) -> StoreResult<()>;
    /// The credential of the person whose *current* email (people projection) is
    /// `email` (already lower-cased). `NotFound` when there is no such person or they
    /// have no password. Searches every organization: emails sign people in.
    async fn credential_by_email(&self, email: &str) -> StoreResult<Credential>;
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session with this digest if it has not expired at `now`; else `NotFound`.
    async fn session_by_hash(&self, hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<SessionRecord>;
    /// Delete one session (sign-out). Deleting an unknown session is not an error.
    async fn delete_session(&self, hash: &[u8; 32]) -> StoreResult<()>;
    /// Delete every session of a person (their password changed). Returns how many.
    async fn delete_sessions_of(&self, org: OrgId, person: PersonId) -> StoreResult<u64>;
    /// Link an identity-provider account to a person. Once per (issuer, subject):
    /// linking an account that is already linked is `Conflict` (the first link stands).
    async fn link_sso(&self, link: &SsoLink) -> StoreResult<()>;
    /// The link of this provider account; `NotFound` when there is none.
    async fn sso_link(&self, issuer: &str, subject: &str) -> StoreResult<SsoLink>;
    /// The provider accounts linked to a person, oldest first.
    async fn sso_links_of(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<SsoLink>>;
    /// Remove the link of this provider account from a person of `org`; `NotFound`
    /// when that person has no such link.
    async fn unlink_sso(&self, org: OrgId, person: PersonId, issuer: &str, subject: &str) -> StoreResult<()>;
}
