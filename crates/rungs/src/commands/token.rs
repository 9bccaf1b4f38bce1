//! `rungs token create|revoke|list`.

use anyhow::Context;
use rungs_core::person::Role;
use rungs_core::store::StoreError;

use super::{open_store, person_by_email, the_org};
use crate::cli::ScopeArg;

pub async fn create(db: &str, email: &str, role: Option<Role>, scope: ScopeArg, label: &str) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let person = person_by_email(store.as_ref(), org.id, email).await?;
    let (record, secret) = match (scope, role) {
        (ScopeArg::Scim, _) => rungs_app::tokens::issue_scim(store.as_ref(), &rungs_app::Viewer::system(org.id), person.id, label).await?,
        (ScopeArg::Api, Some(role)) => rungs_app::tokens::create(store.as_ref(), org.id, person.id, role, label).await?,
        (ScopeArg::Api, None) => anyhow::bail!("--role is required for an API token (employee, manager or admin)"),
    };
    eprintln!("{} token {} created by {} <{}> as {}", record.scope.as_str(), record.id, person.name, person.email, record.role.as_str());
    println!("{secret}");
    Ok(())
}

pub async fn revoke(db: &str, id: &str) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let id = id.parse().context("the token id must be a UUID")?;
    let t = store.revoke_token(org.id, id, chrono::Utc::now()).await.map_err(|e| match e {
        StoreError::NotFound => anyhow::anyhow!("no token with id {id}"),
        other => other.into(),
    })?;
    println!("revoked token {} ({})", t.id, t.label);
    Ok(())
}

pub async fn list(db: &str) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    for t in store.tokens(org.id, None).await? {
        let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
        println!("{}\t{}\t{}\t{}\t{}\t{}", t.id, t.person_id, t.scope.as_str(), t.role.as_str(), state, t.label);
    }
    Ok(())
}
