//! Reads whose caller went away stop. A read runs on a blocking thread; the future
//! awaiting it holds an [`Abandon`] guard. When that future is dropped before the
//! read finished (the client disconnected, the route's time limit fired), the guard
//! stops the read's connection: `sqlite3_interrupt` for the statement running now,
//! and a flag that the connection's progress handler checks every 1,000 SQLite
//! instructions, for any statement the read starts after that (an interrupt alone is
//! forgotten once no statement runs, so a read of several statements would go on).
//! The read then fails with SQLITE_INTERRUPT, which no one is waiting for, and its
//! connection goes back to the pool cleared and outside any transaction.
//!
//! Only the reader pool is cancelled this way. Writes run on the writer thread, one
//! whole batch per transaction, and are never interrupted: a batch commits or rolls
//! back as a whole.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, InterruptHandle};

/// A pooled read connection and what stops it from another thread.
pub(super) struct Reader {
    pub(super) conn: Connection,
    /// Read by the progress handler (see [`super::work::Counter::watch`]): while set,
    /// every statement on this connection fails with SQLITE_INTERRUPT.
    stop: Arc<AtomicBool>,
    interrupt: Arc<InterruptHandle>,
}

impl Reader {
    pub(super) fn new(conn: Connection, stop: Arc<AtomicBool>) -> Reader {
        let interrupt = Arc::new(conn.get_interrupt_handle());
        Reader { conn, stop, interrupt }
    }

    /// Ready for the next read: not stopped, and not left inside a transaction by an
    /// interrupted one. `false`: the connection should be closed, not pooled.
    pub(super) fn reset(&self) -> bool {
        self.stop.store(false, Ordering::SeqCst);
        self.conn.is_autocommit() || self.conn.execute_batch("ROLLBACK").is_ok()
    }
}

/// Where one read is, shared by its awaiting future and its blocking thread.
#[derive(Default)]
pub(super) struct Read(Mutex<State>);

#[derive(Default)]
enum State {
    /// Queued for a blocking thread.
    #[default]
    Waiting,
    /// Running on a connection: how to stop it.
    Running { stop: Arc<AtomicBool>, interrupt: Arc<InterruptHandle> },
    /// Done; its connection may already serve another read and must not be touched.
    Finished,
    /// Its caller went away.
    Abandoned,
}

impl Read {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The read is about to run on `reader`. `false`: its caller already went away,
    /// so it should not run at all.
    pub(super) fn start(&self, reader: &Reader) -> bool {
        let mut s = self.state();
        if matches!(*s, State::Abandoned) {
            return false;
        }
        *s = State::Running { stop: reader.stop.clone(), interrupt: reader.interrupt.clone() };
        true
    }

    /// The read is over (whatever its result): from now on its connection is the
    /// pool's again. Called before the connection is reset and put back, under the
    /// same lock the guard takes, so a late guard cannot stop the next read.
    pub(super) fn finish(&self) {
        *self.state() = State::Finished;
    }
}

/// Held by the future awaiting a read; dropping it before the read finished stops it.
pub(super) struct Abandon(pub(super) Arc<Read>);

impl Drop for Abandon {
    fn drop(&mut self) {
        let mut s = self.0.state();
        match &*s {
            State::Finished => {}
            State::Running { stop, interrupt } => {
                stop.store(true, Ordering::SeqCst);
                interrupt.interrupt();
                tracing::debug!("a read abandoned by its caller was interrupted");
                *s = State::Abandoned;
            }
            State::Waiting | State::Abandoned => *s = State::Abandoned,
        }
    }
}
