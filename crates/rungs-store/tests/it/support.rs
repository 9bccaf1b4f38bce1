//! Builders for the conformance suite: organizations, people and events with
//! readable defaults, so each test states only what it is about.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rungs_core::event::*;
use rungs_core::person::{Organization, Position};
use rungs_core::store::{AppendBatch, Appended, IdempotencyClaim, Store, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};

/// A fresh SQLite store in a temporary directory, removed on drop.
pub struct SqliteDb {
    pub dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
}

impl SqliteDb {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.expect("open"));
        SqliteDb { dir, store }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("rungs.db")
    }
}

/// The admin URL of the PostgreSQL server tests may use, from `RUNGS_TEST_PG_URL`.
/// Without it the PostgreSQL half of the suite skips, saying so loudly once.
pub fn pg_admin_url() -> Option<String> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    match std::env::var("RUNGS_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            // Straight to the stderr handle: the test harness captures eprintln!.
            WARNED.call_once(|| {
                use std::io::Write;
                let _ =
                    writeln!(std::io::stderr(), "\n*** SKIPPED: PostgreSQL tests (set RUNGS_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test) ***\n");
            });
            None
        }
    }
}

/// `url` with its database name replaced by `db` (query options kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn admin_exec(admin: &str, sql: &str) {
    let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("connect to RUNGS_TEST_PG_URL");
    let task = tokio::spawn(conn);
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    drop(client);
    let _ = task.await;
}

/// A fresh PostgreSQL database for one test, dropped (connections and all) when
/// this guard is dropped.
pub struct PgDb {
    pub name: String,
    pub admin: String,
    pub url: String,
    pub store: Arc<dyn Store>,
    pub pg: Arc<rungs_store::PgStore>,
}

impl PgDb {
    /// `None` (after a loud message) when `RUNGS_TEST_PG_URL` is not set.
    pub async fn new() -> Option<Self> {
        let admin = pg_admin_url()?;
        let name = format!("rungs_test_{}", uuid::Uuid::now_v7().simple());
        admin_exec(&admin, &format!("CREATE DATABASE {name}")).await;
        let url = with_database(&admin, &name);
        let pg =
            Arc::new(rungs_store::open_postgres(&format!("{url}{}pool_max_size=8", if url.contains('?') { "&" } else { "?" })).await.expect("open postgres"));
        let store: Arc<dyn Store> = pg.clone();
        Some(PgDb { name, admin, url, store, pg })
    }

    /// Another store on the same database: a second server instance.
    pub async fn another_instance(&self) -> Arc<dyn Store> {
        Arc::new(rungs_store::open_postgres(&self.url).await.expect("open postgres"))
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        self.pg.close();
        drop_database(&self.admin, &self.name);
    }
}

/// Drop the database `name` and every connection to it.
fn drop_database(admin: &str, name: &str) {
    let (admin, sql) = (admin.to_string(), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    // Drop runs inside the test's runtime; a thread with its own runtime may block.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(admin_exec(&admin, &sql));
    })
    .join();
}

/// A fresh PostgreSQL database with nothing in it (not even migrations), dropped
/// with this guard: for building a database as an older rungs left it.
pub struct EmptyPgDb {
    pub name: String,
    pub admin: String,
    pub url: String,
}

impl EmptyPgDb {
    pub async fn new() -> Option<Self> {
        let admin = pg_admin_url()?;
        let name = format!("rungs_test_{}", uuid::Uuid::now_v7().simple());
        admin_exec(&admin, &format!("CREATE DATABASE {name}")).await;
        let url = with_database(&admin, &name);
        Some(EmptyPgDb { name, admin, url })
    }
}

impl Drop for EmptyPgDb {
    fn drop(&mut self) {
        drop_database(&self.admin, &self.name);
    }
}

/// Day `n` of the test calendar, at 09:00 UTC.
pub fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap() + Duration::days(n)
}

pub fn pos(level: &str) -> Position {
    Position { track: "engineering".into(), level: level.into(), title: format!("Engineer {level}") }
}

pub async fn new_org(store: &Arc<dyn Store>) -> OrgId {
    let org = Organization { id: OrgId::new(), name: "Acme".into(), created_at: Utc::now() };
    store.create_org(&org).await.expect("create org");
    org.id
}

/// An event about `subject` on `at`, with nothing optional set.
pub fn event(org: OrgId, subject: PersonId, at: DateTime<Utc>, body: EventBody) -> NewEvent {
    NewEvent {
        id: EventId::new(),
        org_id: org,
        subject,
        actor: None,
        occurred_at: at,
        recorded_at: Utc::now(),
        body,
        competencies: vec![],
        evidence: vec![],
        idempotency_key: None,
    }
}

pub fn hired(name: &str, email: &str) -> EventBody {
    EventBody::Hired(Hired {
        name: name.into(),
        email: email.into(),
        manager_id: None,
        department: Some("Platform".into()),
        location: None,
        position: pos("l1"),
        pay_band: None,
        sensitive: Default::default(),
    })
}

pub fn hired_under(name: &str, email: &str, manager: PersonId) -> EventBody {
    let EventBody::Hired(h) = hired(name, email) else { unreachable!() };
    EventBody::Hired(Hired { manager_id: Some(manager), ..h })
}

pub fn win(title: &str) -> EventBody {
    EventBody::MicroProgression(MicroProgression { category: Category::Skill, magnitude: Magnitude::Micro, title: title.into(), description: None })
}

pub fn promotion(level: &str) -> EventBody {
    EventBody::Promotion(Promotion { to: pos(level), pay_band: None, note: None })
}

pub fn reversal(target: EventId) -> EventBody {
    EventBody::Reversal(Reversal { target, reason: "recorded by mistake".into() })
}

pub fn departure() -> EventBody {
    EventBody::Departure(Departure { reason: DepartureReason::Voluntary, note: None })
}

pub fn email_change(email: &str) -> EventBody {
    EventBody::ProfileUpdated(ProfileUpdated { email: Some(email.into()), ..Default::default() })
}

pub fn batch(org: OrgId, events: Vec<NewEvent>) -> AppendBatch {
    AppendBatch { org_id: org, events, claim: None }
}

pub fn claim(key: &str, fingerprint: &str) -> Option<IdempotencyClaim> {
    Some(IdempotencyClaim { scope: "tester".into(), key: key.into(), fingerprint: fingerprint.into() })
}

/// Append one event and return it as stored.
pub async fn append1(store: &Arc<dyn Store>, e: NewEvent) -> Event {
    try_append1(store, e).await.expect("append").events.remove(0)
}

pub async fn try_append1(store: &Arc<dyn Store>, e: NewEvent) -> StoreResult<Appended> {
    store.append(batch(e.org_id, vec![e])).await
}

/// Hire someone on day 0 and return their id.
pub async fn hire(store: &Arc<dyn Store>, org: OrgId, name: &str) -> PersonId {
    let id = PersonId::new();
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    append1(store, event(org, id, day(0), hired(name, &email))).await;
    id
}

/// The fields of a refused append, for asserting on.
pub fn fields(e: &rungs_core::store::StoreError) -> Vec<String> {
    use rungs_core::store::StoreError;
    match e {
        StoreError::Invalid(v) => v.errors.iter().map(|f| f.field.clone()).collect(),
        StoreError::Conflict { field, .. } => vec![field.clone()],
        other => panic!("expected a field error, got {other:?}"),
    }
}
