//! The PostgreSQL backend: for organizations that outgrow one file and for several
//! `rungs serve` instances on one database. A deadpool connection pool; every
//! operation is one transaction on one pooled connection. A read whose caller went
//! away is cancelled on the server ([`cancel`]).
//!
//! Ordering and concurrency: each append transaction first locks its organization's
//! `ledger_heads` row (`SELECT ... FOR UPDATE`) and assigns `seq` from it, so appends
//! to one organization are serialised across all instances and `seq` increases in
//! commit order (see `migrations/postgres/0001_ledger.sql`). The trade-off: one
//! organization's write throughput is bounded by one transaction at a time, in
//! exchange for cursors that never skip a row and checks (`check_append`) that see
//! every earlier append. Group commit (`group.rs`) amortises it: an instance's small
//! appends waiting for one organization share one transaction and one commit.
//!
//! Durability: PostgreSQL's default `synchronous_commit = on` — a commit is flushed
//! to the WAL before the append is acknowledged. Do not turn it off for rungs.

mod append;
mod badges;
mod bulk;
mod calendar;
mod cancel;
mod credentials;
mod evidence;
mod facts;
mod frameworks;
mod group;
mod health;
mod jobs;
mod leaderboards;
pub mod migrate;
mod notifications;
mod opportunities;
mod promotions;
mod proposals;
mod queries;
mod recognition;
mod replay;
mod rows;
mod sessions;
pub mod transfer;
mod webhooks;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use rungs_core::store::StoreResult;
use tokio_postgres::NoTls;

use crate::OpenError;

/// Connections per instance unless `pool_max_size` (URL) or `RUNGS_PG_POOL_MAX_SIZE`
/// says otherwise. Appends of one organization serialise on its ledger head anyway;
/// more connections help concurrent reads and other organizations.
pub const DEFAULT_POOL_MAX_SIZE: usize = 10;
/// How long a request waits for a free connection before failing.
const DEFAULT_POOL_WAIT: Duration = Duration::from_secs(10);

/// The TLS setting of every connection: the pool's, and the cancel requests of
/// abandoned reads ([`cancel`]), which must match it. TLS is not built in (see
/// docs/operations.md).
fn tls() -> NoTls {
    NoTls
}

/// The PostgreSQL store. Cheap to share behind an `Arc`.
pub struct PgStore {
    pool: Pool,
    appender: group::Appender,
    /// Parsed frameworks, stamped with their row's `xmin` (any update, from any
    /// instance, gives the row a new one).
    frameworks: crate::framework_cache::FrameworkCache<String>,
    /// See [`PgStore::slow_reads_for_tests`].
    slow_for_tests: AtomicU64,
}

/// Connection settings parsed from a `postgres://` URL: the libpq-style URL, minus
/// the rungs pool options (`pool_max_size`, `pool_wait_secs`), which PostgreSQL
/// would refuse as unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct PgOptions {
    pub url: String,
    pub pool_max_size: usize,
    pub pool_wait: Duration,
}

impl PgOptions {
    pub fn parse(url: &str) -> Result<PgOptions, OpenError> {
        let bad = |reason: String| OpenError::Postgres { reason };
        let env_max = rungs_core::settings::var("RUNGS_PG_POOL_MAX_SIZE");
        let mut pool_max_size = match env_max {
            Some(v) => v.parse().map_err(|_| bad(format!("RUNGS_PG_POOL_MAX_SIZE='{v}' is not a number")))?,
            None => DEFAULT_POOL_MAX_SIZE,
        };
        let mut pool_wait = DEFAULT_POOL_WAIT;
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "pool_max_size" => pool_max_size = v.parse().map_err(|_| bad(format!("pool_max_size='{v}' is not a number")))?,
                "pool_wait_secs" => pool_wait = Duration::from_secs(v.parse().map_err(|_| bad(format!("pool_wait_secs='{v}' is not a number")))?),
                _ => kept.push(pair),
            }
        }
        if pool_max_size == 0 {
            return Err(bad("the pool needs at least one connection".into()));
        }
        let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        Ok(PgOptions { url, pool_max_size, pool_wait })
    }
}

impl PgStore {
    /// Connect, and apply migrations under an advisory lock (several instances may
    /// start at once; one migrates, the others wait and then find nothing to do).
    pub async fn open(url: &str) -> Result<PgStore, OpenError> {
        let opts = PgOptions::parse(url)?;
        let fail = |e: &dyn std::fmt::Display| OpenError::Postgres { reason: e.to_string() };
        let mut config: tokio_postgres::Config = opts.url.parse().map_err(|e| fail(&e))?;
        if config.get_application_name().is_none() {
            config.application_name("rungs");
        }
        let manager = Manager::from_config(config, tls(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(opts.pool_max_size)
            .wait_timeout(Some(opts.pool_wait))
            .create_timeout(Some(opts.pool_wait))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| fail(&e))?;
        let mut conn = pool.get().await.map_err(|e| fail(&e))?;
        migrate::migrate(&mut conn).await?;
        drop(conn);
        tracing::info!(pool_max_size = opts.pool_max_size, "opened PostgreSQL store");
        Ok(PgStore { appender: group::Appender::new(pool.clone()), pool, frameworks: Default::default(), slow_for_tests: AtomicU64::new(0) })
    }

    async fn conn(&self) -> StoreResult<Object> {
        self.pool.get().await.map_err(rows::pool_error)
    }

    /// Close every pooled connection (tests drop their database afterwards).
    pub fn close(&self) {
        self.pool.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_options_are_taken_out_of_the_url() {
        let o = PgOptions::parse("postgres://u@h:5432/db?sslmode=disable&pool_max_size=3&pool_wait_secs=2").unwrap();
        assert_eq!(o.url, "postgres://u@h:5432/db?sslmode=disable");
        assert_eq!((o.pool_max_size, o.pool_wait), (3, Duration::from_secs(2)));
        assert_eq!(PgOptions::parse("postgres://u@h/db?pool_max_size=5").unwrap().url, "postgres://u@h/db");
        assert!(PgOptions::parse("postgres://u@h/db?pool_max_size=0").is_err());
    }
}
