//! Notifications end to end on a real SQLite file: derived once from the ledger
//! whatever the number of runs, read and marked read only by their recipient, email
//! choices, invites used once, and email delivered to a real SMTP server.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::event::EventInput;
use rungs_core::notifications::{EmailChoice, EmailStatus, NotificationKind};
use rungs_core::person::Role;
use rungs_core::store::Store;
use rungs_core::{OrgId, PersonId};
use serde_json::json;

use super::*;
use crate::Viewer;

struct Org {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    org: OrgId,
    admin: Viewer,
    boss: PersonId,
    ada: PersonId,
}

async fn org() -> Org {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("n.db")).await.unwrap());
    let s = store.as_ref();
    let init = crate::org::init(s, "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let hire = |name: &str, manager: Option<PersonId>| {
        json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "manager_id": manager, "department": "Platform",
               "position": {"track": "engineering", "level": "e2", "title": "Engineer"}})
    };
    let boss = crate::people::create(s, &admin, hire("Boss", None), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let ada = crate::people::create(s, &admin, hire("Ada", Some(boss)), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    Org { _dir: dir, store, org: init.org.id, admin, boss, ada }
}

fn as_person(o: &Org, id: PersonId, role: Role) -> Viewer {
    Viewer { org_id: o.org, person_id: Some(id), role, token_id: None }
}

/// Ada logs a win, her manager validates it: returns the win's id.
async fn win_validated(o: &Org) {
    let s = o.store.as_ref();
    let ada = as_person(o, o.ada, Role::Employee);
    let win = EventInput {
        subject: json!(o.ada),
        kind: json!("micro_progression"),
        payload: json!({"category": "skill", "magnitude": "nano", "title": "Shipped the importer"}),
        ..EventInput::default()
    };
    let w = crate::events::record(s, &ada, vec![win], None).await.unwrap().events[0].id;
    let boss = as_person(o, o.boss, Role::Manager);
    let v = EventInput { subject: json!(o.ada), kind: json!("validation"), payload: json!({"target": w, "role": "manager"}), ..EventInput::default() };
    crate::events::record(s, &boss, vec![v], None).await.unwrap();
}

#[tokio::test]
async fn a_validated_win_tells_its_author_once_and_the_request_went_to_the_manager() {
    let o = org().await;
    let s = o.store.as_ref();
    win_validated(&o).await;
    let first = derive::run(s, o.org, Utc::now()).await.unwrap();
    assert_eq!(first.created, 2, "{first:?}");
    // Run again (another instance, a retry): nothing new.
    let again = derive::run(s, o.org, Utc::now()).await.unwrap();
    assert_eq!(again, derive::Report::default());
    // Even a run replaying the same stretch (a stale cursor) creates nothing twice.
    let cursor = s.notify_cursor(o.org).await.unwrap();
    assert_eq!(s.record_notifications(o.org, 0, cursor, &[]).await.unwrap(), None, "the cursor moved: the stale run is refused");

    let ada = as_person(&o, o.ada, Role::Employee);
    let boss = as_person(&o, o.boss, Role::Manager);
    let mine = list(s, &ada, false, None, None).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].kind, NotificationKind::WinValidated);
    assert_eq!(mine[0].text, "Boss validated your win");
    assert_eq!(mine[0].email, EmailStatus::Pending, "validations are emailed at once by default");
    let theirs = list(s, &boss, false, None, None).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].kind, NotificationKind::ValidationRequested);
    assert!(theirs[0].text.contains("Ada logged a win to validate"), "{}", theirs[0].text);
    assert_eq!(unread(s, &ada).await.unwrap(), 1);

    // Nobody marks another person's notification read.
    let err = mark_read(s, &boss, mine[0].id, Utc::now()).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound), "{err:?}");
    mark_read(s, &ada, mine[0].id, Utc::now()).await.unwrap();
    assert_eq!(unread(s, &ada).await.unwrap(), 0);
    assert_eq!(unread(s, &boss).await.unwrap(), 1);
    assert_eq!(mark_all_read(s, &boss, Utc::now()).await.unwrap(), 1);
    assert_eq!(unread(s, &boss).await.unwrap(), 0);
    assert!(list(s, &boss, true, None, None).await.unwrap().is_empty());
    let err = list(s, &boss, false, None, Some(0)).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "limit"), "{err:?}");
}

#[tokio::test]
async fn email_choices_decide_what_is_sent_and_bad_ones_change_nothing() {
    let o = org().await;
    let s = o.store.as_ref();
    let ada = as_person(&o, o.ada, Role::Employee);
    let before = preferences(s, &ada).await.unwrap();
    assert_eq!(before.len(), NotificationKind::ALL.len());
    let err = set_preferences(s, &ada, &[("win_validated".into(), "digest".into()), ("win_validated".into(), "hourly".into())]).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "email.win_validated"), "{err:?}");
    assert_eq!(preferences(s, &ada).await.unwrap(), before, "nothing saved");
    let after = set_preferences(s, &ada, &[("win_validated".into(), "off".into())]).await.unwrap();
    assert!(after.contains(&(NotificationKind::WinValidated, EmailChoice::Off)));
    win_validated(&o).await;
    derive::run(s, o.org, Utc::now()).await.unwrap();
    let mine = list(s, &ada, false, None, None).await.unwrap();
    assert_eq!(mine[0].email, EmailStatus::None, "still in the app, not by email");
}

#[tokio::test]
async fn an_invite_signs_in_once_before_it_expires_and_only_the_people_team_sends_one() {
    let o = org().await;
    let s = o.store.as_ref();
    let now = Utc::now();
    let boss = as_person(&o, o.boss, Role::Manager);
    let err = invites::send(s, &boss, o.ada, None, now).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let sent = invites::send(s, &o.admin, o.ada, None, now).await.unwrap();
    assert!(!sent.emailed);
    let token = sent.path.strip_prefix("/invite/").unwrap().to_string();
    // The token is not stored, only its hash.
    assert_ne!(sent.invite.token_hash.to_vec(), token.as_bytes().to_vec());
    // A short password is refused before the link is used up.
    let err = invites::redeem(s, &token, "short", now).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "password"), "{err:?}");
    let p = invites::redeem(s, &token, "a long enough password", now).await.unwrap();
    assert_eq!(p.id, o.ada);
    let cred = s.credential_by_email("ada@example.com").await.unwrap();
    assert_eq!(cred.person_id, o.ada);
    let err = invites::redeem(s, &token, "another long password", now).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].reason.contains("already used")), "{err:?}");
    // Expired.
    let old = invites::send(s, &o.admin, o.ada, None, now - Duration::days(8)).await.unwrap();
    let err = invites::redeem(s, old.path.strip_prefix("/invite/").unwrap(), "a long enough password", now).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].reason.contains("expired")), "{err:?}");
    let err = invites::redeem(s, "not-a-token", "a long enough password", now).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].reason.contains("not valid")), "{err:?}");
    assert_eq!(invites::of_person(s, &o.admin, o.ada).await.unwrap().len(), 2);
}

/// A real SMTP server (Python's aiosmtpd) writing what it receives to a maildir.
struct Smtp {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_server() -> Option<Smtp> {
    let python = std::env::var("RUNGS_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let has = std::process::Command::new(&python).args(["-c", "import aiosmtpd"]).output().is_ok_and(|o| o.status.success());
    if !has {
        eprintln!("SKIPPED: no aiosmtpd for '{python}' (pip install aiosmtpd, or set RUNGS_TEST_PYTHON to a python that has it; .ci/run does)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir.path().join("mail"))
        .spawn()
        .unwrap();
    // Held by the guard from here on: it kills and waits for the server on every path.
    let smtp = Smtp { child, port, dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(smtp);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("aiosmtpd did not listen on {port}");
}

/// The messages the server received, quoted-printable soft line breaks joined (a
/// long link is folded at 76 characters on the wire).
fn delivered(smtp: &Smtp) -> Vec<String> {
    let new = smtp.dir.path().join("mail").join("new");
    let mut out: Vec<String> = std::fs::read_dir(new)
        .map(|d| d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).map(|m| m.replace("=\r\n", "").replace("=\n", "")).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn mailer(port: u16) -> mail::Mailer {
    mail::Mailer::new(&mail::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: mail::Security::None,
        username: None,
        password: None,
        from: "Rungs <rungs@example.com>".into(),
        base_url: "https://rungs.example.com/".into(),
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap()
}

#[tokio::test]
async fn a_validated_win_reaches_its_author_by_email_and_the_rest_waits_for_the_digest() {
    let Some(smtp) = smtp_server() else { return };
    let o = org().await;
    let s = o.store.as_ref();
    let m = mailer(smtp.port);
    win_validated(&o).await;
    // Recognition for Ada: digest by default.
    let boss = as_person(&o, o.boss, Role::Manager);
    let thanks = EventInput { subject: json!(o.ada), kind: json!("recognition"), payload: json!({"message": "Thanks!"}), ..EventInput::default() };
    crate::events::record(s, &boss, vec![thanks], None).await.unwrap();
    derive::run(s, o.org, Utc::now()).await.unwrap();

    let r = mail::send_due(s, &m, Utc::now()).await.unwrap();
    assert_eq!(r, mail::Sent { sent: 2, retrying: 0, failed: 0 }, "the author's validation and the manager's request");
    let got = delivered(&smtp);
    assert_eq!(got.len(), 2, "{got:?}");
    let to_ada = got.iter().find(|m| m.contains("To: Ada <ada@example.com>")).expect("Ada got an email");
    assert!(to_ada.contains("Subject: Boss validated your win"), "{to_ada}");
    assert!(to_ada.contains("Content-Type: text/plain") && to_ada.contains("Content-Type: text/html"), "text and HTML parts: {to_ada}");
    assert!(to_ada.contains("https://rungs.example.com/timeline"), "{to_ada}");
    // Sent once.
    assert_eq!(mail::send_due(s, &m, Utc::now()).await.unwrap(), mail::Sent::default());

    let d = mail::send_digests(s, &m).await.unwrap();
    assert_eq!(d.sent, 1);
    let got = delivered(&smtp);
    let digest = got.iter().find(|m| m.contains("Subject: Your Rungs digest")).expect("a digest");
    assert!(digest.contains("Boss recognized you"), "{digest}");
    assert_eq!(mail::send_digests(s, &m).await.unwrap(), mail::Sent::default(), "nothing waits any more");

    // An invite by email: the link in the message signs in.
    let sent = invites::send(s, &o.admin, o.boss, Some(&m), Utc::now()).await.unwrap();
    assert!(sent.emailed);
    let got = delivered(&smtp);
    let invite = got.iter().find(|m| m.contains("your invitation to Rungs")).expect("an invite");
    assert!(invite.contains(&format!("https://rungs.example.com{}", sent.path)), "{invite}");
}

#[tokio::test]
async fn a_server_that_refuses_is_retried_with_backoff() {
    let o = org().await;
    let s = o.store.as_ref();
    // Nobody listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let m = mailer(port);
    win_validated(&o).await;
    derive::run(s, o.org, Utc::now()).await.unwrap();
    let now = Utc::now();
    let r = mail::send_due(s, &m, now).await.unwrap();
    assert_eq!(r.retrying, 2, "{r:?}");
    assert!(s.emails_due(now, 10).await.unwrap().is_empty(), "not due again at once");
    let later = s.emails_due(now + mail::backoff(1), 10).await.unwrap();
    assert_eq!(later.len(), 2);
    assert_eq!(later[0].email_attempts, 1);
    assert_eq!(mail::backoff(1), Duration::seconds(60));
    assert_eq!(mail::backoff(10), Duration::seconds(3600));
}
