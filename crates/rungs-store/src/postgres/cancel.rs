//! Reads whose caller went away stop on the server too. Dropping a tokio-postgres
//! query future does not stop PostgreSQL: the backend runs the statement to its end,
//! and the pooled connection, handed to the next request, answers that request only
//! after it. So a read runs through [`PgStore::read`], which holds an [`Abandon`]
//! guard: dropped before the read finished (the client disconnected, the route's
//! time limit fired), it takes the connection out of the pool for good and sends
//! PostgreSQL a cancel request for it (a separate connection naming the backend's
//! pid and secret; same TLS setting as the pool, [`super::tls`]), then closes it.
//!
//! Why this and not `statement_timeout` per route class: the store does not know the
//! route, a timeout would also cut a long write transaction (group commit puts
//! several clients' appends in one), and it only helps once the limit is reached,
//! not when a client disconnects early. Why the connection is not pooled again: a
//! cancel request races with the statement's end, and on a connection that served
//! another request meanwhile it could cancel that one instead; a closed connection
//! cannot be reused. Abandoned reads are rare, so making a new connection is cheap.
//!
//! Writes are not cancelled this way: an append's transaction commits or rolls back
//! as a whole (tokio-postgres rolls back a dropped transaction).

use std::sync::atomic::Ordering;

use deadpool_postgres::Object;
use rungs_core::store::StoreResult;
use tokio_postgres::CancelToken;

use super::PgStore;
use super::rows::Db;

impl PgStore {
    /// Run the read `f` on a pooled connection; dropping the returned future before
    /// `f` finished cancels its statement on the server (see the module doc).
    pub(super) async fn read<T>(&self, f: impl AsyncFnOnce(&Object) -> StoreResult<T>) -> StoreResult<T> {
        let conn = self.conn().await?;
        let mut guard = Abandon { token: conn.cancel_token(), conn: Some(conn), finished: false };
        let Some(c) = guard.conn.as_ref() else { unreachable!("set just above") };
        let slow_ms = self.slow_for_tests.load(Ordering::Relaxed);
        let r = async {
            if slow_ms > 0 {
                #[expect(clippy::cast_precision_loss, reason = "milliseconds of a test's sleep")]
                let secs = slow_ms as f64 / 1000.0;
                c.execute("SELECT pg_sleep($1)", &[&secs]).await.db()?;
            }
            f(c).await
        }
        .await;
        guard.finished = true;
        r
    }

    /// Tests only: every read through [`PgStore::read`] first sleeps `ms` on the
    /// server (`pg_sleep`; 0, the default, turns this off), so a test can abandon a
    /// read in the middle of a statement.
    #[doc(hidden)]
    pub fn slow_reads_for_tests(&self, ms: u64) {
        self.slow_for_tests.store(ms, Ordering::Relaxed);
    }
}

/// Held while a read runs; see the module doc.
struct Abandon {
    conn: Option<Object>,
    token: CancelToken,
    finished: bool,
}

impl Drop for Abandon {
    fn drop(&mut self) {
        if self.finished {
            return; // the connection goes back to the pool as usual
        }
        let Some(conn) = self.conn.take() else { return };
        let client = Object::take(conn);
        let token = self.token.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                match token.cancel_query(super::tls()).await {
                    Ok(()) => tracing::debug!("a read abandoned by its caller was cancelled on the server"),
                    Err(e) => tracing::warn!(error = %e, "could not cancel an abandoned read; its connection is closed"),
                }
                drop(client);
            });
        }
    }
}
