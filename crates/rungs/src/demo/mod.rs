//! `rungs demo`: generate a realistic organization into an empty database (see
//! `generator` for what it simulates and the hidden truths), print logins, serve.

mod credentials;
mod evidence;
pub mod generator;
mod names;
mod opportunities;
mod promotions;
mod proposals;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rungs_core::OrgId;
use rungs_core::event::NewEvent;
use rungs_core::ledger::bulk::EventSource;
use rungs_core::person::{Organization, Person, PersonStatus, Role};
use rungs_core::store::{AppendBatch, Store, StoreError, StoreResult};

use crate::commands::{open_store, serve_until_signal};

/// Events per append when loading the demo.
const BATCH: usize = 10_000;

/// Generate the demo organization into `store` (which must be empty).
pub async fn generate(store: &dyn Store, people: usize, seed: u64, end: DateTime<Utc>) -> anyhow::Result<generator::Truths> {
    let org = Organization { id: OrgId::new(), name: "Northwind Labs".into(), created_at: end - chrono::Months::new(generator::MONTHS) };
    store.create_org(&org).await?;
    let fw = rungs_app::org::starter_framework();
    // Version 1, in force since the organization began: history is judged by it.
    store.save_framework_version(org.id, &fw, org.created_at).await?;
    let bar = crate::commands::import_events_progress(0);
    let started = Instant::now();
    // Generation and loading overlap: the generator simulates the next month while the
    // store's writer thread loads the last one (a bounded queue of two months). The
    // load is the bulk path into the new, empty ledger (`Store::bulk_load`): one
    // transaction, the append plan checked against memory, indexes built after.
    let (tx, rx) = tokio::sync::mpsc::channel::<Option<Vec<NewEvent>>>(2);
    let generate = async move {
        let sink = |events: Vec<NewEvent>| {
            let tx = tx.clone();
            async move { tx.send(Some(events)).await.map_err(|_| anyhow::anyhow!("the demo loader stopped")) }
        };
        let truths = generator::Generator::new(org.id, &fw, seed, end).run(people, sink).await?;
        // The end of the ledger: the load commits only on this (a generator that
        // fails drops the sender without it, and nothing is loaded).
        tx.send(None).await.map_err(|_| anyhow::anyhow!("the demo loader stopped"))?;
        Ok::<_, anyhow::Error>(truths)
    };
    let mut source = Months { rx, pending: Vec::new(), bar: bar.clone() };
    let load = store.bulk_load(org.id, &mut source);
    let (truths, loaded) = tokio::join!(generate, load);
    let truths = truths?;
    let loaded = loaded?;
    let load_secs = started.elapsed().as_secs_f64();
    let fw = rungs_app::org::starter_framework();
    bar.finish_and_clear();
    // The generator appends directly, past the use case that records milestone
    // completions as wins arrive: record them once at the end, as of `end`.
    // Framework and version read once; completions appended in batches (a fresh
    // ledger has none of their keys yet).
    let started = Instant::now();
    let version = store.framework_versions(org.id).await?.last().map(|v| v.version);
    let mut due = Vec::new();
    for p in store.all_people(org.id).await? {
        let events = store.subject_events(org.id, p.id).await?;
        due.extend(rungs_app::milestones::due(&fw, version, &p, &events, end));
        if due.len() >= BATCH {
            store.append(AppendBatch { org_id: org.id, events: std::mem::take(&mut due), claim: None }).await?;
        }
    }
    if !due.is_empty() {
        store.append(AppendBatch { org_id: org.id, events: due, claim: None }).await?;
    }
    let milestone_secs = started.elapsed().as_secs_f64();
    // The starter badges (docs/BADGES.md), defined when the organization began, and
    // judged once over the generated ledger as of `end`, as a new rule is: the awards
    // it makes are what the `badges` job of `rungs serve` then keeps up to date.
    for def in rungs_core::badges::starter::starter() {
        store.save_badge(org.id, &def, org.created_at).await?;
    }
    let started = Instant::now();
    let r = rungs_app::badges::Evaluator::new().run(store, org.id, end).await?;
    tracing::info!(awarded = r.awarded, facts = r.facts, "demo badges awarded");
    // Where the time went (docs/BENCHMARKS.md, "Demo generation").
    eprintln!(
        "  generated and loaded {} events ({}) in {load_secs:.1}s; milestones {milestone_secs:.1}s; badges {:.1}s",
        loaded.events,
        if loaded.bulk { "bulk load" } else { "appends" },
        started.elapsed().as_secs_f64()
    );
    Ok(truths)
}

/// The generator's months as the bulk load's chunks of at most [`BATCH`] events.
struct Months {
    rx: tokio::sync::mpsc::Receiver<Option<Vec<NewEvent>>>,
    pending: Vec<NewEvent>,
    bar: indicatif::ProgressBar,
}

#[async_trait::async_trait]
impl EventSource for Months {
    async fn next(&mut self) -> StoreResult<Option<Vec<NewEvent>>> {
        if self.pending.is_empty() {
            match self.rx.recv().await {
                Some(Some(month)) => self.pending = month,
                Some(None) => return Ok(None),
                None => return Err(StoreError::internal("the demo generator stopped before its end")),
            }
        }
        let rest = self.pending.split_off(self.pending.len().min(BATCH));
        let chunk = std::mem::replace(&mut self.pending, rest);
        self.bar.inc(chunk.len() as u64);
        Ok(Some(chunk))
    }
}

/// The three people whose logins the demo prints: the head of people (admin), the
/// manager with the largest engineering team, and that manager's first report.
pub async fn pick_logins(store: &dyn Store, org: OrgId) -> anyhow::Result<[(Role, Person); 3]> {
    let people = store.all_people(org).await?;
    let active: Vec<&Person> = people.iter().filter(|p| p.status == PersonStatus::Active).collect();
    let admin = active.iter().find(|p| p.position.title == "Head of People").or_else(|| active.first()).context("the demo has no people")?;
    let reports_of = |m: &Person| {
        let mut r: Vec<&Person> = active.iter().copied().filter(|p| p.manager_id == Some(m.id) && p.position.track != "management").collect();
        r.sort_by(|a, b| a.email.cmp(&b.email));
        r
    };
    let manager = active
        .iter()
        .filter(|p| p.position.track == "management" && p.department.as_deref().is_some_and(|d| d.contains("Engineering")))
        .max_by(|a, b| reports_of(a).len().cmp(&reports_of(b).len()).then(b.email.cmp(&a.email)))
        .context("the demo has no engineering manager")?;
    let reports = reports_of(manager);
    let employee = match showcase(store, org, &reports).await? {
        Some(p) => p,
        None => reports.first().copied().context("the manager has no reports")?,
    };
    Ok([(Role::Employee, employee.clone()), (Role::Manager, (*manager).clone()), (Role::Admin, (*admin).clone())])
}

/// The first of `reports` (by email) whose progress page shows what Rungs is for: a
/// readiness between 30 and 70, preferably with one gap standing out (its gain at
/// least two points above the next one's; several untouched expectations often tie).
async fn showcase<'a>(store: &dyn Store, org: OrgId, reports: &[&'a Person]) -> anyhow::Result<Option<&'a Person>> {
    let fw = store.framework(org).await?;
    let now = Utc::now();
    let mut midway = None;
    for p in reports {
        let events = store.subject_events(org, p.id).await?;
        let r = rungs_core::readiness::readiness(&fw, &p.position, &events, now);
        if !(30..=70).contains(&r.score) {
            continue;
        }
        let gains: Vec<f64> = rungs_core::readiness::recommend(&r).iter().map(|g| g.gain).collect();
        if gains.len() >= 2 && gains[0] >= gains[1] + 2.0 {
            return Ok(Some(*p));
        }
        midway = midway.or(Some(*p));
    }
    Ok(midway)
}

#[allow(clippy::too_many_arguments, reason = "the demo command's flags, passed through as clap parsed them")]
pub async fn run(
    db: &str,
    people: usize,
    seed: u64,
    listen: &str,
    no_serve: bool,
    truths_to: Option<PathBuf>,
    email: &crate::cli::EmailArgs,
    integrations: &crate::commands::integrations::IntegrationArgs,
    issuer: rungs_app::credentials::Issuer,
) -> anyhow::Result<ExitCode> {
    let mailer = email.mailer()?;
    let store: Arc<dyn Store> = open_store(db).await?;
    let org = match store.default_org().await? {
        Some(org) if store.stats().await?.events == 0 => {
            // What a demo interrupted during its load leaves: the organization, and
            // a ledger the all-or-nothing bulk load left empty.
            anyhow::bail!("{db} holds the organization {} with an empty ledger (an interrupted demo?); delete the file and run the demo again", org.name)
        }
        Some(org) => {
            eprintln!("{db} already holds {}; serving it as it is", org.name);
            org
        }
        None => {
            let started = Instant::now();
            eprintln!("generating a demo organization of {people} people (seed {seed})...");
            let truths = generate(store.as_ref(), people, seed, generator::today()).await?;
            let stats = store.stats().await?;
            eprintln!("generated {} people and {} ledger events in {:.1}s", stats.people, stats.events, started.elapsed().as_secs_f64());
            let org = store.default_org().await?.context("the demo organization vanished")?;
            let [(_, employee), (_, manager), (_, admin)] = pick_logins(store.as_ref(), org.id).await?;
            let posted = opportunities::seed(store.as_ref(), org.id, seed, &employee).await?;
            eprintln!("posted {posted} opportunities on the board");
            let cases = promotions::seed(store.as_ref(), org.id, [&employee, &manager, &admin]).await?;
            eprintln!("ran a past promotion cycle and opened one ({cases} cases)");
            let proposed = proposals::seed(store.as_ref(), org.id, &manager, &admin).await?;
            eprintln!("configured an approval route; {proposed} micro-promotion waiting for approval");
            let suggested = evidence::seed(store.as_ref(), org.id, &employee).await?;
            eprintln!("received merged pull requests from GitHub: {suggested} suggested wins wait for {}", employee.name);
            let issued = credentials::seed(store.as_ref(), org.id, &issuer, [&employee, &manager, &admin]).await?;
            eprintln!("the demo logins and a few others opted in to verifiable credentials: {issued} issued");
            // The truths are for checking analytics, not for using the demo: a file
            // that cannot be written is reported, and the demo still gives its logins
            // (a second run would find the database full and never write them).
            let path = truths_to.unwrap_or_else(|| truths_path(db));
            match std::fs::write(&path, serde_json::to_vec_pretty(&truths)?) {
                Ok(()) => eprintln!("hidden truths written to {} (see docs/DEMO.md)", path.display()),
                Err(e) => eprintln!("warning: cannot write the hidden truths to {}: {e}; pass --truths PATH to choose another file", path.display()),
            }
            org
        }
    };
    let mut lines = vec![];
    for (role, person) in pick_logins(store.as_ref(), org.id).await? {
        let (_, secret) = rungs_app::tokens::create(store.as_ref(), org.id, person.id, role, "rungs demo").await?;
        // A fresh password on every run: the demo database may be served again later.
        let password = rungs_app::accounts::generate_password();
        rungs_app::accounts::set_password(store.as_ref(), org.id, &person.email, Some(role), &password).await?;
        lines.push(format!(
            "  {:<9} {} <{}>\n            email: {}\n            password: {password}\n            token: {secret}",
            role.as_str(),
            person.name,
            person.email,
            person.email
        ));
    }
    if no_serve {
        println!("{}", lines.join("\n"));
        return Ok(ExitCode::SUCCESS);
    }
    let on_ready = Box::new(move |addr: std::net::SocketAddr| {
        println!("\nRungs demo is ready at http://{addr}\n\nSign in at http://{addr}/login (password), or call the API (token):\n{}\n", lines.join("\n"));
        println!("Try:  curl -H \"Authorization: Bearer <token>\" http://{addr}/api/v1/me");
        println!("API:  http://{addr}/api/openapi.json    Stop with Ctrl-C.\n");
    });
    // The background jobs run as under `rungs serve`: the badge job awards what the
    // demo's visitors earn (a win logged on the demo shows its badge seconds later).
    let config = crate::commands::jobs::RunnerConfig {
        mailer: mailer.clone(),
        digest_hour: email.digest_hour,
        issuer: Some(Arc::new(issuer.clone())),
        ..crate::commands::jobs::RunnerConfig::from_env()
    };
    let runner = crate::commands::jobs::start(store.clone(), config).await?;
    // So does the webhook dispatcher: a subscription added on the demo gets deliveries.
    let dispatcher = crate::commands::webhooks::start(store.clone());
    serve_until_signal(store, listen, integrations, issuer, Some(on_ready), mailer).await?;
    runner.abort();
    dispatcher.abort();
    Ok(ExitCode::SUCCESS)
}

/// Where the truths go unless `--truths` says: next to a SQLite file, or
/// `rungs-demo.truths.json` in the current directory when the database is a server
/// (a `postgres://` URL is not a path).
fn truths_path(db: &str) -> PathBuf {
    let db = db.trim();
    if let Some((scheme, _)) = db.split_once("://")
        && !scheme.eq_ignore_ascii_case("sqlite")
    {
        return PathBuf::from("rungs-demo.truths.json");
    }
    let path = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")).unwrap_or(db);
    let path = path.split('?').next().unwrap_or_default();
    PathBuf::from(format!("{path}.truths.json"))
}

#[cfg(test)]
mod tests {
    use super::truths_path;
    use std::path::PathBuf;

    #[test]
    fn truths_go_next_to_a_sqlite_file_and_to_the_current_directory_for_a_server() {
        assert_eq!(truths_path("./rungs-demo.db"), PathBuf::from("./rungs-demo.db.truths.json"));
        assert_eq!(truths_path("sqlite:///var/lib/r.db?mode=rwc"), PathBuf::from("/var/lib/r.db.truths.json"));
        assert_eq!(truths_path("sqlite:data/r.db"), PathBuf::from("data/r.db.truths.json"));
        assert_eq!(truths_path("postgres://u@h:5432/db"), PathBuf::from("rungs-demo.truths.json"));
        assert_eq!(truths_path("postgresql://u@h/db?sslmode=disable"), PathBuf::from("rungs-demo.truths.json"));
    }
}
