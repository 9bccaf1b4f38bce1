//! Who validated ID-token claims are, and the Rungs session that follows:
//! 1. the account's stored link (issuer, `sub`) names the person;
//! 2. else a *verified* email of an active person in the organization: the link is
//!    stored, so later sign-ins no longer depend on the email;
//! 3. else, with just-in-time provisioning on and a verified email, a new person is
//!    hired through the people use case (a `hired` event on the ledger, at the
//!    framework's first track and its first level) and linked.
//!
//! The role is the person's sign-in role ([`crate::accounts::role_of`]): the provider
//! says who someone is, Rungs decides what they may do.

use chrono::Utc;
use rungs_core::OrgId;
use rungs_core::person::{Person, PersonStatus};
use rungs_core::session_store::SsoLink;
use rungs_core::store::{Store, StoreError};

use super::IdClaims;
use crate::accounts::{self, SignedIn};
use crate::{AppError, Viewer};

/// Why a validated identity does not sign in. Words for the person; never reveals
/// more than the provider already told them.
#[derive(Debug, thiserror::Error)]
pub enum SsoSignInError {
    #[error("no Rungs account has the email {0}; ask your people team to add you")]
    NoAccount(String),
    #[error("your identity provider did not confirm an email address for this account, so it cannot be matched to a Rungs account")]
    UnverifiedEmail,
    #[error("this account has left the organization")]
    Departed,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for SsoSignInError {
    fn from(e: StoreError) -> Self {
        SsoSignInError::App(e.into())
    }
}

/// Sign the holder of `claims` in to the organization `org`; `jit` allows creating them.
pub async fn sign_in(store: &dyn Store, org: OrgId, claims: &IdClaims, jit: bool) -> Result<SignedIn, SsoSignInError> {
    let person = match store.sso_link(&claims.issuer, &claims.subject).await {
        Ok(link) => store.person(link.org_id, link.person_id).await?,
        Err(StoreError::NotFound) => {
            let person = match_or_provision(store, org, claims, jit).await?;
            let link =
                SsoLink { issuer: claims.issuer.clone(), subject: claims.subject.clone(), org_id: person.org_id, person_id: person.id, created_at: Utc::now() };
            match store.link_sso(&link).await {
                // A concurrent first sign-in of the same account linked it: use that link.
                Ok(()) | Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let link = store.sso_link(&claims.issuer, &claims.subject).await?;
            store.person(link.org_id, link.person_id).await?
        }
        Err(e) => return Err(e.into()),
    };
    if person.status != PersonStatus::Active {
        return Err(SsoSignInError::Departed);
    }
    let role = accounts::role_of(store, &person).await?;
    tracing::info!(person = %person.id, "signed in through single sign-on");
    Ok(accounts::open_session(store, person.org_id, person.id, role).await?)
}

async fn match_or_provision(store: &dyn Store, org: OrgId, claims: &IdClaims, jit: bool) -> Result<Person, SsoSignInError> {
    let (Some(email), true) = (claims.email.as_deref(), claims.email_verified) else {
        return Err(SsoSignInError::UnverifiedEmail);
    };
    let email = rungs_core::text::parse_email("email", email).map_err(|e| SsoSignInError::App(e.into()))?;
    match store.person_by_email(org, &email).await {
        Ok(p) => return Ok(p),
        Err(StoreError::NotFound) if jit => {}
        Err(StoreError::NotFound) => return Err(SsoSignInError::NoAccount(email)),
        Err(e) => return Err(e.into()),
    }
    let framework = store.framework(org).await?;
    let (track, level) = framework
        .tracks
        .iter()
        .find_map(|t| t.levels.first().map(|l| (t, l)))
        .ok_or_else(|| AppError::internal("just-in-time provisioning needs a framework with at least one track and level"))?;
    let name = claims.name.clone().unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
    let hire = serde_json::json!({
        "name": name,
        "email": email,
        "position": {"track": track.key, "level": level.key, "title": level.title},
    });
    let person = crate::people::create(store, &Viewer::system(org), hire, None, None).await?;
    tracing::info!(person = %person.id, "provisioned just in time by single sign-on");
    Ok(person)
}
