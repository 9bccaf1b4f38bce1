//! How much reading a store has done: the number of reads sent to the pool and the
//! SQLite virtual-machine instructions they ran (counted in thousands by a progress
//! handler on every read connection). A page whose count grows with the size of the
//! viewer's team reads something per person; `crates/rungs-web/tests/it/scale.rs`
//! compares the counts of every page for a team of 10 and of 1,000 to catch that.
//! Counting costs one atomic add per 1,000 instructions. The same handler stops a
//! read whose caller went away (see [`super::cancel`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Instructions between two calls of the progress handler.
pub(crate) const OPS_PER_TICK: i32 = 1_000;

/// What a store has read since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Reads run on the pool (one per store call that reads).
    pub reads: u64,
    /// SQLite VM instructions run by those reads, in thousands.
    pub kilo_ops: u64,
}

impl Work {
    /// What was read between `before` and `self`.
    pub fn since(self, before: Work) -> Work {
        Work { reads: self.reads - before.reads, kilo_ops: self.kilo_ops - before.kilo_ops }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counter {
    reads: AtomicU64,
    kilo_ops: AtomicU64,
}

impl Counter {
    pub(crate) fn read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Work {
        Work { reads: self.reads.load(Ordering::Relaxed), kilo_ops: self.kilo_ops.load(Ordering::Relaxed) }
    }

    /// Count this connection's instructions into `counter`, and interrupt whatever
    /// it runs while `stop` is set (returning `true` makes SQLite interrupt it).
    pub(crate) fn watch(counter: &Arc<Counter>, stop: &Arc<AtomicBool>, conn: &rusqlite::Connection) {
        let (c, stop) = (counter.clone(), stop.clone());
        conn.progress_handler(
            OPS_PER_TICK,
            Some(move || {
                c.kilo_ops.fetch_add(1, Ordering::Relaxed);
                stop.load(Ordering::Relaxed)
            }),
        );
    }
}
