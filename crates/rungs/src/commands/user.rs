//! `rungs user set-password`: give a person a web password; `rungs user invite`:
//! send them a one-time link to choose one; `rungs user link-sso` / `unlink-sso`:
//! link their single sign-on account; `rungs user sign-ins`: how they sign in.

use std::io::{IsTerminal, Read};

use anyhow::Context;
use rungs_core::person::Role;

use super::{open_store, the_org};

pub async fn set_password(db: &str, email: &str, role: Option<Role>) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    // Piped input is the password (first line); a terminal or empty input means
    // "generate one", so nothing secret has to be typed into shell history.
    let mut typed = String::new();
    if !stdin.is_terminal() {
        stdin.lock().read_to_string(&mut typed).context("cannot read the password from standard input")?;
    }
    let typed = typed.lines().next().unwrap_or("").to_string();
    let generated = typed.is_empty();
    let password = if generated { rungs_app::accounts::generate_password() } else { typed };
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let (person, role) = rungs_app::accounts::set_password(store.as_ref(), org.id, email, role, &password).await?;
    println!("Password set for {} <{}> (role {}); their other sessions were signed out.", person.name, person.email, role.as_str());
    if generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

/// Invite each person (by email address) as the system: emailed with SMTP, else
/// the link printed once.
pub async fn invite(db: &str, email: &crate::cli::EmailArgs, people: &[String]) -> anyhow::Result<()> {
    let mailer = email.mailer()?;
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let system = rungs_app::Viewer::system(org.id);
    for address in people {
        let person = super::person_by_email(store.as_ref(), org.id, address).await?;
        let sent = rungs_app::notifications::invites::send(store.as_ref(), &system, person.id, mailer.as_ref(), chrono::Utc::now()).await?;
        let until = sent.invite.expires_at.format("%Y-%m-%d %H:%M UTC");
        if sent.emailed {
            println!("Invited {} <{}> by email (the link works once, until {until}).", person.name, person.email);
        } else {
            println!(
                "Invite for {} <{}> (works once, until {until}; shown once):\n{}{}",
                person.name,
                person.email,
                email.base_url().trim_end_matches('/'),
                sent.path
            );
        }
    }
    Ok(())
}

/// Link `email`'s account `subject` at `issuer`, as the system (the people team's right).
pub async fn link_sso(db: &str, email: &str, issuer: &str, subject: &str) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let person = super::person_by_email(store.as_ref(), org.id, email).await?;
    let system = rungs_app::Viewer::system(org.id);
    let link = rungs_app::sign_ins::link_sso(store.as_ref(), &system, person.id, issuer, subject, chrono::Utc::now()).await?;
    println!("Linked {} <{}> to the account '{}' at {}: signing in there signs them in here.", person.name, person.email, link.subject, link.issuer);
    Ok(())
}

pub async fn unlink_sso(db: &str, email: &str, issuer: &str, subject: &str) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let person = super::person_by_email(store.as_ref(), org.id, email).await?;
    let system = rungs_app::Viewer::system(org.id);
    match rungs_app::sign_ins::unlink_sso(store.as_ref(), &system, person.id, issuer, subject.trim()).await {
        Err(rungs_app::AppError::NotFound) => anyhow::bail!("{} <{}> has no account '{}' at {issuer}", person.name, person.email, subject.trim()),
        other => other?,
    }
    println!("Unlinked the account '{}' at {issuer} from {} <{}>; their open sessions were ended.", subject.trim(), person.name, person.email);
    Ok(())
}

pub async fn sign_ins(db: &str, email: &str) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let person = super::person_by_email(store.as_ref(), org.id, email).await?;
    let system = rungs_app::Viewer::system(org.id);
    let s = rungs_app::sign_ins::of_person(store.as_ref(), &system, person.id, chrono::Utc::now()).await?;
    println!("{} <{}>", person.name, person.email);
    if s.none() {
        println!("  no sign-in yet (on the ledger all the same)");
    }
    if let Some(role) = s.password {
        println!("  password (role {})", role.as_str());
    }
    for l in &s.sso {
        println!("  single sign-on: '{}' at {} (linked {})", l.subject, l.issuer, l.created_at.format("%Y-%m-%d"));
    }
    for i in &s.open_invites {
        println!("  invite open until {}", i.expires_at.format("%Y-%m-%d %H:%M UTC"));
    }
    Ok(())
}
