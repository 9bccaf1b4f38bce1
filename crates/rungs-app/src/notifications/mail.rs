//! Email over SMTP (lettre; docs/NOTIFICATIONS.md): one message per notification a
//! person wants at once, one daily digest for the rest, and invites. Sending runs
//! in the background job, never in a request; a failed send is retried with
//! exponential backoff (30 s doubling, at most an hour apart) and given up after
//! [`MAX_ATTEMPTS`]. Every message has a text and an HTML part from the templates in
//! `crates/rungs-app/templates/email`.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use minijinja::{Environment, context};
use rungs_core::notifications::{EmailStatus, Notification};
use rungs_core::person::{Person, PersonStatus};
use rungs_core::store::{Store, StoreError};
use rungs_core::{OrgId, PersonId};

use crate::AppError;

/// Attempts at one email before it is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// Emails sent per run at most.
pub const BATCH: u32 = 100;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (a relay on localhost or a test server).
    None,
    /// STARTTLS on the submission port (587), required: no fallback to plain text.
    StartTls,
    /// TLS from the first byte (465).
    Tls,
}

impl Security {
    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "none" => Some(Security::None),
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            _ => None,
        }
    }
}

/// SMTP settings (`rungs serve --smtp-*`).
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The From address, e.g. `Rungs <rungs@example.com>`.
    pub from: String,
    /// The address people reach Rungs at, for links (`https://rungs.example.com`).
    pub base_url: String,
    pub timeout: Duration,
}

/// A configured sender (cheap to clone: the transport and its connection pool are shared).
#[derive(Clone)]
pub struct Mailer {
    transport: std::sync::Arc<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    base_url: String,
}

impl std::fmt::Debug for Mailer {
    // Never the credentials: the sender and where links point.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in [
        ("notification.txt", include_str!("../../templates/email/notification.txt")),
        ("notification.html", include_str!("../../templates/email/notification.html")),
        ("digest.txt", include_str!("../../templates/email/digest.txt")),
        ("digest.html", include_str!("../../templates/email/digest.html")),
        ("invite.txt", include_str!("../../templates/email/invite.txt")),
        ("invite.html", include_str!("../../templates/email/invite.html")),
    ] {
        if let Err(e) = env.add_template(name, src) {
            tracing::error!(template = name, error = %e, "an email template does not compile");
        }
    }
    env
});

/// Text and HTML of the template pair `name`.
pub fn render(name: &str, ctx: &minijinja::Value) -> Result<(String, String), AppError> {
    let one = |ext: &str| -> Result<String, AppError> {
        let t = TEMPLATES.get_template(&format!("{name}.{ext}")).map_err(|e| AppError::context(format!("email template {name}.{ext}"), e))?;
        t.render(ctx).map_err(|e| AppError::context(format!("email template {name}.{ext}"), e))
    };
    Ok((one("txt")?, one("html")?))
}

impl Mailer {
    pub fn new(c: &SmtpConfig) -> Result<Mailer, String> {
        let from: Mailbox = c.from.parse().map_err(|e| format!("--smtp-from '{}': {e}", c.from))?;
        let builder = match c.security {
            Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host),
            Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host).map_err(|e| format!("--smtp-host '{}': {e}", c.host))?,
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host).map_err(|e| format!("--smtp-host '{}': {e}", c.host))?,
        };
        let mut builder = builder.port(c.port).timeout(Some(c.timeout));
        if let (Some(u), Some(p)) = (&c.username, &c.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Mailer { transport: std::sync::Arc::new(builder.build()), from, base_url: c.base_url.trim_end_matches('/').to_string() })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// An absolute link to `path` in the app.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Send one message with a text and an HTML part.
    pub async fn send(&self, to: &Person, subject: &str, text: String, html: String) -> Result<(), String> {
        let to = Mailbox::new(Some(to.name.clone()), to.email.parse().map_err(|e| format!("the address '{}': {e}", to.email))?);
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| e.to_string())?;
        self.transport.send(msg).await.map(drop).map_err(|e| e.to_string())
    }
}

/// When to try again after `attempts` failures: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 20)).min(3600);
    chrono::Duration::seconds(secs)
}

/// What a run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
}

async fn recipient(store: &dyn Store, org: OrgId, id: PersonId) -> Result<Option<Person>, AppError> {
    match store.person(org, id).await {
        Ok(p) if p.status == PersonStatus::Active => Ok(Some(p)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Send the emails due at `now`, one per notification.
pub async fn send_due(store: &dyn Store, mailer: &Mailer, now: DateTime<Utc>) -> Result<Sent, AppError> {
    let mut r = Sent::default();
    for n in store.emails_due(now, BATCH).await? {
        let Some(person) = recipient(store, n.org_id, n.recipient).await? else {
            // Left, or gone: nobody to write to.
            store.set_email_status(&[n.id], EmailStatus::None, None, Some("the recipient has left")).await?;
            continue;
        };
        let link = n.link.as_deref().map(|l| mailer.link(l));
        let ctx = context! { name => person.name, text => n.text, link => link, settings => mailer.link("/notifications/settings") };
        let (text, html) = render("notification", &ctx)?;
        match mailer.send(&person, &n.text, text, html).await {
            Ok(()) => {
                store.set_email_status(&[n.id], EmailStatus::Sent, None, None).await?;
                r.sent += 1;
            }
            Err(e) => r = fail(store, &n, &e, now, r).await?,
        }
    }
    Ok(r)
}

async fn fail(store: &dyn Store, n: &Notification, error: &str, now: DateTime<Utc>, mut r: Sent) -> Result<Sent, AppError> {
    let attempts = n.email_attempts + 1;
    tracing::warn!(notification = %n.id, attempts, error, "email not sent");
    if attempts >= MAX_ATTEMPTS {
        store.set_email_status(&[n.id], EmailStatus::Failed, None, Some(error)).await?;
        r.failed += 1;
    } else {
        store.set_email_status(&[n.id], EmailStatus::Pending, Some(now + backoff(attempts)), Some(error)).await?;
        r.retrying += 1;
    }
    Ok(r)
}

/// The daily digest: one email per person with everything waiting for it. A send
/// that fails leaves that person's notifications waiting for the next digest.
pub async fn send_digests(store: &dyn Store, mailer: &Mailer) -> Result<Sent, AppError> {
    let mut by_person: BTreeMap<(OrgId, PersonId), Vec<Notification>> = BTreeMap::new();
    for n in store.digest_waiting(10_000).await? {
        by_person.entry((n.org_id, n.recipient)).or_default().push(n);
    }
    let mut r = Sent::default();
    for ((org, id), items) in by_person {
        let ids: Vec<_> = items.iter().map(|n| n.id).collect();
        let Some(person) = recipient(store, org, id).await? else {
            store.set_email_status(&ids, EmailStatus::None, None, Some("the recipient has left")).await?;
            continue;
        };
        let list: Vec<_> = items.iter().map(|n| context! { text => n.text, link => n.link.as_deref().map(|l| mailer.link(l)) }).collect();
        let ctx = context! { name => person.name, items => list, settings => mailer.link("/notifications/settings") };
        let (text, html) = render("digest", &ctx)?;
        let subject = format!("Your Rungs digest: {}", rungs_core::text::count(items.len() as u64, "update"));
        match mailer.send(&person, &subject, text, html).await {
            Ok(()) => {
                store.set_email_status(&ids, EmailStatus::Sent, None, None).await?;
                r.sent += 1;
            }
            Err(e) => {
                tracing::warn!(person = %id, error = %e, "digest not sent; it waits for the next one");
                store.set_email_status(&ids, EmailStatus::Digest, None, Some(&e)).await?;
                r.retrying += 1;
            }
        }
    }
    Ok(r)
}
