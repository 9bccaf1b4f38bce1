//! `rungs user set-password`: give a person a web password.

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
