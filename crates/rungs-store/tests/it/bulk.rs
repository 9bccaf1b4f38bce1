//! `Store::bulk_load` into an empty ledger (`rungs import events` into a new
//! database, the demo): the same ledger and people as ordinary appends of the same
//! batches (a property over generated ledgers), all or nothing on a refused event or
//! a failed source, refused on a ledger that is not empty, and no index missing
//! afterwards whatever happened.

use std::sync::Arc;

use proptest::prelude::*;
use rungs_core::OrgId;
use rungs_core::event::{Event, NewEvent};
use rungs_core::ledger::bulk::{BulkLoaded, Chunks, EventSource};
use rungs_core::ledger::testing::{Builder, groups};
use rungs_core::person::Organization;
use rungs_core::store::{AppendBatch, Store, StoreError, StoreResult};

use crate::support::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

async fn create_org(store: &dyn Store, org: OrgId) {
    store.create_org(&Organization { id: org, name: "Bulk".into(), created_at: day(0) }).await.expect("org");
}

async fn ledger_of(store: &dyn Store, org: OrgId) -> Vec<Event> {
    store.export_events(org, 0, 100_000).await.expect("export")
}

/// Appends `batches` one by one to `appended` (an empty store), then bulk-loads the
/// batches it accepted (as chunks, in order) into `loaded` (another empty store):
/// both ledgers and both projections must be equal.
async fn bulk_equals_appends(appended: &dyn Store, loaded: &dyn Store, org: OrgId, batches: Vec<AppendBatch>) -> Result<(), TestCaseError> {
    let mut accepted: Vec<Vec<NewEvent>> = Vec::new();
    for b in batches {
        // Request-level claims are not part of a bulk load (it has no requests).
        let b = AppendBatch { claim: None, ..b };
        let events = b.events.clone();
        if let Ok(a) = appended.append(b).await
            && !a.replayed
        {
            accepted.push(events);
        }
    }
    let mut source = Chunks(accepted.into_iter());
    let r = loaded.bulk_load(org, &mut source).await.expect("bulk load");
    let ledger = ledger_of(appended, org).await;
    prop_assert_eq!(r.events as usize, ledger.len());
    prop_assert_eq!(&ledger_of(loaded, org).await, &ledger);
    prop_assert_eq!(&loaded.all_people(org).await.expect("people"), &appended.all_people(org).await.expect("people"));
    // And the projection it wrote is what a rebuild folds.
    let people = loaded.all_people(org).await.expect("people");
    loaded.rebuild(org).await.expect("rebuild");
    prop_assert_eq!(&loaded.all_people(org).await.expect("people"), &people);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_bulk_load_equals_appends(gen_groups in groups()) {
        runtime().block_on(async {
            let (a, b) = (SqliteDb::new().await, SqliteDb::new().await);
            let org = OrgId::new();
            create_org(&*a.store, org).await;
            create_org(&*b.store, org).await;
            let mut builder = Builder::new(org);
            let batches = gen_groups.iter().flatten().map(|g| builder.batch(g)).collect();
            bulk_equals_appends(&*a.store, &*b.store, org, batches).await
        })?;
    }
}

#[test]
fn postgres_bulk_load_equals_appends() {
    let rt = runtime();
    let Some(a) = rt.block_on(PgDb::new()) else { return };
    let Some(b) = rt.block_on(PgDb::new()) else { return };
    proptest!(ProptestConfig { cases: 8, max_shrink_iters: 100, ..ProptestConfig::default() }, |(gen_groups in groups())| {
        rt.block_on(async {
            // One database each, fresh organizations per case (a bulk load needs
            // an empty ledger of its organization).
            let org = OrgId::new();
            create_org(&*a.store, org).await;
            create_org(&*b.store, org).await;
            let mut builder = Builder::new(org);
            let batches = gen_groups.iter().flatten().map(|g| builder.batch(g)).collect();
            bulk_equals_appends(&*a.store, &*b.store, org, batches).await
        })?;
    });
    drop(rt.block_on(async { (a, b) }));
}

/// Three chunks: two people hired, then a win for each, then a win for someone
/// never hired at index 1 of the third chunk.
fn refused_in_third_chunk(org: OrgId) -> (Vec<Vec<NewEvent>>, rungs_core::PersonId) {
    let (ann, bob) = (rungs_core::PersonId::new(), rungs_core::PersonId::new());
    let chunks = vec![
        vec![event(org, ann, day(0), hired("Ann", "ann@example.com")), event(org, bob, day(0), hired("Bob", "bob@example.com"))],
        vec![event(org, ann, day(1), win("one")), event(org, bob, day(1), win("two"))],
        vec![event(org, ann, day(2), win("three")), event(org, rungs_core::PersonId::new(), day(2), win("nobody's"))],
    ];
    (chunks, ann)
}

async fn all_or_nothing(store: &Arc<dyn Store>) {
    let org = new_org(store).await;
    let (chunks, ann) = refused_in_third_chunk(org);
    let e = store.bulk_load(org, &mut Chunks(chunks.clone().into_iter())).await.expect_err("an unknown subject is refused");
    assert!(e.to_string().contains("chunk[2].events[1]"), "the error names the chunk and the event: {e}");
    assert_eq!(store.stats().await.expect("stats").events, 0, "nothing of a refused load is committed");
    assert!(matches!(store.person(org, ann).await, Err(StoreError::NotFound)), "nor any person");

    // A source that fails midway: nothing either.
    struct Failing(Vec<Vec<NewEvent>>);
    #[async_trait::async_trait]
    impl EventSource for Failing {
        async fn next(&mut self) -> StoreResult<Option<Vec<NewEvent>>> {
            match self.0.pop() {
                Some(c) => Ok(Some(c)),
                None => Err(StoreError::internal("the file ended early")),
            }
        }
    }
    let good: Vec<Vec<NewEvent>> = chunks[..2].iter().rev().cloned().collect();
    let e = store.bulk_load(org, &mut Failing(good)).await.expect_err("the source failed");
    assert!(e.to_string().contains("the file ended early"), "the source's error answers: {e}");
    assert_eq!(store.stats().await.expect("stats").events, 0);

    // The good part loads, and the store works as usual afterwards.
    let r: BulkLoaded = store.bulk_load(org, &mut Chunks(chunks[..2].iter().cloned())).await.expect("load");
    assert_eq!(r.events, 4);
    let ann_now = store.person(org, ann).await.expect("ann");
    assert_eq!(ann_now.micro_progressions, 1);
    assert_eq!(store.subject_events(org, ann).await.expect("timeline").len(), 2);
    append1(store, event(org, ann, day(3), win("after"))).await;
    assert_eq!(store.person(org, ann).await.expect("ann").micro_progressions, 2);

    // A ledger that is not empty is refused.
    let e = store.bulk_load(org, &mut Chunks(chunks[2..].iter().cloned())).await.expect_err("not empty");
    assert_eq!(fields(&e), vec!["events".to_string()]);
}

#[tokio::test]
async fn sqlite_bulk_load_is_all_or_nothing_and_keeps_every_index() {
    let db = SqliteDb::new().await;
    let indexes = || {
        let c = rusqlite::Connection::open(db.path()).expect("open");
        let mut st = c.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").expect("prepare");
        st.query_map([], |r| r.get::<_, String>(0)).expect("query").collect::<Result<Vec<_>, _>>().expect("names")
    };
    let before = indexes();
    assert!(before.contains(&"events_by_subject".to_string()));
    all_or_nothing(&db.store).await;
    assert_eq!(indexes(), before, "every index is there after refused, failed and good loads");
}

#[tokio::test]
async fn postgres_bulk_load_is_all_or_nothing() {
    let Some(db) = PgDb::new().await else { return };
    all_or_nothing(&db.store).await;
}
