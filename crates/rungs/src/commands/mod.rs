//! One function per subcommand; `run` dispatches.

mod backup;
pub mod badges;
mod credential;
mod cycles;
mod doctor;
mod export;
pub mod export_parquet;
mod import_events;
mod import_framework;
mod import_history;
mod import_people;
pub mod integrations;
mod issuer;
pub mod jobs;
mod leaderboards;
pub mod migrate_store;
mod opportunities;
pub mod proposals;
mod readiness;
mod rebuild;
mod recognition;
mod report;
mod serve;
mod token;
mod user;
pub mod webhooks;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use rungs_core::person::Organization;
use rungs_core::store::Store;

use crate::cli::{Command, ImportWhat, TokenAction, UserAction};

pub use export::export_to;
pub use import_events::{import_events_from, progress as import_events_progress};
pub use serve::{serve_until_signal, shutdown_signal};

/// Log to stderr; `RUNGS_LOG` sets the filter (default `info`), `RUNGS_LOG_FORMAT=json`
/// switches to one JSON object per line for log shippers. Colour codes only when stderr
/// is a terminal (and `NO_COLOR` is unset): a log file or journal gets plain text.
pub fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = rungs_core::settings::var("RUNGS_LOG").and_then(|f| EnvFilter::try_new(f).ok()).unwrap_or_else(|| EnvFilter::new("info"));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    let _ = if rungs_core::settings::var("RUNGS_LOG_FORMAT").as_deref() == Some("json") { builder.json().try_init() } else { builder.compact().try_init() };
}

/// Open the store named by `--db` / `RUNGS_DB`, applying migrations.
pub async fn open_store(db: &str) -> anyhow::Result<Arc<dyn Store>> {
    rungs_store::open(db).await.with_context(|| format!("cannot open database {db}"))
}

/// The person with work email `email` (checked and lower-cased first), or an error
/// that names the email.
pub async fn person_by_email(store: &dyn Store, org: rungs_core::OrgId, email: &str) -> anyhow::Result<rungs_core::person::Person> {
    let email = rungs_core::text::parse_email("email", email)?;
    match store.person_by_email(org, &email).await {
        Ok(p) => Ok(p),
        Err(rungs_core::store::StoreError::NotFound) => bail!("no person with email {email}"),
        Err(e) => Err(e.into()),
    }
}

/// The organization of a single-tenant install.
pub async fn the_org(store: &dyn Store) -> anyhow::Result<Organization> {
    match store.default_org().await? {
        Some(o) => Ok(o),
        None => bail!("the database has no organization yet: run `rungs init --admin-email you@example.com` first"),
    }
}

pub async fn run(cmd: Command, config: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Serve { db, listen, email, integrations, issuer } => {
            let issuer = issuer::load(&db.db, &issuer, email.public_url.as_deref())?;
            let mailer = email.mailer()?;
            let store = open_store(&db.db).await?;
            let config = jobs::RunnerConfig {
                mailer: mailer.clone(),
                digest_hour: email.digest_hour,
                issuer: Some(std::sync::Arc::new(issuer.clone())),
                ..jobs::RunnerConfig::from_env()
            };
            let runner = jobs::start(store.clone(), config).await?;
            let dispatcher = webhooks::start(store.clone());
            serve_until_signal(store, &listen, &integrations, issuer, None, mailer).await?;
            runner.abort();
            dispatcher.abort();
        }
        Command::Init { db, admin_email, admin_name, org_name, issuer_key } => {
            let store = open_store(&db.db).await?;
            let done = rungs_app::org::init(store.as_ref(), &org_name, &admin_email, &admin_name).await?;
            println!("Created organization \"{}\" ({})", done.org.name, done.org.id);
            let path = issuer::key_path(&db.db, issuer_key.as_deref());
            let (_, created) = rungs_app::credentials::IssuerKeys::load_or_create(&path)?;
            println!(
                "Credential issuer key: {} ({})",
                path.display(),
                if created { "created, mode 0600: keep it secret and backed up" } else { "already there" }
            );
            println!("Admin: {} <{}>", done.admin.name, done.admin.email);
            let password = rungs_app::accounts::generate_password();
            rungs_app::accounts::set_password(store.as_ref(), done.org.id, &done.admin.email, Some(rungs_core::person::Role::Admin), &password).await?;
            println!("Admin password for the web interface (shown once; change it with `rungs user set-password`):\n{password}");
            // The token stays the last line: scripts take it with `tail -1`.
            println!("Admin token (shown once, keep it safe):\n{}", done.token);
        }
        Command::Token { action } => match action {
            TokenAction::Create { db, email, role, scope, label } => token::create(&db.db, &email, role.map(Into::into), scope, &label).await?,
            TokenAction::Revoke { db, id } => token::revoke(&db.db, &id).await?,
            TokenAction::List { db } => token::list(&db.db).await?,
        },
        Command::User { action } => match action {
            UserAction::SetPassword { db, email, role } => user::set_password(&db.db, &email, role.map(Into::into)).await?,
            UserAction::Invite { db, email, people } => user::invite(&db.db, &email, &people).await?,
            UserAction::LinkSso { db, email, subject, issuer } => user::link_sso(&db.db, &email, &issuer, &subject).await?,
            UserAction::UnlinkSso { db, email, subject, issuer } => user::unlink_sso(&db.db, &email, &issuer, &subject).await?,
            UserAction::SignIns { db, email } => user::sign_ins(&db.db, &email).await?,
        },
        Command::Import { what } => match what {
            ImportWhat::People { db, file, skip_invalid } => return import_people::run(&db.db, &file, skip_invalid).await,
            ImportWhat::History { db, mapping, file } => return import_history::run(&db.db, &mapping, &file).await,
            ImportWhat::Framework { db, file, track, same, different, map, mapping, save_mapping, commit, sheet } => {
                let columns = import_framework::Columns { map, from: mapping, save: save_mapping, sheet };
                return import_framework::run(&db.db, &file, track.as_deref(), (same, different), &columns, commit).await;
            }
            ImportWhat::Events { db, file } => {
                let store = open_store(&db.db).await?;
                let report = import_events_from(store.as_ref(), &file).await?;
                println!("imported {} events ({} already present); {} milestone completions recorded", report.appended, report.replayed, report.milestones);
            }
        },
        Command::Export { db, out, format: crate::cli::ExportFormat::Parquet } => {
            let Some(dir) = out else { bail!("--format parquet needs --out DIR (the directory to write events.parquet and people.parquet into)") };
            let store = open_store(&db.db).await?;
            let done = export_parquet::export_parquet(store.as_ref(), &dir).await?;
            eprintln!("exported {} events and {} people to {}", done.events, done.people, dir.display());
        }
        Command::Export { db, out, format: crate::cli::ExportFormat::Jsonl } => {
            let store = open_store(&db.db).await?;
            let n = match out {
                Some(path) => {
                    let f = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
                    export_to(store.as_ref(), std::io::BufWriter::new(f)).await?
                }
                None => export_to(store.as_ref(), std::io::BufWriter::new(std::io::stdout().lock())).await?,
            };
            eprintln!("exported {n} events");
        }
        Command::Badges { action } => badges::run(action).await?,
        Command::Webhooks { action } => webhooks::run(action).await?,
        Command::Rebuild { db } => return rebuild::run(&db.db).await,
        Command::Opportunities { db, status, json } => opportunities::list(&db.db, &status, json).await?,
        Command::Cycles { db, create, json } => cycles::run(&db.db, create.as_deref(), json).await?,
        Command::Readiness { db, email, json } => readiness::run(&db.db, &email, json).await?,
        Command::Recognition { action } => recognition::run(action).await?,
        Command::Report { db, what } => report::run(&db.db, what).await?,
        Command::MigrateStore { from, to } => return migrate_store::run(&from, &to).await,
        Command::Demo { db, people, seed, listen, no_serve, truths, email, integrations, issuer } => {
            let issuer = issuer::load(&db, &issuer, email.public_url.as_deref())?;
            return crate::demo::run(&db, people, seed, &listen, no_serve, truths, &email, &integrations, issuer).await;
        }
        Command::Doctor { db, issuer } => return doctor::run(&db.db, &issuer::key_path(&db.db, issuer.issuer_key.as_deref()), config).await,
        Command::Backup { db, out, issuer } => return backup::backup(&db.db, &out, &issuer::key_path(&db.db, issuer.issuer_key.as_deref())).await,
        Command::Restore { file, db } => return backup::restore(&file, &db.db).await,
        Command::Credential { action } => return credential::run(action).await,
        Command::Config { .. } => {}
        Command::Proposals { action } => proposals::proposals(action).await?,
        Command::Routes { action } => proposals::routes(action).await?,
        Command::Leaderboards { action } => leaderboards::run(action).await?,
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&rungs_web::openapi())?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
