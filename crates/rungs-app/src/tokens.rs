//! API tokens: random secrets shown once, stored only as SHA-256 digests.

use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

use rungs_core::person::Role;
use rungs_core::store::{Store, StoreError, TokenRecord, TokenScope};
use rungs_core::{OrgId, PersonId, TokenId};

use crate::access::{self, Action, Area, Relation, Subject, table};
use crate::{AppError, Viewer};

/// Prefix that makes a leaked token easy to recognise in logs and secret scanners.
pub const PREFIX: &str = "rungs_";

/// SHA-256 of a token secret. Tokens are 256 random bits, so a fast hash is enough:
/// there is nothing to brute-force.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

/// Create a token for `person` with `role`; returns the record and the secret, which
/// is never stored and cannot be shown again.
pub async fn create(store: &dyn Store, org: OrgId, person: PersonId, role: Role, label: &str) -> Result<(TokenRecord, String), AppError> {
    create_with_id(store, org, TokenId::new(), person, role, TokenScope::Api, label).await
}

/// Create a token on behalf of a viewer: people team only. `id` lets a caller derive
/// the id from an idempotency key, so a repeated request is detected without ever
/// storing the secret: a second request with the same id is a conflict.
pub async fn issue(
    store: &dyn Store,
    viewer: &Viewer,
    id: Option<TokenId>,
    person: PersonId,
    role: Role,
    label: &str,
) -> Result<(TokenRecord, String), AppError> {
    access::require(viewer.role, Action::Administer(Area::Tokens), "only the people team can create tokens")?;
    if let Some(id) = id
        && store.tokens(viewer.org_id, None).await?.iter().any(|t| t.id == id)
    {
        return Err(AppError::Conflict {
            field: "Idempotency-Key".into(),
            reason: format!("this key already created token {id}; its secret was shown once and is never stored, so it cannot be shown again"),
        });
    }
    create_with_id(store, viewer.org_id, id.unwrap_or_default(), person, role, TokenScope::Api, label).await
}

/// Create a SCIM provisioning token (people team). It opens `/scim/v2` only, where
/// it acts as the people team; `person` is who created it, for the audit trail.
/// Returns the record and the secret, shown once.
pub async fn issue_scim(store: &dyn Store, viewer: &Viewer, person: PersonId, label: &str) -> Result<(TokenRecord, String), AppError> {
    access::require(viewer.role, Action::Administer(Area::Scim), "only the people team can create SCIM tokens")?;
    create_with_id(store, viewer.org_id, TokenId::new(), person, Role::Admin, TokenScope::Scim, label).await
}

async fn create_with_id(
    store: &dyn Store,
    org: OrgId,
    id: TokenId,
    person: PersonId,
    role: Role,
    scope: TokenScope,
    label: &str,
) -> Result<(TokenRecord, String), AppError> {
    store.person(org, person).await.map_err(|e| match e {
        StoreError::NotFound => AppError::invalid("person_id", "no such person"),
        other => other.into(),
    })?;
    let label = rungs_core::text::parse_text("label", label, 100)?;
    let secret = generate();
    let record = TokenRecord { id, org_id: org, person_id: person, role, scope, label, hash: hash(&secret), created_at: Utc::now(), revoked_at: None };
    store.create_token(&record).await?;
    Ok((record, secret))
}

/// Resolve an API bearer secret to a viewer. Any failure is `Unauthorized`, saying
/// nothing about why; a SCIM token is refused here.
pub async fn authenticate(store: &dyn Store, secret: &str) -> Result<Viewer, AppError> {
    let t = token(store, secret, TokenScope::Api).await?;
    Ok(Viewer { org_id: t.org_id, person_id: Some(t.person_id), role: t.role, token_id: Some(t.id) })
}

/// Resolve a SCIM bearer secret to the viewer provisioning acts as: the people team,
/// with no person (the system records the events), the token named. An API token is
/// refused here.
pub async fn authenticate_scim(store: &dyn Store, secret: &str) -> Result<Viewer, AppError> {
    let t = token(store, secret, TokenScope::Scim).await?;
    Ok(Viewer { org_id: t.org_id, person_id: None, role: Role::Admin, token_id: Some(t.id) })
}

async fn token(store: &dyn Store, secret: &str, scope: TokenScope) -> Result<TokenRecord, AppError> {
    if !secret.starts_with(PREFIX) || secret.len() > 200 {
        return Err(AppError::Unauthorized);
    }
    match store.token_by_hash(&hash(secret)).await {
        Ok(t) if t.scope == scope => Ok(t),
        Ok(_) => Err(AppError::Unauthorized),
        Err(StoreError::NotFound) => Err(AppError::Unauthorized),
        Err(e) => Err(e.into()),
    }
}

/// Revoke a token: the people team any, anyone their own.
pub async fn revoke(store: &dyn Store, viewer: &Viewer, id: TokenId) -> Result<TokenRecord, AppError> {
    let own = store.tokens(viewer.org_id, viewer.person_id).await?.iter().any(|t| t.id == id);
    let rel = if own { Relation::Myself } else { Relation::Other };
    if !table::allowed(viewer.role, rel, Action::ManageToken, Subject::ACTIVE) {
        return Err(AppError::NotFound);
    }
    Ok(store.revoke_token(viewer.org_id, id, Utc::now()).await?)
}

/// Tokens the viewer may see: all for the people team, their own otherwise.
pub async fn list(store: &dyn Store, viewer: &Viewer) -> Result<Vec<TokenRecord>, AppError> {
    let anyone = table::allowed(viewer.role, Relation::Other, Action::ManageToken, Subject::ACTIVE);
    let person = if anyone { None } else { viewer.person_id };
    if person.is_none() && !anyone {
        return Ok(vec![]);
    }
    Ok(store.tokens(viewer.org_id, person).await?.into_iter().filter(|t| t.scope == TokenScope::Api).collect())
}

/// SCIM tokens, live and revoked (people team).
pub async fn list_scim(store: &dyn Store, viewer: &Viewer) -> Result<Vec<TokenRecord>, AppError> {
    access::require(viewer.role, Action::Administer(Area::Scim), "only the people team manages SCIM tokens")?;
    Ok(store.tokens(viewer.org_id, None).await?.into_iter().filter(|t| t.scope == TokenScope::Scim).collect())
}

/// Revoke a SCIM token (people team); an API token's id is not found here.
pub async fn revoke_scim(store: &dyn Store, viewer: &Viewer, id: TokenId) -> Result<TokenRecord, AppError> {
    if !list_scim(store, viewer).await?.iter().any(|t| t.id == id) {
        return Err(AppError::NotFound);
    }
    Ok(store.revoke_token(viewer.org_id, id, Utc::now()).await?)
}
