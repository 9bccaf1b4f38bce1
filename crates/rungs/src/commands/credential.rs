//! `rungs credential issue|list|revoke|verify` (docs/CREDENTIALS.md): the operator
//! issues, lists and revokes as the organization; verify checks a file against this
//! issuer's keys and status lists.

use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::Utc;
use rungs_app::Viewer;
use rungs_app::credentials::issuing::{base_url, issue, source_of};
use rungs_app::credentials::{holder, public};
use rungs_core::credentials::IssuedCredential;

use super::{issuer, open_store, person_by_email, the_org};
use crate::cli::{CredentialAction, CredentialArgs};

fn line(base: &str, c: &IssuedCredential) -> String {
    let state = match (&c.revoked_at, &c.revoke_reason) {
        (Some(at), reason) => format!("revoked {} ({})", at.date_naive(), reason.as_deref().unwrap_or_default()),
        (None, _) => "valid".into(),
    };
    format!("{}  {:<15} {:<40} {}  {base}/credentials/{}", c.id, c.source.as_str(), c.name, state, c.id)
}

/// `rungs credential rotate-key`: the key file only (no database needed); the
/// server picks the new key up when it starts.
fn rotate_key(args: &CredentialArgs) -> anyhow::Result<ExitCode> {
    let path = issuer::key_path(&args.db.db, args.issuer.issuer_key.as_deref());
    let mut keys = rungs_app::credentials::IssuerKeys::load(&path).with_context(|| format!("the issuer key file {}", path.display()))?;
    let before = keys.current_fragment().to_string();
    keys.rotate();
    keys.save(&path)?;
    println!("{}: {} now signs ({} keys; {before} and older still verify what they signed)", path.display(), keys.current_fragment(), keys.len());
    eprintln!("Restart `rungs serve` so it signs with the new key; its DID document lists every key.");
    Ok(ExitCode::SUCCESS)
}

fn explain(e: rungs_app::AppError) -> anyhow::Error {
    if let rungs_app::AppError::Invalid(v) = &e {
        let what: Vec<String> = v.errors.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect();
        return anyhow::anyhow!("{}", what.join("; "));
    }
    e.into()
}

pub async fn run(action: CredentialAction) -> anyhow::Result<ExitCode> {
    let args: &CredentialArgs = match &action {
        CredentialAction::Issue { args, .. }
        | CredentialAction::List { args, .. }
        | CredentialAction::Revoke { args, .. }
        | CredentialAction::Verify { args, .. } => args,
        CredentialAction::RotateKey { args } => return rotate_key(args),
    };
    let issuer = issuer::load(&args.db.db, &args.issuer, args.public_url.as_deref())?;
    let store = open_store(&args.db.db).await?;
    let s = store.as_ref();
    let org = the_org(s).await?;
    let base = base_url(&issuer);
    match action {
        CredentialAction::Issue { email, event, .. } => {
            let person = person_by_email(s, org.id, &email).await?;
            let now = Utc::now();
            let events = match event {
                Some(raw) => {
                    let id = raw.trim().parse().with_context(|| format!("'{raw}' is not an event id"))?;
                    let e = s.event(org.id, id).await.map_err(|e| anyhow::anyhow!("event {raw}: {e}"))?;
                    if e.subject != person.id {
                        bail!("event {raw} is not about {email}");
                    }
                    vec![e]
                }
                None => s.subject_events(org.id, person.id).await?.into_iter().filter(|e| source_of(&e.body).is_some()).collect(),
            };
            let reversed = s.reversed_ids(org.id, person.id).await?;
            let mut n = 0;
            for e in events.iter().filter(|e| !reversed.contains(&e.id)) {
                let c = issue(s, &issuer, org.id, e, now).await.map_err(explain)?;
                println!("{}", line(&base, &c));
                n += 1;
            }
            eprintln!("{n} credentials for {email} (issued once each; a repeat lists the same)");
        }
        CredentialAction::List { email, json, .. } => {
            let items = match email {
                Some(email) => {
                    let person = person_by_email(s, org.id, &email).await?;
                    s.credentials_of(org.id, person.id).await?
                }
                None => holder::all(s, &Viewer::system(org.id), None, holder::MAX_PAGE).await?,
            };
            if json {
                let docs: Vec<_> = items.iter().map(|c| &c.document).collect();
                println!("{}", serde_json::to_string_pretty(&docs)?);
            } else {
                for c in &items {
                    println!("{}", line(&base, c));
                }
            }
        }
        CredentialAction::Revoke { id, reason, .. } => {
            let id = id.trim().parse().with_context(|| format!("'{id}' is not a credential id"))?;
            let c = holder::revoke(s, &Viewer::system(org.id), id, &reason).await.map_err(explain)?;
            println!("{}", line(&base, &c));
        }
        CredentialAction::Verify { file, json, .. } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let doc = public::parse_upload(&bytes, &file.display().to_string()).map_err(explain)?;
            let v = public::verify(s, &issuer, &doc, Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{}", if v.valid { "VALID" } else { "NOT VALID" });
                for (label, c) in [("signature", &v.signature), ("schema", &v.schema), ("status", &v.status), ("dates", &v.dates)] {
                    println!("  {label:<10} {}  {}", if c.ok { "ok  " } else { "FAIL" }, c.detail);
                }
            }
            if !v.valid {
                return Ok(ExitCode::from(1));
            }
        }
        CredentialAction::RotateKey { args } => return rotate_key(&args),
    }
    Ok(ExitCode::SUCCESS)
}
