//! Command-line interface: one subcommand per job.
//!
//! Over 600 lines (about 900): the clap definitions of every subcommand in one enum
//! tree. Known debt (session note): the credential, proposal, leaderboard and user
//! argument types belong beside their commands in `commands/`, as
//! `commands/integrations.rs` already does.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;

/// Rungs: promotions and the small wins between them, on one ledger.
#[derive(Debug, Parser)]
#[command(name = "rungs", version, about, long_about = None)]
pub struct Cli {
    /// A TOML configuration file (docs/CONFIGURATION.md): flags beat the environment,
    /// which beats the file.
    #[arg(long, global = true, env = "RUNGS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// SQLite file path (or sqlite://PATH), or postgres://USER@HOST:PORT/DB
    /// (pool options: ?pool_max_size=N&pool_wait_secs=N; see docs/operations.md).
    #[arg(long, env = "RUNGS_DB", default_value = "./rungs.db")]
    pub db: String,
}

/// Where the credential issuer's keys live and where Rungs is published (docs/CREDENTIALS.md).
#[derive(Debug, clap::Args)]
pub struct IssuerArgs {
    /// The issuer key file (created, mode 0600, when missing). Default: beside a SQLite
    /// database (`<db>.issuer-key`), or `./rungs-issuer.key` for PostgreSQL.
    #[arg(long, env = "RUNGS_ISSUER_KEY")]
    pub issuer_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksAction {
    /// Subscribe a URL; prints its signing secret (shown once) on the last line.
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// Where deliveries are POSTed (http:// or https://).
        #[arg(long)]
        url: String,
        /// Event kinds to receive (repeat, or comma-separated); none: every kind.
        #[arg(long = "kind", value_delimiter = ',')]
        kinds: Vec<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Every subscription: id, active, kinds, URL.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        json: bool,
    },
    /// Remove a subscription with its deliveries and their log.
    Remove {
        #[command(flatten)]
        db: DbArgs,
        id: String,
    },
    /// Deactivate (hold deliveries) or activate again.
    SetActive {
        #[command(flatten)]
        db: DbArgs,
        id: String,
        #[arg(action = clap::ArgAction::Set)]
        active: bool,
    },
    /// The delivery log, newest first.
    Deliveries {
        #[command(flatten)]
        db: DbArgs,
        /// One subscription only.
        #[arg(long)]
        subscription: Option<String>,
        /// pending, delivered or failed.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Send a delivery again (back to pending, in its ledger place).
    Replay {
        #[command(flatten)]
        db: DbArgs,
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BadgesAction {
    /// Every badge: key, tiers, name, and each tier's rule in words (or JSON).
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        json: bool,
    },
    /// Create or replace a badge from a YAML or JSON file; `--starter` defines the
    /// starter set (those not defined yet).
    Define {
        #[command(flatten)]
        db: DbArgs,
        /// The definition (YAML or JSON).
        #[arg(long, required_unless_present = "starter")]
        file: Option<PathBuf>,
        #[arg(long, conflicts_with = "file")]
        starter: bool,
    },
    /// Who would get each tier now, and why: from a file, or a saved badge by key.
    Preview {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, required_unless_present = "key")]
        file: Option<PathBuf>,
        #[arg(long, conflicts_with = "file")]
        key: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Award a badge tier by hand, with a reason (as the people team).
    Award {
        #[command(flatten)]
        db: DbArgs,
        /// The person's work email.
        #[arg(long)]
        email: String,
        #[arg(long)]
        badge: String,
        #[arg(long, default_value = "bronze")]
        tier: String,
        #[arg(long)]
        reason: String,
    },
    /// Evaluate every badge over the whole ledger now and award what is due (what the
    /// `badges` job of `rungs serve` does incrementally).
    Evaluate {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Email (docs/NOTIFICATIONS.md): without `--smtp-host`, notifications stay in the
/// app and invites show their link to the sender.
#[derive(Debug, Clone, clap::Args)]
pub struct EmailArgs {
    /// The SMTP server to send through.
    #[arg(long, env = "RUNGS_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Its port (587: submission with STARTTLS; 465: TLS; 25: plain).
    #[arg(long, env = "RUNGS_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// none (plain, e.g. a relay on localhost), starttls (required, never downgraded) or tls.
    #[arg(long, env = "RUNGS_SMTP_SECURITY", default_value = "starttls", value_parser = ["none", "starttls", "tls"])]
    pub smtp_security: String,
    #[arg(long, env = "RUNGS_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "RUNGS_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The From address, e.g. "Rungs <rungs@example.com>".
    #[arg(long, env = "RUNGS_SMTP_FROM", default_value = "Rungs <rungs@localhost>")]
    pub smtp_from: String,
    /// Seconds to wait for the server.
    #[arg(long, env = "RUNGS_SMTP_TIMEOUT_SECS", default_value_t = 30)]
    pub smtp_timeout_secs: u64,
    /// Where people reach Rungs (e.g. https://rungs.example.com): the root of links in
    /// emails (default http://127.0.0.1:8080), and the host whose `did:web` issues
    /// credentials, its DID document served at `/.well-known/did.json` (without it the
    /// issuer is the `did:key` of its key; docs/CREDENTIALS.md).
    #[arg(long, env = "RUNGS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The hour (0-23, UTC) the daily digest goes out.
    #[arg(long, env = "RUNGS_DIGEST_HOUR", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..24))]
    pub digest_hour: u32,
}

impl EmailArgs {
    /// The root of links in emails.
    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| "http://127.0.0.1:8080".into())
    }

    /// The configured mailer, or `None` without a host.
    pub fn mailer(&self) -> anyhow::Result<Option<rungs_app::notifications::mail::Mailer>> {
        use rungs_app::notifications::mail::{Mailer, Security, SmtpConfig};
        let Some(host) = self.smtp_host.clone().filter(|h| !h.trim().is_empty()) else { return Ok(None) };
        let security = Security::parse(&self.smtp_security).ok_or_else(|| anyhow::anyhow!("--smtp-security must be none, starttls or tls"))?;
        let config = SmtpConfig {
            host,
            port: self.smtp_port,
            security,
            username: self.smtp_username.clone(),
            password: self.smtp_password.clone(),
            from: self.smtp_from.clone(),
            base_url: self.base_url(),
            timeout: std::time::Duration::from_secs(self.smtp_timeout_secs.max(1)),
        };
        Mailer::new(&config).map(Some).map_err(|e| anyhow::anyhow!(e))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        email: EmailArgs,
        /// Address to listen on.
        #[arg(long, env = "RUNGS_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        #[command(flatten)]
        issuer: IssuerArgs,
        #[command(flatten)]
        integrations: commands::integrations::IntegrationArgs,
    },
    /// Create the organization and its first admin; prints the admin's token.
    Init {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        admin_email: String,
        #[arg(long, default_value = "People Team Admin")]
        admin_name: String,
        #[arg(long, default_value = "My Organization")]
        org_name: String,
        /// The credential issuer key file to create. Default: `<db>.issuer-key` beside a
        /// SQLite database, or `./rungs-issuer.key` for PostgreSQL.
        #[arg(long, env = "RUNGS_ISSUER_KEY")]
        issuer_key: Option<PathBuf>,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Manage sign-in accounts for the web interface.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Import people (CSV), ledger events (JSONL) or a framework (YAML, CSV matrix).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Write the whole ledger as JSONL (re-importable into an empty database), or the
    /// ledger and the people table as Parquet (`--format parquet --out DIR`).
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// Output file (JSONL; standard output when absent), or the directory to write
        /// `events.parquet` and `people.parquet` into (Parquet; required).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// `jsonl`: the ledger file; `parquet`: for DuckDB, Spark and pandas.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
    },
    /// A person's readiness for their next level: coverage per competency, what is
    /// missing, the ranked next steps and matching open opportunities.
    Readiness {
        #[command(flatten)]
        db: DbArgs,
        /// The person's work email.
        #[arg(long)]
        email: String,
        /// Print the whole report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Analytics as the people team sees them (docs/ANALYTICS.md): `metrics`,
    /// `stagnation`, `what-works` or `equity`; `--json` gives every number the page
    /// shows, `--csv TABLE` one of its tables as CSV.
    Report {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        what: ReportWhat,
    },
    /// List the opportunity board: id, status, owner, places, competencies, title
    /// (tab-separated), or every field and application as JSON.
    Opportunities {
        #[command(flatten)]
        db: DbArgs,
        /// open, closed or all.
        #[arg(long, default_value = "open")]
        status: String,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Promotion cycles (docs/WORKFLOWS.md): list them with each budget's use and the
    /// cases per status, or create one from a JSON file (`--create cycle.json`, the
    /// body of `POST /api/v1/cycles`).
    Cycles {
        #[command(flatten)]
        db: DbArgs,
        /// Create the cycle this JSON file describes, as the people team.
        #[arg(long)]
        create: Option<std::path::PathBuf>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Recognition with points: give it, read the feed, a balance, the collusion report.
    Recognition {
        #[command(subcommand)]
        action: RecognitionAction,
    },
    /// Badges: list, define (YAML or JSON, or the starter set), preview a rule, award
    /// by hand, evaluate now (docs/BADGES.md).
    Badges {
        #[command(subcommand)]
        action: BadgesAction,
    },
    /// Signed webhooks: add, list, remove subscriptions, read the delivery log and
    /// replay a delivery, as the people team (docs/WEBHOOKS.md).
    Webhooks {
        #[command(subcommand)]
        action: WebhooksAction,
    },
    /// Recompute every projection from the ledger and check it equals the live state.
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Copy a deployment into an empty PostgreSQL database and prove the copy equal
    /// (counts and SHA-256 digests of the ledger and of the people projection).
    MigrateStore {
        /// The source database (sqlite://PATH, a file path, or postgres://...).
        #[arg(long)]
        from: String,
        /// The target: an empty PostgreSQL database (postgres://...).
        #[arg(long)]
        to: String,
    },
    /// Create a realistic demo organization (if the database is empty) and serve it.
    Demo {
        #[arg(long, env = "RUNGS_DB", default_value = "./rungs-demo.db")]
        db: String,
        /// Number of people to generate.
        #[arg(long, default_value_t = 300)]
        people: usize,
        /// Random seed: the same seed gives the same organization.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, env = "RUNGS_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Generate and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Where to write the hidden truths (JSON). Default: next to a SQLite file
        /// (`<db>.truths.json`), or `./rungs-demo.truths.json` for PostgreSQL.
        #[arg(long)]
        truths: Option<std::path::PathBuf>,
        #[command(flatten)]
        issuer: IssuerArgs,
        #[command(flatten)]
        email: EmailArgs,
        #[command(flatten)]
        integrations: commands::integrations::IntegrationArgs,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// The configuration file: `check` prints every setting's effective value (secrets
    /// masked) and where it comes from; unknown keys are refused.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Copy the SQLite database while the server keeps running, then prove the copy
    /// (integrity check, ledger digest, rebuild). For PostgreSQL: prints the procedure.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The new backup file (never overwritten).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        issuer: IssuerArgs,
    },
    /// Check the installation (database integrity, WAL size, migrations, free disk,
    /// the clock, file permissions of the database and the credential issuer key) and
    /// print what to fix; exits 1 on any problem.
    Doctor {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        issuer: IssuerArgs,
    },
    /// Restore a backup made by `rungs backup` into an empty location (a live or
    /// non-empty database is refused).
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Proposals (micro-promotions, lateral moves, demotions, pay changes): list them,
    /// propose or decide as a person (docs/WORKFLOWS.md).
    Proposals {
        #[command(subcommand)]
        action: commands::proposals::ProposalsAction,
    },
    /// Approval routes per kind of proposal: list the routes in force, save one.
    Routes {
        #[command(subcommand)]
        action: commands::proposals::RoutesAction,
    },
    /// Verifiable credentials (Open Badges 3.0, docs/CREDENTIALS.md): issue, list,
    /// revoke, verify.
    Credential {
        #[command(subcommand)]
        action: CredentialAction,
    },
    /// Leaderboards (off unless turned on): show a board, turn them on or off, compute
    /// them now (docs/LEADERBOARDS.md).
    Leaderboards {
        #[command(subcommand)]
        action: LeaderboardsAction,
    },
}

/// What the issuer needs at the command line: the database, the key file and the
/// public URL credentials are published under (the same as `rungs serve`'s).
#[derive(Debug, clap::Args)]
pub struct CredentialArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub issuer: IssuerArgs,
    /// The public URL the server runs under (did:web issuer and credential links).
    #[arg(long, env = "RUNGS_PUBLIC_URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum CredentialAction {
    /// Issue credentials for a person's achievements (milestones, badges,
    /// micro-promotions): one event, or every one not issued yet. Prints each URL.
    Issue {
        #[command(flatten)]
        args: CredentialArgs,
        /// The person's email.
        #[arg(long)]
        email: String,
        /// Only this event (its id).
        #[arg(long)]
        event: Option<String>,
    },
    /// List a person's credentials (or the newest 100 of everyone's).
    List {
        #[command(flatten)]
        args: CredentialArgs,
        #[arg(long)]
        email: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a credential, with a reason (recorded; the status list then says so).
    Revoke {
        #[command(flatten)]
        args: CredentialArgs,
        /// The credential's id.
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Verify a credential file (JSON, or a PNG with a baked credential) against this
    /// issuer: signature, schema, status, dates. Exits 1 when it is not valid.
    Verify {
        #[command(flatten)]
        args: CredentialArgs,
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a new signing key to the issuer key file: credentials issued from the next
    /// start of `rungs serve` are signed with it; every older key stays in the DID
    /// document, so what it signed keeps verifying. Restart the server afterwards.
    RotateKey {
        #[command(flatten)]
        args: CredentialArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecognitionAction {
    /// Recognize one or more people on behalf of a giver (with the giver's role and
    /// allowance: the same rules as the API).
    Give {
        #[command(flatten)]
        db: DbArgs,
        /// The giver's work email.
        #[arg(long)]
        from: String,
        /// Receivers' work emails (repeat, or separate with commas).
        #[arg(long, required = true, value_delimiter = ',')]
        to: Vec<String>,
        #[arg(long)]
        message: String,
        /// Points to each receiver, from the giver's monthly allowance.
        #[arg(long, default_value_t = 0)]
        points: u32,
        /// Company values (repeat, or separate with commas).
        #[arg(long = "tag", value_delimiter = ',')]
        tags: Vec<String>,
        /// Seen only by the giver, receivers, their managers and the people team.
        #[arg(long)]
        private: bool,
    },
    /// The feed, newest first, as the people team sees it.
    Feed {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// A person's points: left to give this period, received this period and in all.
    Balance {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        json: bool,
    },
    /// Pairs and rings trading points beyond the organization's pattern, explained.
    Collusion {
        #[command(flatten)]
        db: DbArgs,
        /// The window, in days back from now.
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the effective configuration (secrets masked) and exit.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create a token for a person (by email); prints it once. `--scope scim` makes a
    /// SCIM provisioning token (it opens /scim/v2 only, as the people team; the person
    /// is who it was created by).
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        /// Required for an API token; a SCIM token always acts as the people team.
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        #[arg(long, value_enum, default_value = "api")]
        scope: ScopeArg,
        #[arg(long, default_value = "created with rungs token create")]
        label: String,
    },
    /// Revoke a token by id.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        id: String,
    },
    /// List tokens (ids, people, roles; never secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Set a person's web password (and role). Reads the password from standard input
    /// when it is piped; otherwise generates one and prints it once.
    SetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        /// What signing in lets them do; keeps their current role (or employee) if absent.
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
    },
    /// Send people an invite: a one-time link to choose a password and sign in
    /// (docs/NOTIFICATIONS.md). By email with `--smtp-host`; otherwise the link is
    /// printed, once, to pass on.
    Invite {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        email: EmailArgs,
        /// Whom to invite (repeat for several).
        #[arg(long = "person", required = true)]
        people: Vec<String>,
    },
    /// Link a person's account at the single sign-on provider (its `sub`): signing in
    /// there then signs them in, whatever email the provider has for them.
    LinkSso {
        #[command(flatten)]
        db: DbArgs,
        /// The person, by email.
        #[arg(long)]
        email: String,
        /// Their account id at the provider: the `sub` claim of their ID token.
        #[arg(long)]
        subject: String,
        /// The provider's issuer URL (as `rungs serve --oidc-issuer`).
        #[arg(long, env = "RUNGS_OIDC_ISSUER")]
        issuer: String,
    },
    /// Unlink a person's single sign-on account; their open sessions end.
    UnlinkSso {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        subject: String,
        #[arg(long, env = "RUNGS_OIDC_ISSUER")]
        issuer: String,
    },
    /// How a person signs in: a password (and its role), single sign-on accounts,
    /// invites still open.
    SignIns {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// The JSON API (/api/v1).
    Api,
    /// SCIM provisioning (/scim/v2).
    Scim,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Employee,
    Manager,
    Admin,
}

impl From<RoleArg> for rungs_core::person::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Employee => Self::Employee,
            RoleArg::Manager => Self::Manager,
            RoleArg::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// People from an HR-system CSV export (one row per person).
    People {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// Import the good rows even if some rows are bad.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Career history from an HR-system CSV and a column-mapping file (YAML): a
    /// snapshot (years at the company, years since the last promotion, left yes/no)
    /// or dated rows (hires, promotions, lateral moves, terminations) become ledger
    /// events (docs/HISTORY_IMPORT.md). Nothing is stored while any row is bad.
    History {
        #[command(flatten)]
        db: DbArgs,
        /// The column-mapping file.
        #[arg(long)]
        mapping: PathBuf,
        file: PathBuf,
    },
    /// Ledger events from JSONL (the format `rungs export` writes).
    Events {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
    /// A career framework: YAML (docs/FRAMEWORKS.md), a CSV competency matrix (comma,
    /// semicolon or TAB) into one track, or a Markdown career ladder (`.md`, front
    /// matter too). Shows what it found; saves a new version only with --commit, and
    /// none when nothing changes.
    Framework {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// The track whose levels a CSV matrix's columns or a Markdown ladder's headings
        /// are, created when it does not exist (default: the track a Markdown file's
        /// top heading names, or a new track named after a CSV file).
        #[arg(long)]
        track: Option<String>,
        /// A pair of names flagged as possibly one competency, confirmed the same:
        /// "Name=Other name" (repeat for each pair).
        #[arg(long, value_name = "A=B")]
        same: Vec<String>,
        /// A flagged pair confirmed to be two competencies: "Name=Other name"; "*"
        /// answers every pair not answered otherwise.
        #[arg(long, value_name = "A=B")]
        different: Vec<String>,
        /// What a CSV matrix's column holds: "Header=role", role one of level,
        /// competency, category, description, ignore (repeat for each column).
        #[arg(long, value_name = "HEADER=ROLE")]
        map: Vec<String>,
        /// Read column roles saved by --save-mapping (one "Header=role" a line).
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Write the column roles used (--mapping and --map together) to FILE, for the
        /// next version of the same ladder.
        #[arg(long, value_name = "FILE")]
        save_mapping: Option<PathBuf>,
        /// Save it as a new framework version (otherwise only a preview).
        #[arg(long)]
        commit: bool,
        /// For a spreadsheet (XLSX, ODS): the sheet to read, by name (default: the first).
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
    },
}

/// Parse arguments, run the command, turn errors into a message and exit code 1.
pub fn main() -> ExitCode {
    use clap::FromArgMatches;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let config_path = crate::config::path_from(&args);
    let file = match config_path.as_deref().map(crate::config::load).transpose() {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    rungs_core::settings::install_file_values(file.iter().map(|(k, v)| (format!("RUNGS_{}", k.to_ascii_uppercase()), v.clone())).collect());
    let matches = crate::config::command_with(&file).get_matches_from(args);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    if let Command::Config { action: ConfigAction::Check } = cli.command {
        print!("{}", crate::config::check(config_path.as_deref(), &file));
        return ExitCode::SUCCESS;
    }
    commands::init_tracing();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(commands::run(cli.command, config_path.as_deref()));
    // Dropping the runtime would wait for every blocking thread without limit. Once
    // the command is over nothing there needs finishing: reads stop when dropped (the
    // store interrupts them), writes run on the store's own thread, and what may be
    // left (an analytics computation whose request was dropped at the end of the
    // shutdown grace) is thrown away, so the process exits in bounded time.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

/// Which analytics report `rungs report` prints.
#[derive(Debug, Subcommand)]
pub enum ReportWhat {
    /// Promotion rate, time in level, cadence, recent progression: organization,
    /// departments, tracks, managers, month by month.
    Metrics {
        /// The period: this many months before today (1–60).
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long)]
        json: bool,
        /// Print one table as CSV instead (docs/ANALYTICS.md lists them).
        #[arg(long, value_name = "TABLE", conflicts_with = "json")]
        csv: Option<String>,
    },
    /// People with no progression for N days and longer in level than 3 in 4 peers, ranked, with reasons.
    Stagnation {
        /// N: days without progression of any kind.
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long)]
        json: bool,
        /// Print one table as CSV instead (docs/ANALYTICS.md lists them).
        #[arg(long, value_name = "TABLE", conflicts_with = "json")]
        csv: Option<String>,
    },
    /// Retention and later promotion by cadence and time since promotion: Kaplan–Meier
    /// curves, log-rank tests, person-month rates, conclusion and caveats.
    WhatWorks {
        /// Landmark date (YYYY-MM-DD); default 18 months ago.
        #[arg(long)]
        landmark: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
        /// Print one table as CSV instead (docs/ANALYTICS.md lists them).
        #[arg(long, value_name = "TABLE", conflicts_with = "json")]
        csv: Option<String>,
    },
    /// Promotion and recognition rates by a sensitive attribute: ratio to the highest
    /// group (four-fifths rule), Fisher's exact and χ² tests, small groups suppressed.
    Equity {
        /// The attribute to compare by (default: the first recorded, alphabetically).
        #[arg(long)]
        attribute: Option<String>,
        /// The period: this many months before today (1–60).
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long)]
        json: bool,
        /// Print one table as CSV instead (docs/ANALYTICS.md lists them).
        #[arg(long, value_name = "TABLE", conflicts_with = "json")]
        csv: Option<String>,
    },
}

/// What `rungs export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The ledger file: one JSON object a line, re-importable.
    Jsonl,
    /// `events.parquet` and `people.parquet` in the `--out` directory.
    Parquet,
}

#[derive(Debug, Subcommand)]
pub enum LeaderboardsAction {
    /// One board, as the people team sees it (the projection the job last computed).
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// most-improved, streaks, breadth or wins.
        #[arg(long, default_value = "most-improved")]
        board: String,
        /// month, quarter or year (the current one).
        #[arg(long, default_value = "month")]
        period: String,
        /// all, department:<name> or manager:<person id>.
        #[arg(long, default_value = "all")]
        team: String,
        #[arg(long, default_value_t = 10)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Turn leaderboards on for the organization.
    On {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Turn leaderboards off.
    Off {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Compute every board now (what the `leaderboards` job of `rungs serve` does).
    Compute {
        #[command(flatten)]
        db: DbArgs,
    },
}
