//! Invites (docs/NOTIFICATIONS.md): the people team sends a person a one-time
//! sign-in link; the person chooses a password there and is signed in. The link's
//! token is 32 random bytes; only its SHA-256 is stored. It expires after
//! [`VALID_FOR_DAYS`] and works once: the store marks it used with one conditional
//! update, so a second use (or two at once) fails. A new invite does not revoke an
//! older one still valid: each works once until it expires.

use chrono::{DateTime, Utc};
use minijinja::context;
use rand::RngCore;
use rungs_core::PersonId;
use rungs_core::notifications::{Invite, InviteRefusal};
use rungs_core::person::{Person, PersonStatus};
use rungs_core::store::Store;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::mail::Mailer;
use crate::access::{Action, require};
use crate::{AppError, Viewer};

pub const VALID_FOR_DAYS: i64 = 7;

/// A sent invite: the link is shown to the sender only when no email went out.
#[derive(Debug, Clone)]
pub struct Sent {
    pub invite: Invite,
    pub person: Person,
    /// The path of the sign-in link (`/invite/<token>`); secret, shown once.
    pub path: String,
    pub emailed: bool,
}

pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Invite `person`: a new link, emailed when a mailer is configured.
pub async fn send(store: &dyn Store, viewer: &Viewer, person: PersonId, mailer: Option<&Mailer>, now: DateTime<Utc>) -> Result<Sent, AppError> {
    require(viewer.role, Action::Invite, "only the people team sends invites")?;
    let p = store.person(viewer.org_id, person).await?;
    if p.status != PersonStatus::Active {
        return Err(AppError::invalid("person", "has left the organization: nobody to invite"));
    }
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let token = hex::encode(random);
    let invite = Invite {
        id: Uuid::now_v7(),
        org_id: viewer.org_id,
        person,
        token_hash: hash(&token),
        created_by: viewer.person_id,
        created_at: now,
        expires_at: now + chrono::Duration::days(VALID_FOR_DAYS),
        used_at: None,
    };
    store.create_invite(&invite).await?;
    let path = format!("/invite/{token}");
    let emailed = match mailer {
        Some(m) => {
            let org = store.org(viewer.org_id).await?;
            let ctx =
                context! { name => p.name, org => org.name, link => m.link(&path), expires => invite.expires_at.format("%-d %B %Y at %H:%M UTC").to_string() };
            let (text, html) = super::mail::render("invite", &ctx)?;
            m.send(&p, &format!("{}: your invitation to Rungs", org.name), text, html)
                .await
                .map_err(|e| AppError::Unavailable { reason: format!("the invite email was not sent: {e}"), source: None })?;
            true
        }
        None => false,
    };
    Ok(Sent { invite, person: p, path, emailed })
}

/// Use an invite link: set the password; the person, for the caller to sign in.
/// The password is checked before the link is used up.
pub async fn redeem(store: &dyn Store, token: &str, password: &str, now: DateTime<Utc>) -> Result<Person, AppError> {
    crate::accounts::check_password(password)?;
    let invite = match store.redeem_invite(&hash(token), now).await? {
        Ok(i) => i,
        Err(InviteRefusal::Unknown) => return Err(AppError::invalid("token", "this invite link is not valid")),
        Err(InviteRefusal::Used) => return Err(AppError::invalid("token", "this invite link was already used: sign in, or ask for a new one")),
        Err(InviteRefusal::Expired) => return Err(AppError::invalid("token", "this invite link has expired: ask your people team for a new one")),
    };
    let p = store.person(invite.org_id, invite.person).await?;
    let (person, _) = crate::accounts::set_password(store, invite.org_id, &p.email, None, password).await?;
    Ok(person)
}

/// A person's invites, for the person page (the people team's).
pub async fn of_person(store: &dyn Store, viewer: &Viewer, person: PersonId) -> Result<Vec<Invite>, AppError> {
    require(viewer.role, Action::Invite, "only the people team sends invites")?;
    Ok(store.invites(viewer.org_id, person).await?)
}
