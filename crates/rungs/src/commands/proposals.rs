//! `rungs proposals list|propose|decide` and `rungs routes list|save`: proposals and
//! approval routes from the command line (docs/WORKFLOWS.md), through the same use
//! cases as `/api/v1/proposals` and `/api/v1/routes`. `propose` and `decide` act as
//! the person named by `--as`, with the role of their sign-in account (employee
//! without one), so the access table and the route decide exactly as for the API;
//! `list` and `routes` read as the people team; `routes save` acts as it.

use anyhow::Context;
use clap::Subcommand;
use rungs_app::Viewer;
use rungs_core::person::Role;
use rungs_core::proposal::{Proposal, ProposalInput, ProposalQuery, ProposalStatus, Route};
use rungs_core::store::Store;

use super::{open_store, person_by_email, the_org};
use crate::cli::DbArgs;

#[derive(Debug, Subcommand)]
pub enum ProposalsAction {
    /// List proposals, newest first: id, kind, status, subject, where it waits,
    /// effective date (tab-separated), or as JSON. Pay changes' amounts are printed:
    /// this reads as the people team.
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Only this person's (work email).
        #[arg(long)]
        subject: Option<String>,
        /// pending, approved, rejected, withdrawn or effective.
        #[arg(long)]
        status: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Propose, as `--as`, from a JSON file: the body of `POST /api/v1/proposals`;
    /// `--subject EMAIL` fills in (or replaces) its `subject`.
    Propose {
        #[command(flatten)]
        db: DbArgs,
        /// The proposer's work email.
        #[arg(long = "as")]
        actor: String,
        /// The person it is about (work email), instead of the file's `subject` id.
        #[arg(long)]
        subject: Option<String>,
        /// The proposal (JSON).
        #[arg(long)]
        file: std::path::PathBuf,
        /// Print JSON instead of a line.
        #[arg(long)]
        json: bool,
    },
    /// Approve or reject the step a proposal waits on, as `--as` (an approver of the
    /// step, or their delegate while they are away). A rejection needs `--comment`.
    Decide {
        #[command(flatten)]
        db: DbArgs,
        /// The approver's work email.
        #[arg(long = "as")]
        actor: String,
        /// The proposal's id.
        id: String,
        /// Approve (the default is to say which with --approve or --reject).
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoutesAction {
    /// Every kind's route in force (configured, or the default: the manager's manager).
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Save a route from a JSON file (the body of `PUT /api/v1/routes`), as the people
    /// team. A route that could never complete is refused with the field and reason.
    Save {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        file: std::path::PathBuf,
    },
}

/// The person with `email`, as a viewer with their sign-in role.
async fn acting_as(store: &dyn Store, org: rungs_core::OrgId, email: &str) -> anyhow::Result<Viewer> {
    let p = person_by_email(store, org, email).await?;
    let role = match store.credential_by_email(&p.email).await {
        Ok(c) if c.person_id == p.id => c.role,
        _ => Role::Employee,
    };
    Ok(Viewer { org_id: org, person_id: Some(p.id), role, token_id: None })
}

fn line(p: &Proposal, subject: &str) -> String {
    let at = match p.current_step.and_then(|i| p.steps.get(i as usize).map(|s| (i, s))) {
        Some((i, s)) => format!("step {} of {}: {}", i + 1, p.steps.len(), s.name),
        None => "-".into(),
    };
    format!("{}\t{}\t{}\t{}\t{}\teffective {}", p.id, p.kind.as_str(), p.status.as_str(), subject, at, p.effective_on)
}

/// An `AppError` as the CLI reports it: the field and the reason.
fn refused(e: rungs_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("refused: {e}")
}

pub async fn proposals(action: ProposalsAction) -> anyhow::Result<()> {
    match action {
        ProposalsAction::List { db, subject, status, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let subject = match subject {
                Some(e) => Some(person_by_email(store.as_ref(), org.id, &e).await?.id),
                None => None,
            };
            let status = match status.as_deref() {
                Some(s) => Some(ProposalStatus::parse(s).with_context(|| format!("unknown status {s}: pending, approved, rejected, withdrawn or effective"))?),
                None => None,
            };
            let list = store.proposals(org.id, &ProposalQuery { subject, status, ..ProposalQuery::default() }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for p in &list {
                let name = store.person(org.id, p.subject).await.map_or_else(|_| p.subject.to_string(), |s| s.name);
                println!("{}", line(p, &name));
            }
        }
        ProposalsAction::Propose { db, actor, subject, file, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let viewer = acting_as(store.as_ref(), org.id, &actor).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut body: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
            if let Some(e) = subject {
                let id = person_by_email(store.as_ref(), org.id, &e).await?.id;
                body["subject"] = serde_json::json!(id);
            }
            let input: ProposalInput = serde_json::from_value(body).with_context(|| format!("{} is not a proposal (see docs/WORKFLOWS.md)", file.display()))?;
            let p = rungs_app::proposals::propose(store.as_ref(), &viewer, input).await.map_err(refused)?;
            let name = store.person(org.id, p.subject).await?.name;
            println!("{}", if json { serde_json::to_string_pretty(&p)? } else { line(&p, &name) });
        }
        ProposalsAction::Decide { db, actor, id, approve, reject: _, comment } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let viewer = acting_as(store.as_ref(), org.id, &actor).await?;
            let id = id.parse().with_context(|| format!("{id} is not a proposal id"))?;
            let v = rungs_app::proposals::decide(store.as_ref(), &viewer, id, approve, comment).await.map_err(refused)?;
            println!("{}", line(&v.proposal, &v.subject_name));
        }
    }
    Ok(())
}

pub async fn routes(action: RoutesAction) -> anyhow::Result<()> {
    match action {
        RoutesAction::List { db, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let routes = rungs_app::proposals::routes(store.as_ref(), &Viewer::system(org.id)).await.map_err(refused)?;
            if json {
                let out: Vec<_> = routes.iter().map(|(r, configured)| serde_json::json!({ "route": r, "configured": configured })).collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            for (r, configured) in &routes {
                let steps: Vec<String> = r.steps.iter().map(|s| s.name.clone()).collect();
                let remind = r.remind_after_days.map_or_else(|| "no reminder".into(), |d| format!("remind after {d} days"));
                println!("{}\t{}\t{}\t{}", r.kind.as_str(), if *configured { "configured" } else { "default" }, steps.join(" → "), remind);
            }
        }
        RoutesAction::Save { db, file } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let route: Route = serde_json::from_str(&text).with_context(|| format!("{} is not a route (see docs/WORKFLOWS.md)", file.display()))?;
            let saved = rungs_app::proposals::save_route(store.as_ref(), &Viewer::system(org.id), route).await.map_err(refused)?;
            println!("saved the {} route: {} step(s)", saved.kind.as_str(), saved.steps.len());
        }
    }
    Ok(())
}
