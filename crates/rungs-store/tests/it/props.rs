//! Property tests of the append path (proptest: generated ledgers with backdated
//! events, reversals, validations, email changes, keys, claims and batches arriving
//! together; failures shrink to a small counterexample). A modest case count keeps
//! them to seconds; the PostgreSQL half skips without `RUNGS_TEST_PG_URL`.
//!
//! - the state kept incrementally equals a fold from scratch equals a rebuild;
//! - SQLite, PostgreSQL and the in-memory reference backend load the same snapshot,
//!   so the plan is the same whichever backend loaded it, and answer the same;
//! - export -> import -> export gives the same ledger and people.

use std::sync::Arc;

use futures_util::future::join_all;
use proptest::prelude::*;
use rungs_core::OrgId;
use rungs_core::event::{Event, NewEvent};
use rungs_core::ledger::testing::{Builder, GenBatch, MemLedger, groups};
use rungs_core::ledger::{self, SnapshotRequest};
use rungs_core::person::{Organization, Person};
use rungs_core::projection;
use rungs_core::store::{AppendBatch, Store};
use rungs_store::{PgStore, SqliteStore};

use crate::support::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, max_shrink_iters: 200, ..ProptestConfig::default() }
}

async fn create_org(store: &dyn Store, org: OrgId) {
    store.create_org(&Organization { id: org, name: "Props".into(), created_at: day(0) }).await.expect("org");
}

async fn fresh_sqlite() -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.expect("open"));
    (dir, store)
}

fn build(org: OrgId, gen_groups: &[Vec<GenBatch>]) -> Vec<Vec<AppendBatch>> {
    let mut b = Builder::new(org);
    gen_groups.iter().map(|g| g.iter().map(|x| b.batch(x)).collect()).collect()
}

async fn ledger_of(store: &dyn Store, org: OrgId) -> Vec<Event> {
    store.export_events(org, 0, 10_000).await.expect("export")
}

/// Every subject's fold from scratch, in `all_people` order (by id).
fn folded(events: &[Event]) -> Vec<Person> {
    let mut subjects: Vec<_> = events.iter().map(|e| e.subject).collect();
    subjects.sort();
    subjects.dedup();
    subjects.iter().filter_map(|s| projection::fold(&events.iter().filter(|e| e.subject == *s).cloned().collect::<Vec<_>>())).collect()
}

/// Appends each group's batches all at once (the backend groups them as it likes),
/// then checks the people against a fold from scratch and against a rebuild.
async fn incremental_fold_and_rebuild_agree(store: &dyn Store, org: OrgId, gen_groups: &[Vec<GenBatch>]) -> Result<(), TestCaseError> {
    for group in build(org, gen_groups) {
        join_all(group.into_iter().map(|b| store.append(b))).await;
    }
    let people = store.all_people(org).await.expect("people");
    prop_assert_eq!(&people, &folded(&ledger_of(store, org).await));
    store.rebuild(org).await.expect("rebuild");
    prop_assert_eq!(&store.all_people(org).await.expect("people"), &people);
    Ok(())
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn sqlite_state_is_a_fold_from_scratch_and_a_rebuild(gen_groups in groups()) {
        runtime().block_on(async {
            let (_dir, store) = fresh_sqlite().await;
            let org = OrgId::new();
            create_org(&*store, org).await;
            incremental_fold_and_rebuild_agree(&*store, org, &gen_groups).await
        })?;
    }
}

#[test]
fn postgres_state_is_a_fold_from_scratch_and_a_rebuild() {
    let rt = runtime();
    let Some(db) = rt.block_on(PgDb::new()) else { return };
    proptest!(config(16), |(gen_groups in groups())| {
        rt.block_on(async {
            let org = OrgId::new();
            create_org(&*db.store, org).await;
            incremental_fold_and_rebuild_agree(&*db.store, org, &gen_groups).await
        })?;
    });
    drop(rt.block_on(async { db }));
}

/// Imports `events` into a fresh SQLite store the way `rungs import events` does
/// (same ids, times, actors and keys, in ledger order, in batches) and exports again.
async fn export_import_export(org: OrgId, events: &[Event], people: &[Person]) -> Result<(), TestCaseError> {
    let lines: Vec<String> = events.iter().map(|e| serde_json::to_string(e).expect("serialise")).collect();
    let (_dir, target) = fresh_sqlite().await;
    create_org(&*target, org).await;
    let parsed: Vec<Event> = lines.iter().map(|l| serde_json::from_str(l).expect("parse")).collect();
    for chunk in parsed.chunks(7) {
        let events = chunk
            .iter()
            .map(|e| NewEvent {
                id: e.id,
                org_id: e.org_id,
                subject: e.subject,
                actor: e.actor,
                occurred_at: e.occurred_at,
                recorded_at: e.recorded_at,
                body: e.body.clone(),
                competencies: e.competencies.clone(),
                evidence: e.evidence.clone(),
                idempotency_key: e.idempotency_key.clone(),
            })
            .collect();
        target.append(AppendBatch { org_id: org, events, claim: None }).await.expect("import");
    }
    prop_assert_eq!(&ledger_of(&*target, org).await, events);
    prop_assert_eq!(&target.all_people(org).await.expect("people"), people);
    Ok(())
}

/// Appends the same batches one at a time to every backend given and to the
/// in-memory reference. Before each group, each backend loads the snapshot the
/// group's plan asks for (with every subject's history): all must be equal, and so
/// the plans; every answer must be equal. Then export -> import -> export.
async fn backends_agree(sqlite: &SqliteStore, pg: Option<&PgStore>, org: OrgId, gen_groups: &[Vec<GenBatch>]) -> Result<(), TestCaseError> {
    let mut mem = MemLedger::default();
    for group in build(org, gen_groups) {
        let mut request = SnapshotRequest::new(org, &group);
        request.histories = request.subjects.clone();
        let reference = mem.load(&request);
        let from_sqlite = sqlite.snapshot(&request).await.expect("sqlite snapshot");
        prop_assert_eq!(&from_sqlite, &reference);
        let plan = |s| format!("{:?}", ledger::plan(s, org, &group));
        if let Some(pg) = pg {
            let from_pg = pg.snapshot(&request).await.expect("pg snapshot");
            prop_assert_eq!(&from_pg, &reference);
            prop_assert_eq!(plan(&from_pg), plan(&from_sqlite));
        }
        for batch in group {
            let want = format!("{:?}", mem.append(org, std::slice::from_ref(&batch))[0]);
            prop_assert_eq!(format!("{:?}", sqlite.append(batch.clone()).await), want.clone());
            if let Some(pg) = pg {
                prop_assert_eq!(format!("{:?}", pg.append(batch).await), want);
            }
        }
    }
    let events = ledger_of(sqlite, org).await;
    prop_assert_eq!(&events, &mem.events);
    let people = sqlite.all_people(org).await.expect("people");
    if let Some(pg) = pg {
        prop_assert_eq!(&ledger_of(pg, org).await, &events);
        prop_assert_eq!(&pg.all_people(org).await.expect("people"), &people);
    }
    export_import_export(org, &events, &people).await
}

#[test]
fn every_backend_plans_the_same_and_exports_round_trip() {
    let rt = runtime();
    let db = rt.block_on(PgDb::new());
    proptest!(config(24), |(gen_groups in groups())| {
        rt.block_on(async {
            let (_dir, sqlite) = fresh_sqlite().await;
            let org = OrgId::new();
            create_org(&*sqlite, org).await;
            if let Some(db) = &db {
                create_org(&*db.store, org).await;
            }
            backends_agree(&sqlite, db.as_ref().map(|d| &*d.pg), org, &gen_groups).await
        })?;
    });
    drop(rt.block_on(async { db }));
}
