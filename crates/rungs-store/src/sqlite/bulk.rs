//! The SQLite bulk load into an empty ledger (`Store::bulk_load`; the rules and the
//! in-memory state are `rungs_core::ledger::bulk`).
//!
//! All of it is ONE transaction on the writer thread:
//!
//! 1. refuse a ledger that is not empty; note whether the organization has webhook
//!    subscriptions (a new store has none: then no outbox rows are written, there is
//!    no one to deliver them to);
//! 2. drop the secondary indexes of `events` that no check of the load reads
//!    ([`DEFERRED`]), keeping their SQL as `sqlite_master` has it;
//! 3. for every chunk: the snapshot from memory plus the targets and spending read
//!    through the kept indexes, the pure plan, its events inserted in seq order
//!    with one prepared statement;
//! 4. at the end, every `people` row written once, the dropped indexes created
//!    again from their own SQL (a sort, not one random B-tree insert per row), commit.
//!
//! A refused event, a failed source or a crash before the commit leaves the store
//! exactly as it was: empty, with every index (DDL is transactional in SQLite; the
//! WAL holds the uncommitted pages, which recovery discards). No half-indexed
//! database can ever be opened.

use rungs_core::OrgId;
use rungs_core::event::Event;
use rungs_core::event::NewEvent;
use rungs_core::ledger::bulk::EventSource;
use rungs_core::ledger::bulk::{BulkLoaded, BulkState};
use rungs_core::ledger::{self, SnapshotRequest};
use rungs_core::store::{AppendBatch, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension};
use tokio::sync::mpsc;

use super::append;
use super::rows::{self, Db, EVENT_COLS};

/// Indexes of `events` no check of a bulk load reads, built after the rows. The
/// others stay: the unique ones are rules (`events_idempotency_key`,
/// `events_reversed_once`, the `id` key, which target lookups also read), and
/// `events_recognition_by_actor` answers the allowance check.
const DEFERRED: [&str; 2] = ["events_by_subject", "events_recognition_feed"];

/// The writer's page cache during a load (KiB, negative as SQLite takes it), and
/// after. The load writes far more than the usual 64 MB of pages in one transaction.
const LOAD_CACHE_KIB: i64 = -262_144;
const NORMAL_CACHE_KIB: i64 = -65_536;

/// What the async side sends the writer thread.
pub(crate) enum Feed {
    Chunk(Vec<NewEvent>),
    /// The source ended: commit. A channel closed without it abandons the load.
    Done,
}

/// Run the load in `tx` (the writer's transaction, committed by the caller on `Ok`).
pub(crate) fn load(tx: &Connection, org: OrgId, mut rx: mpsc::Receiver<Feed>) -> StoreResult<BulkLoaded> {
    let nonempty: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0)).db()?;
    if nonempty {
        return Err(StoreError::Conflict { field: "events".into(), reason: "a bulk load needs an empty ledger".into() });
    }
    let head = append::head(tx, org)?.ok_or(StoreError::NotFound)?;
    let outbox: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE org_id = ?1)", [org.as_bytes()], |r| r.get(0)).db()?;
    let deferred = drop_deferred(tx)?;
    tx.pragma_update(None, "cache_size", LOAD_CACHE_KIB).db()?;
    let r = load_chunks(tx, org, head, outbox, &mut rx);
    tx.pragma_update(None, "cache_size", NORMAL_CACHE_KIB).db()?;
    let state = r?;
    let events = state.events();
    let mut people = 0;
    for p in state.into_people() {
        rows::upsert_person(tx, &p).db()?;
        people += 1;
    }
    let started = std::time::Instant::now();
    for (_, sql) in &deferred {
        tx.execute_batch(sql).db()?;
    }
    tracing::info!(events, people, index_secs = started.elapsed().as_secs_f64(), "bulk load written; committing");
    Ok(BulkLoaded { events, people, bulk: true })
}

/// Drop the [`DEFERRED`] indexes, answering their names and SQL to create them again.
fn drop_deferred(tx: &Connection) -> StoreResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for name in DEFERRED {
        let sql: Option<String> = tx.query_row("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1", [name], |r| r.get(0)).optional().db()?;
        if let Some(sql) = sql {
            tx.execute_batch(&format!("DROP INDEX {name}")).db()?;
            out.push((name.to_string(), sql));
        }
    }
    Ok(out)
}

fn load_chunks(tx: &Connection, org: OrgId, head: i64, outbox: bool, rx: &mut mpsc::Receiver<Feed>) -> StoreResult<BulkState> {
    let mut state = BulkState::new(org, head);
    let mut chunk_no = 0usize;
    loop {
        let events = match rx.blocking_recv() {
            Some(Feed::Chunk(events)) => events,
            Some(Feed::Done) => return Ok(state),
            None => return Err(StoreError::internal("the bulk load's source stopped before its end; nothing was loaded")),
        };
        let c = chunk_no;
        chunk_no += 1;
        if events.is_empty() {
            continue;
        }
        let n = events.len();
        let batch = AppendBatch { org_id: org, events, claim: None };
        let request = SnapshotRequest::new(org, std::slice::from_ref(&batch));
        let (mut snapshot, fetch) = state.snapshot(&request);
        for (key, seq) in fetch.keyed {
            snapshot.keyed.insert(key, by_seq(tx, seq)?);
        }
        append::load_targets(tx, org, &request.targets, &mut snapshot)?;
        append::load_spending(tx, org, &request.spending, &mut snapshot)?;
        let plan = state.plan(snapshot, &batch, |seqs| seqs.iter().map(|&s| by_seq(tx, s)).collect())?;
        let chunk = format!("chunk[{c}]");
        append::insert_events(tx, &plan, outbox).map_err(|(origin, e)| match origin {
            Some(o) => ledger::at(n, o.index, e).nested(&chunk),
            None => e,
        })?;
        for person in &plan.revoke_credentials_of {
            append::revoke_credentials(tx, org, *person)?;
        }
        state.wrote(&plan);
        for r in plan.into_results() {
            r.map_err(|e| e.nested(&chunk))?;
        }
    }
}

/// One stored event by its seq (the rowid).
fn by_seq(tx: &Connection, seq: i64) -> StoreResult<Event> {
    tx.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE seq = ?1")).and_then(|mut s| s.query_row([seq], rows::event)).db()
}

impl super::SqliteStore {
    /// `Store::bulk_load`: the source is read here, on the async side, and handed
    /// chunk by chunk to the load running in the writer thread's transaction.
    pub(crate) async fn bulk(&self, org: OrgId, source: &mut dyn EventSource) -> StoreResult<BulkLoaded> {
        let (tx, rx) = mpsc::channel(2);
        let load = self.writer.exec(move |t| load(t, org, rx));
        let feed = async move {
            loop {
                match source.next().await? {
                    Some(chunk) => {
                        if tx.send(Feed::Chunk(chunk)).await.is_err() {
                            // The load stopped; its own error answers.
                            return Ok(());
                        }
                    }
                    None => {
                        let _ = tx.send(Feed::Done).await;
                        return Ok(());
                    }
                }
            }
        };
        // A failed source drops the sender without `Done`: the load rolls back, and
        // the source's error is the answer.
        let (loaded, fed): (StoreResult<BulkLoaded>, StoreResult<()>) = tokio::join!(load, feed);
        fed?;
        loaded
    }
}
