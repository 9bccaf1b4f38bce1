//! The single writer: one OS thread owns the only write connection, and appends reach
//! it over a channel. SQLite allows one writer at a time anyway; owning it in one
//! place removes lock contention and enables GROUP COMMIT: the thread drains every
//! pending append, plans them together (`rungs_core::ledger::plan`: a bad batch
//! fails alone), writes them in one transaction and commits once — one fsync for
//! all — and only then replies. Nobody hears "ok" before their events are on disk.
//! Small writes on a request's path (the `Idempotency-Key` rows) group the same way:
//! those drained together share one transaction and one fsync, each in a savepoint.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rungs_core::store::{AppendBatch, Appended, StoreError, StoreResult};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use rungs_core::OrgId;
use rungs_core::ledger;

use super::append::{self, PeopleCache};
use super::rows::Db;

/// Most appends folded into one commit. Caps bound the latency of the last caller in
/// a group and the size of the WAL a single commit writes.
const MAX_GROUP_BATCHES: usize = 1000;
/// Most events folded into one commit (a bulk batch counts all its events).
const MAX_GROUP_EVENTS: usize = 20_000;
/// Batches larger than this commit in a transaction of their own, without a
/// savepoint. Inside a savepoint SQLite keeps every touched page in an in-memory
/// sub-journal, and each INSERT's statement savepoint truncates that journal by
/// walking it from the start: quadratic in the batch size (a 10,000-event import
/// batch ran 6x slower). Small batches keep the journal short, so they group.
const MAX_GROUPED_EVENTS: usize = 64;
/// Commands that may wait for the writer before senders are slowed down.
const QUEUE_CAPACITY: usize = 4096;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A small write that shares one transaction (and one fsync) with the others drained
/// at the same time, in a savepoint of its own ([`Writer::exec_small`]).
struct Small {
    /// Runs the write (its result kept for `reply`); true when it succeeded, false to
    /// roll its savepoint back.
    run: Box<dyn FnOnce(&Connection) -> bool + Send>,
    /// Answers once the group's commit is known: the write's result if it ran and the
    /// group committed, else why not.
    reply: Box<dyn FnOnce(StoreResult<()>) + Send>,
}

enum Command {
    Append(AppendBatch, oneshot::Sender<StoreResult<Appended>>),
    /// Any other write (orgs, frameworks, tokens, rebuild), in its own transaction.
    Exec(Job),
    /// A small write that may commit together with others ([`Writer::exec_small`]).
    Small(Small),
}

/// The handle the store keeps: a sender to the writer thread and the queue depth.
/// Dropping it ends the thread, which closes (and checkpoints) the connection.
pub(crate) struct Writer {
    tx: mpsc::Sender<Command>,
    depth: Arc<AtomicU64>,
}

fn writer_gone() -> StoreError {
    StoreError::internal("the SQLite writer thread has stopped")
}

impl Writer {
    pub(crate) fn spawn(conn: Connection) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let depth = Arc::new(AtomicU64::new(0));
        let d = depth.clone();
        std::thread::Builder::new().name("rungs-sqlite-writer".into()).spawn(move || run(conn, rx, d))?;
        Ok(Writer { tx, depth })
    }

    /// Appends waiting for the writer thread to pick them up.
    pub(crate) fn queue_depth(&self) -> u64 {
        self.depth.load(Ordering::Relaxed)
    }

    async fn send(&self, c: Command) -> StoreResult<()> {
        self.depth.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(c).await.is_err() {
            self.depth.fetch_sub(1, Ordering::Relaxed);
            return Err(writer_gone());
        }
        Ok(())
    }

    pub(crate) async fn append(&self, batch: AppendBatch) -> StoreResult<Appended> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Append(batch, tx)).await?;
        rx.await.map_err(|_| writer_gone())?
    }

    /// Run `f` on the writer connection inside its own IMMEDIATE transaction,
    /// committed when `f` returns Ok.
    pub(crate) async fn exec<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn: &mut Connection| {
            let r = catch_unwind(AssertUnwindSafe(|| {
                let t = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
                let v = f(&t)?;
                t.commit().db()?;
                Ok(v)
            }))
            .unwrap_or_else(|_| Err(StoreError::internal("a write panicked")));
            let _ = tx.send(r);
        });
        self.send(Command::Exec(job)).await?;
        rx.await.map_err(|_| writer_gone())?
    }

    /// Run `f` on the writer connection in a transaction it may share with the other
    /// small writes waiting at the same time (each in its own savepoint; an `Err`
    /// rolls back only its own), answered after their common commit: many concurrent
    /// requests pay one fsync, not one each. For writes of a few rows that happen on
    /// a request's path (the `Idempotency-Key` rows).
    pub(crate) async fn exec_small<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let slot = Arc::new(Mutex::new(None::<StoreResult<T>>));
        let kept = slot.clone();
        let job = Small {
            run: Box::new(move |conn: &Connection| {
                let r = catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or_else(|_| Err(StoreError::internal("a write panicked")));
                let ok = r.is_ok();
                *kept.lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
                ok
            }),
            reply: Box::new(move |commit: StoreResult<()>| {
                let r = slot.lock().unwrap_or_else(PoisonError::into_inner).take().unwrap_or_else(|| Err(StoreError::internal("a small write did not run")));
                let _ = tx.send(commit.and(r));
            }),
        };
        self.send(Command::Small(job)).await?;
        rx.await.map_err(|_| writer_gone())?
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Command>, depth: Arc<AtomicU64>) {
    let mut appends = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut smalls: Vec<Small> = Vec::new();
    let mut cache = PeopleCache::default();
    let mut seen_version = data_version(&conn);
    while let Some(first) = rx.blocking_recv() {
        // Another process committed (e.g. `rungs import` beside `rungs serve`): what
        // the cache remembers of `people` may be stale.
        let version = data_version(&conn);
        if version != seen_version {
            cache.clear();
            seen_version = version;
        }
        let mut events = 0;
        let mut taken = 0u64;
        let mut next = Some(first);
        while let Some(c) = next.take() {
            taken += 1;
            match c {
                Command::Append(b, reply) => {
                    events += b.events.len();
                    appends.push((b, reply));
                }
                Command::Exec(job) => jobs.push(job),
                Command::Small(job) => smalls.push(job),
            }
            if appends.len() < MAX_GROUP_BATCHES && events < MAX_GROUP_EVENTS {
                next = rx.try_recv().ok();
            }
        }
        depth.fetch_sub(taken, Ordering::Relaxed);
        let (large, small): (Vec<_>, Vec<_>) = appends.drain(..).partition(|(b, _)| b.events.len() > MAX_GROUPED_EVENTS);
        if small.len() == 1 {
            commit_alone(&mut conn, small, &mut cache);
        } else if !small.is_empty() {
            commit_group(&mut conn, small, &mut cache);
        }
        for batch in large {
            commit_alone(&mut conn, vec![batch], &mut cache);
        }
        if !jobs.is_empty() {
            // Other writes (a rebuild rewrites `people`) go around the cache.
            cache.clear();
        }
        for job in jobs.drain(..) {
            job(&mut conn);
        }
        if !smalls.is_empty() {
            commit_smalls(&conn, std::mem::take(&mut smalls));
        }
    }
    tracing::debug!("SQLite writer stopped");
}

/// The small writes drained together: one transaction, a savepoint each, one commit,
/// then every reply with the commit's outcome.
#[tracing::instrument(skip_all)]
fn commit_smalls(conn: &Connection, smalls: Vec<Small>) {
    let mut outcome = conn.execute_batch("BEGIN IMMEDIATE").db();
    let mut replies = Vec::with_capacity(smalls.len());
    for Small { run, reply } in smalls {
        replies.push(reply);
        if outcome.is_err() {
            continue;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT small").db() {
            outcome = Err(e);
            continue;
        }
        let end = if run(conn) { "RELEASE small" } else { "ROLLBACK TO small; RELEASE small" };
        if let Err(e) = conn.execute_batch(end).db() {
            outcome = Err(e);
        }
    }
    if outcome.is_ok() {
        outcome = conn.execute_batch("COMMIT").db();
    }
    if let Err(e) = &outcome {
        tracing::error!(error = %e, "small writes refused: their transaction failed");
        let _ = conn.execute_batch("ROLLBACK");
    }
    for reply in replies {
        reply(outcome.clone());
    }
}

type Pending = (AppendBatch, oneshot::Sender<StoreResult<Appended>>);

/// One batch, one transaction: nothing to isolate it from, so no savepoint.
#[tracing::instrument(skip_all, fields(events = one[0].0.events.len()))]
fn commit_alone(conn: &mut Connection, one: Vec<Pending>, cache: &mut PeopleCache) {
    for (batch, reply) in one {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
            let r = append_alone(&tx, batch, cache)?;
            tx.commit().db().inspect_err(|_| cache.clear())?;
            Ok(r)
        }))
        .unwrap_or_else(|_| {
            cache.clear();
            Err(StoreError::internal("an append panicked"))
        });
        let _ = reply.send(r);
    }
}

/// Plan and write one batch in the open transaction. On `Err` the caller rolls back.
fn append_alone(conn: &Connection, batch: AppendBatch, cache: &mut PeopleCache) -> StoreResult<Appended> {
    let (org, n) = (batch.org_id, batch.events.len());
    let batches = [batch];
    let plan = append::plan(conn, org, &batches, cache)?;
    append::write(conn, org, &plan).map_err(|(origin, e)| match origin {
        Some(o) => ledger::at(n, o.index, e),
        None => e,
    })?;
    cache.wrote(&plan);
    plan.into_results().pop().unwrap_or_else(|| Err(StoreError::internal("the plan has no answer")))
}

/// SQLite's counter of commits by other connections to this database file.
fn data_version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0)).unwrap_or(-1)
}

/// One transaction for the whole group: each organization's batches planned
/// together and written at once (see [`append_group`]).
#[tracing::instrument(skip_all, fields(batches = group.len()))]
fn commit_group(conn: &mut Connection, group: Vec<Pending>, cache: &mut PeopleCache) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE").db() {
        tracing::error!(error = %e, "cannot begin the group transaction");
        for (_, reply) in group {
            let _ = reply.send(Err(e.clone()));
        }
        return;
    }
    // One plan per organization, in order of first arrival; answers in arrival order.
    let mut orgs: Vec<(OrgId, Vec<usize>)> = Vec::new();
    for (i, (b, _)) in group.iter().enumerate() {
        match orgs.iter_mut().find(|(o, _)| *o == b.org_id) {
            Some((_, idx)) => idx.push(i),
            None => orgs.push((b.org_id, vec![i])),
        }
    }
    let (batches, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    let mut batches: Vec<Option<AppendBatch>> = batches.into_iter().map(Some).collect();
    let mut results: Vec<Option<StoreResult<Appended>>> = (0..replies.len()).map(|_| None).collect();
    let mut outcome = Ok(());
    for (n, (org, idx)) in orgs.into_iter().enumerate() {
        let part: Vec<AppendBatch> = idx.iter().filter_map(|&i| batches[i].take()).collect();
        let r =
            catch_unwind(AssertUnwindSafe(|| append_group(conn, org, part, cache, n == 0))).unwrap_or_else(|_| Err(StoreError::internal("an append panicked")));
        match r {
            Ok(rs) => {
                for (i, r) in idx.into_iter().zip(rs) {
                    results[i] = Some(r);
                }
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    let outcome = outcome.and_then(|()| conn.execute_batch("COMMIT").db());
    match outcome {
        Ok(()) => {
            for (reply, r) in replies.into_iter().zip(results) {
                let _ = reply.send(r.unwrap_or_else(|| Err(StoreError::internal("no answer for a batch"))));
            }
        }
        Err(e) => {
            // The transaction is unusable: nothing of this group was committed, so
            // neither is what the cache took in from its batches.
            cache.clear();
            tracing::error!(error = %e, "group commit failed; every batch in it is refused");
            let _ = conn.execute_batch("ROLLBACK");
            // Every batch gets the cause (a full disk stays `Unavailable`).
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

/// The batches of one organization, planned together and written at once. When the
/// database refuses the write (or a read fails), it is rolled back and the batches
/// run one by one, each in a savepoint, so each gets its own answer. The outer
/// `Err` means the transaction itself is broken.
///
/// The `first` organization's write needs no savepoint: nothing else is in the
/// transaction yet, so it can be rolled back whole and begun again. (A savepoint
/// would make SQLite keep a sub-journal that every INSERT walks: see
/// [`MAX_GROUPED_EVENTS`].)
fn append_group(conn: &Connection, org: OrgId, batches: Vec<AppendBatch>, cache: &mut PeopleCache, first: bool) -> StoreResult<Vec<StoreResult<Appended>>> {
    if !first {
        savepoint(conn, "SAVEPOINT grp")?;
    }
    let written = append::plan(conn, org, &batches, cache).and_then(|plan| match append::write(conn, org, &plan) {
        Ok(()) => Ok(plan),
        Err((_, e)) => Err(e),
    });
    match written {
        Ok(plan) => {
            if !first {
                savepoint(conn, "RELEASE grp")?;
            }
            cache.wrote(&plan);
            Ok(plan.into_results())
        }
        Err(e) => {
            tracing::debug!(error = %e, "group write refused; running its batches one by one");
            if first {
                conn.execute_batch("ROLLBACK; BEGIN IMMEDIATE").db()?;
            } else {
                savepoint(conn, "ROLLBACK TO grp")?;
                savepoint(conn, "RELEASE grp")?;
            }
            let mut out = Vec::with_capacity(batches.len());
            for batch in batches {
                savepoint(conn, "SAVEPOINT batch")?;
                let r = append_alone(conn, batch, cache);
                if r.is_err() {
                    savepoint(conn, "ROLLBACK TO batch")?;
                }
                savepoint(conn, "RELEASE batch")?;
                out.push(r);
            }
            Ok(out)
        }
    }
}

fn savepoint(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute([])).db().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn small_writes_commit_together_and_a_failing_one_rolls_back_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let conn = Connection::open(dir.path().join("w.db")).expect("open");
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY)").expect("table");
        let writer = Arc::new(Writer::spawn(conn).expect("writer"));
        let tasks: Vec<_> = (0..40i64)
            .map(|k| {
                let w = writer.clone();
                tokio::spawn(async move {
                    w.exec_small(move |c| {
                        c.execute("INSERT INTO t (k) VALUES (?1)", [k]).db()?;
                        if k % 10 == 3 { Err(StoreError::internal("refused")) } else { Ok(k) }
                    })
                    .await
                })
            })
            .collect();
        let mut refused = 0;
        for t in tasks {
            if t.await.expect("task").is_err() {
                refused += 1;
            }
        }
        assert_eq!(refused, 4);
        let n: i64 = writer.exec(|t| t.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).db()).await.expect("count");
        assert_eq!(n, 36, "every write but the refused ones, each refused one rolled back alone");
    }
}
