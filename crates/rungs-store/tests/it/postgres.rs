//! The conformance suite against PostgreSQL (each test on a fresh database, dropped
//! afterwards), plus checks only PostgreSQL has: its triggers, its migrations under
//! an advisory lock, and several instances appending to one database.

use std::collections::HashSet;
use std::sync::Arc;

use rungs_core::store::{EventQuery, Store};

use crate::support::*;

conformance_suite!(PgDb::new().await);

#[test]
fn sqlite_and_postgres_migrations_have_the_same_versions_and_names() {
    let names = |m: &[rungs_store::sqlite::migrate::Migration]| m.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
    assert_eq!(names(rungs_store::sqlite::migrate::MIGRATIONS), names(rungs_store::postgres::migrate::MIGRATIONS));
    // And the files on disk are the ones embedded, numbered the same in both folders.
    let files = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(files("sqlite"), files("postgres"));
}

async fn raw(db: &PgDb) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

#[tokio::test]
async fn ledger_rows_cannot_be_updated_deleted_or_truncated() {
    let Some(db) = PgDb::new().await else { return };
    let org = new_org(&db.store).await;
    hire(&db.store, org, "Ada").await;
    let c = raw(&db).await;
    for sql in ["UPDATE events SET kind = 'promotion'", "DELETE FROM events", "TRUNCATE events CASCADE"] {
        let err = c.batch_execute(sql).await.unwrap_err();
        assert!(format!("{err:?}").contains("append-only"), "{sql}: {err:?}");
    }
    let n: i64 = c.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once() {
    let Some(db) = PgDb::new().await else { return };
    // The guard's store migrated already; wipe nothing, but open five more at once.
    let opens: Vec<_> = (0..5).map(|_| db.another_instance()).collect();
    for s in futures_join_all(opens).await {
        assert_eq!(s.backend(), "postgres");
    }
    let c = raw(&db).await;
    let versions: Vec<i64> = c.query("SELECT version FROM schema_migrations ORDER BY version", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let known: Vec<i64> = rungs_store::postgres::migrate::MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(versions, known);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_database_migrates_once_under_concurrent_opens() {
    let Some(admin) = pg_admin_url() else { return };
    let name = format!("rungs_test_{}", uuid::Uuid::now_v7().simple());
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = with_database(&admin, &name);
    let opens: Vec<_> = (0..4).map(|_| rungs_store::open(&url)).collect();
    let results = futures_join_all(opens).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    drop(results);
    client.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
    assert_eq!(ok, 4, "every instance opened: the advisory lock serialised their migrations");
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(db) = PgDb::new().await else { return };
    raw(&db).await.batch_execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')").await.unwrap();
    let err = rungs_store::open(&db.url).await.err().expect("refused");
    assert!(matches!(err, rungs_store::OpenError::SchemaTooNew { found: 9999, .. }), "{err}");
}

/// Two instances (two pools) append to one organization at once while a reader
/// pages "events after seq N": every acknowledged event is seen exactly once and no
/// page ever skips a seq that commits later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_append_in_commit_order() {
    let Some(db) = PgDb::new().await else { return };
    let (a, b) = (db.store.clone(), db.another_instance().await);
    let org = new_org(&a).await;
    let people: Vec<_> = futures_join_all((0..4).map(|i| {
        let a = a.clone();
        async move { hire(&a, org, &format!("P {i}")).await }
    }))
    .await;
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let s: Arc<dyn Store> = if t % 2 == 0 { a.clone() } else { b.clone() };
            let subject = people[t % people.len()];
            tokio::spawn(async move {
                let mut ids = vec![];
                for i in 0..25 {
                    ids.push(append1(&s, event(org, subject, day(1 + i), win("w"))).await.id);
                }
                ids
            })
        })
        .collect();
    // Tail the ledger while the writers run: the cursor never goes back.
    let reader = {
        let b = b.clone();
        tokio::spawn(async move {
            let (mut seen, mut cursor) = (Vec::new(), None::<String>);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while std::time::Instant::now() < deadline {
                let page = b.events(org, &EventQuery { cursor: cursor.clone(), limit: 50, ..Default::default() }).await.unwrap();
                if let Some(last) = page.items.last() {
                    cursor = Some(format!("e{}", last.seq));
                }
                seen.extend(page.items.into_iter().map(|e| e.seq));
                if seen.len() == 204 {
                    break;
                }
            }
            seen
        })
    };
    let mut acked = HashSet::new();
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    let seen = reader.await.unwrap();
    assert_eq!(acked.len(), 200);
    assert_eq!(seen, (1..=204).collect::<Vec<i64>>(), "the tail saw every seq once, in order, without gaps");
    let wins: u32 = a.all_people(org).await.unwrap().iter().map(|p| p.micro_progressions).sum();
    assert_eq!(wins, 200);
}

async fn futures_join_all<F: std::future::Future>(fs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    // Polled together, so they really run at once.
    futures_util::future::join_all(fs).await
}

/// Each instance keeps a parsed copy of the framework; a change saved through another
/// instance (a new `xmin` on the row) replaces it at the next read.
#[tokio::test]
async fn the_framework_cache_sees_a_change_saved_by_another_instance() {
    let Some(db) = PgDb::new().await else { return };
    let (a, b) = (db.store.clone(), db.another_instance().await);
    let org = new_org(&a).await;
    let mut fw = rungs_core::framework::Framework::default();
    a.save_framework(org, &fw).await.unwrap();
    assert_eq!(*a.framework(org).await.unwrap(), fw, "read once: now cached");
    fw.competencies.push(rungs_core::framework::Competency { key: "testing".into(), name: "Testing".into(), category: "craft".into() });
    b.save_framework(org, &fw).await.unwrap();
    assert_eq!(*a.framework(org).await.unwrap(), fw, "the cached copy was replaced");
    assert!(Arc::ptr_eq(&a.framework(org).await.unwrap(), &a.framework(org).await.unwrap()), "an unchanged row is not parsed again");
}

/// Two server instances (two stores, two appenders, one database) awarding the same
/// badge tier at once: the ledger's unique event key lets one through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_award_a_badge_tier_once() {
    use rungs_core::badges::{FactBody, Tier, award_key};
    use rungs_core::event::{BadgeAwarded, EventBody};
    let Some(db) = PgDb::new().await else { return };
    let second = db.another_instance().await;
    let org = new_org(&db.store).await;
    let ada = hire(&db.store, org, "Ada").await;
    let tries = (0..20).map(|i| {
        let store = if i % 2 == 0 { db.store.clone() } else { second.clone() };
        let body = EventBody::BadgeAwarded(BadgeAwarded {
            badge: "burst".into(),
            tier: Tier::Bronze,
            name: "Burst".into(),
            earned_by: vec![],
            reason: None,
            by_hand: false,
        });
        let mut e = event(org, ada, day(3), body);
        e.idempotency_key = Some(award_key(ada, "burst", Tier::Bronze));
        tokio::spawn(async move { try_append1(&store, e).await })
    });
    let mut fresh = 0;
    for t in tries {
        fresh += usize::from(!t.await.unwrap().expect("appends or replays").replayed);
    }
    assert_eq!(fresh, 1);
    let awards = db.store.badge_facts(org, 0, 100).await.unwrap().into_iter().filter(|f| matches!(f.body, FactBody::Award { .. })).count();
    assert_eq!(awards, 1);
}

/// Two server instances approving promotion cases of one budget at once: the slot
/// key lets exactly the budget through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_approve_no_more_than_the_budget() {
    use crate::conformance::promotions::{approve_all_at_once, cases_in_review};
    let Some(db) = PgDb::new().await else { return };
    let second = db.another_instance().await;
    let (c, cases) = cases_in_review(&db.store, 30, 7, None).await;
    approve_all_at_once(&[db.store.clone(), second], &c, &cases, 7).await;
}

/// Two server instances deciding one parallel step at once, each approver twice: one
/// decision per approver is kept and the step completes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_record_each_decision_once() {
    let Some(db) = PgDb::new().await else { return };
    let second = db.another_instance().await;
    crate::conformance::proposals::decide_at_once(&[db.store.clone(), second]).await;
}

/// A database left at migration step 1 (a ledger, no people projection yet) opens
/// with its people folded from the ledger, equal to those of the database it was
/// copied from (`rungs_store::REFOLD_AFTER`; SQLite's side is the upgrade fixtures'
/// test in `crates/rungs/tests/it/upgrade.rs`).
#[tokio::test]
async fn a_ledger_from_before_the_people_projection_gets_its_people_on_upgrade() {
    let Some(full) = PgDb::new().await else { return };
    let Some(old) = EmptyPgDb::new().await else { return };
    let org = new_org(&full.store).await;
    let ada = hire(&full.store, org, "Ada").await;
    hire(&full.store, org, "Bo").await;
    append1(&full.store, event(org, ada, day(3), win("first win"))).await;
    append1(&full.store, event(org, ada, day(5), promotion("l2"))).await;

    // Step 1 exactly as its migration made it, with the full database's rows in it.
    let (c, conn) = tokio_postgres::connect(&old.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c.batch_execute(rungs_store::postgres::migrate::MIGRATIONS[0].sql).await.unwrap();
    c.batch_execute(
        "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()); \
         INSERT INTO schema_migrations (version, name) VALUES (1, 'ledger')",
    )
    .await
    .unwrap();
    let src = raw(&full).await;
    for table in ["organizations", "frameworks", "ledger_heads", "events"] {
        for row in src.query(&format!("SELECT row_to_json(t)::text FROM {table} t"), &[]).await.unwrap() {
            let json: String = row.get(0);
            let sql = format!("INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::{table}, $1::text::json)");
            c.execute(&sql, &[&json]).await.unwrap();
        }
    }
    drop(c);

    let upgraded = rungs_store::open_postgres(&old.url).await.unwrap();
    let people = upgraded.all_people(org).await.unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people, full.store.all_people(org).await.unwrap(), "the people folded on upgrade are the live ones");
    upgraded.close();
}
