//! How a person signs in, and attaching a sign-in to someone who has none. People
//! can be on the ledger without one (provisioned through SCIM, imported from a CSV):
//! they receive recognition and earn milestones all the same. The people team
//! attaches a sign-in later, by an invite (a one-time link to choose a password,
//! [`crate::notifications::invites`]) or by linking the person's account at the
//! single sign-on provider (its `sub`), so their first SSO sign-in needs no matching
//! email. Who may do this is the access table's row [`Action::AttachSignIn`].

use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use rungs_core::notifications::Invite;
use rungs_core::person::{Person, PersonStatus, Role};
use rungs_core::session_store::SsoLink;
use rungs_core::store::{Store, StoreError};

use crate::access::{Action, require};
use crate::{AppError, Viewer};

/// The longest provider subject accepted (OIDC Core 2: `sub` is at most 255 ASCII
/// characters).
pub const MAX_SUBJECT: usize = 255;

const ONLY_PEOPLE_TEAM: &str = "only the people team sees and attaches sign-ins";

/// How a person signs in.
#[derive(Debug, Clone)]
pub struct SignIns {
    pub person: Person,
    /// The role of their password sign-in, when they have a password.
    pub password: Option<Role>,
    /// Their accounts at single sign-on providers.
    pub sso: Vec<SsoLink>,
    /// Invites sent and still usable (not used, not expired).
    pub open_invites: Vec<Invite>,
}

impl SignIns {
    /// Nothing signs this person in yet (an open invite is a way to get one, not one).
    pub fn none(&self) -> bool {
        self.password.is_none() && self.sso.is_empty()
    }
}

/// How `person` signs in (people team only).
pub async fn of_person(store: &dyn Store, viewer: &Viewer, person: PersonId, now: DateTime<Utc>) -> Result<SignIns, AppError> {
    require(viewer.role, Action::AttachSignIn, ONLY_PEOPLE_TEAM)?;
    let p = store.person(viewer.org_id, person).await?;
    let password = match store.credential_by_email(&p.email).await {
        Ok(c) if c.org_id == p.org_id && c.person_id == p.id => Some(c.role),
        Ok(_) | Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let sso = store.sso_links_of(viewer.org_id, person).await?;
    let open_invites = store.invites(viewer.org_id, person).await?.into_iter().filter(|i| i.used_at.is_none() && i.expires_at > now).collect();
    Ok(SignIns { person: p, password, sso, open_invites })
}

fn subject(s: &str) -> Result<String, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(AppError::invalid("subject", "is required: the person's account id at the provider (the `sub` claim)"));
    }
    if s.chars().count() > MAX_SUBJECT || s.chars().any(char::is_control) {
        return Err(AppError::invalid("subject", format!("must be at most {MAX_SUBJECT} characters, without control characters")));
    }
    Ok(s.to_string())
}

/// Link the account `subject` at the provider `issuer` to `person`: from then on,
/// signing in there signs them in here. The person must be active; an account
/// already linked (to them or anyone) is a conflict naming who has it.
pub async fn link_sso(store: &dyn Store, viewer: &Viewer, person: PersonId, issuer: &str, subject_id: &str, now: DateTime<Utc>) -> Result<SsoLink, AppError> {
    require(viewer.role, Action::AttachSignIn, ONLY_PEOPLE_TEAM)?;
    let issuer = issuer.trim();
    if issuer.is_empty() {
        return Err(AppError::invalid("issuer", "single sign-on is not set up on this server (--oidc-issuer)"));
    }
    let subject = subject(subject_id)?;
    let p = store.person(viewer.org_id, person).await?;
    if p.status != PersonStatus::Active {
        return Err(AppError::invalid("person", "has left the organization: nobody to sign in"));
    }
    let link = SsoLink { issuer: issuer.to_string(), subject: subject.clone(), org_id: viewer.org_id, person_id: person, created_at: now };
    match store.link_sso(&link).await {
        Ok(()) => Ok(link),
        Err(StoreError::Conflict { .. }) => {
            let holder = store.sso_link(issuer, &subject).await?;
            let who = match store.person(holder.org_id, holder.person_id).await {
                Ok(h) if h.org_id == viewer.org_id && h.id == person => "this person".to_string(),
                Ok(h) if h.org_id == viewer.org_id => h.name,
                _ => "someone else".to_string(),
            };
            Err(AppError::Conflict { field: "subject".into(), reason: format!("this account is already linked to {who}") })
        }
        Err(e) => Err(e.into()),
    }
}

/// Unlink one of `person`'s provider accounts. Their sessions end too: a link made by
/// mistake may have signed the wrong person in as them.
pub async fn unlink_sso(store: &dyn Store, viewer: &Viewer, person: PersonId, issuer: &str, subject: &str) -> Result<(), AppError> {
    require(viewer.role, Action::AttachSignIn, ONLY_PEOPLE_TEAM)?;
    store.person(viewer.org_id, person).await?;
    store.unlink_sso(viewer.org_id, person, issuer, subject).await?;
    store.delete_sessions_of(viewer.org_id, person).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn setup() -> (Arc<dyn Store>, tempfile::TempDir, Viewer, PersonId) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("t.db")).await.unwrap());
        let init = crate::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.unwrap();
        let admin = Viewer::system(init.org.id);
        let hire =
            serde_json::json!({"name": "Noa Account", "email": "noa@example.com", "position": {"track": "engineering", "level": "e2", "title": "Engineer"}});
        let p = crate::people::create(store.as_ref(), &admin, hire, None, None).await.unwrap();
        (store, dir, admin, p.id)
    }

    #[tokio::test]
    async fn a_person_without_a_sign_in_gets_an_sso_account_linked_once_by_the_people_team() {
        let (store, _dir, admin, noa) = setup().await;
        let s = store.as_ref();
        let now = Utc::now();
        let before = of_person(s, &admin, noa, now).await.unwrap();
        assert!(before.none() && before.open_invites.is_empty());
        // Nobody but the people team.
        let boss = Viewer { role: Role::Manager, person_id: Some(noa), ..admin.clone() };
        assert!(matches!(link_sso(s, &boss, noa, "https://idp", "noa-1", now).await, Err(AppError::Forbidden(_))));
        assert!(matches!(of_person(s, &boss, noa, now).await, Err(AppError::Forbidden(_))));
        // Refused without a provider or a subject.
        assert!(matches!(link_sso(s, &admin, noa, " ", "noa-1", now).await, Err(AppError::Invalid(_))));
        assert!(matches!(link_sso(s, &admin, noa, "https://idp", "  ", now).await, Err(AppError::Invalid(_))));
        link_sso(s, &admin, noa, "https://idp", " noa-1 ", now).await.unwrap();
        let after = of_person(s, &admin, noa, now).await.unwrap();
        assert!(!after.none());
        assert_eq!(after.sso.iter().map(|l| l.subject.as_str()).collect::<Vec<_>>(), ["noa-1"]);
        // The same account again is a conflict that says who has it.
        let again = link_sso(s, &admin, noa, "https://idp", "noa-1", now).await.unwrap_err();
        assert!(matches!(&again, AppError::Conflict { reason, .. } if reason.ends_with("linked to this person")), "{again:?}");
        // An invite counts as open until used; it is not a sign-in.
        crate::notifications::invites::send(s, &admin, noa, None, now).await.unwrap();
        assert_eq!(of_person(s, &admin, noa, now).await.unwrap().open_invites.len(), 1);
        // Unlinking: gone, and a second time is NotFound.
        unlink_sso(s, &admin, noa, "https://idp", "noa-1").await.unwrap();
        assert!(of_person(s, &admin, noa, now).await.unwrap().none());
        assert!(matches!(unlink_sso(s, &admin, noa, "https://idp", "noa-1").await, Err(AppError::NotFound)));
    }
}
