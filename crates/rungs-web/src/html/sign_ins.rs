//! The sign-in section of a person's page (people team): how they sign in, and
//! attaching one to someone who has none. An invite is `POST /people/{id}/invite`
//! ([`super::invites`]); linking their single sign-on account is
//! `POST /people/{id}/sso-links`, unlinking `POST /people/{id}/sso-links/remove`.
//! Who may is `rungs_app::sign_ins` (the access table's `AttachSignIn` row).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::sign_ins::{self, SignIns};
use rungs_core::PersonId;
use serde::Deserialize;

use super::{HtmlError, flash};
use crate::AppState;
use crate::extract::Session;

/// The section's context: `None` when the viewer may not see it (or it is their own page).
pub async fn section(state: &AppState, s: &Session, person: PersonId) -> Result<Option<minijinja::Value>, HtmlError> {
    let caps = rungs_app::access::Capabilities::of(s.viewer.role);
    if !caps.attach_sign_in || Some(person) == s.viewer.person_id {
        return Ok(None);
    }
    let SignIns { person: p, password, sso, open_invites } = sign_ins::of_person(state.store.as_ref(), &s.viewer, person, Utc::now()).await?;
    let none = password.is_none() && sso.is_empty();
    let provider = state.sso.as_ref().map(|p| (p.config.issuer.clone(), p.config.display_name.clone()));
    let links: Vec<_> =
        sso.iter().map(|l| minijinja::context! { issuer => l.issuer, subject => l.subject, since => l.created_at.format("%-d %b %Y").to_string() }).collect();
    let until = open_invites.iter().map(|i| i.expires_at).max().map(|t| t.format("%-d %b %Y").to_string());
    Ok(Some(minijinja::context! {
        none,
        active => p.status == rungs_core::person::PersonStatus::Active,
        password => password.map(|r| r.as_str()),
        links,
        invite_until => until,
        provider => provider.as_ref().map(|(_, name)| name.clone()),
        issuer => provider.map(|(issuer, _)| issuer),
    }))
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject: String,
    /// For unlinking: the provider the account is at (a link made under an earlier
    /// issuer can still be removed).
    #[serde(default)]
    issuer: String,
}

fn back(id: PersonId) -> String {
    format!("/people/{id}/timeline#signin-h")
}

/// Link the person's account at the configured provider.
pub async fn link(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<LinkForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let id: PersonId = super::path_id(&id)?;
    let Some(provider) = state.sso.as_ref() else {
        return Err(AppError::invalid("issuer", "single sign-on is not set up on this server").into());
    };
    let result = sign_ins::link_sso(state.store.as_ref(), &s.viewer, id, &provider.config.issuer, &f.subject, Utc::now()).await;
    let msg = match result {
        Ok(l) => format!("Linked: signing in with {} as {} now signs this person in.", provider.config.display_name, l.subject),
        // A wrong or taken id is said on the page, next to the form, not as an error page.
        Err(AppError::Invalid(v)) => format!("Not linked: {}.", v.errors.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("; ")),
        Err(AppError::Conflict { reason, .. }) => format!("Not linked: {reason}."),
        Err(e) => return Err(e.into()),
    };
    Ok(flash::see_other_with(&back(id), &msg, &headers))
}

/// Unlink one of the person's provider accounts (their sessions end).
pub async fn unlink(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<LinkForm>,
) -> Result<Response, HtmlError> {
    s.check_csrf(&f.csrf)?;
    let id: PersonId = super::path_id(&id)?;
    sign_ins::unlink_sso(state.store.as_ref(), &s.viewer, id, &f.issuer, &f.subject).await?;
    let msg = format!("Unlinked {}: that account no longer signs this person in, and their open sessions were ended.", f.subject);
    Ok(flash::see_other_with(&back(id), &msg, &headers))
}
