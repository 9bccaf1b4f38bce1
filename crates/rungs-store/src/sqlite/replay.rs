//! `impl ReplayStore for SqliteStore` (`migrations/sqlite/0021_idempotent_responses.sql`).
//! Everything runs on the writer thread: SQLite's one writer is the lock under which
//! a row is read, decided ([`decide`]) and written, so two requests with one key
//! cannot both start. These writes are on a request's path, so they go as small
//! writes ([`super::writer::Writer::exec_small`]): the claims and answers of many
//! concurrent requests share one transaction and one fsync.

use chrono::{DateTime, Utc};
use rungs_core::idempotency::{Attempt, Begun, Decision, KeyOwner, KeyRow, Recorded, ReplayStore, decide};
use rungs_core::store::StoreResult;
use rusqlite::{OptionalExtension, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, micros, time};

const SELECT: &str = "SELECT fingerprint, holder, locked_until, status, withheld, content_type, location, body, created_at \
                      FROM idempotent_responses WHERE org_id = ?1 AND principal = ?2 AND key = ?3";

/// Insert the row in flight, or replace an expired or abandoned one.
const CLAIM: &str = "INSERT INTO idempotent_responses (org_id, principal, key, fingerprint, holder, locked_until, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (org_id, principal, key) DO UPDATE SET fingerprint = excluded.fingerprint, holder = excluded.holder, \
                     locked_until = excluded.locked_until, status = NULL, content_type = NULL, location = NULL, body = NULL, withheld = 0, \
                     created_at = excluded.created_at";

fn key_row(r: &Row<'_>) -> rusqlite::Result<KeyRow> {
    let holder: [u8; 16] = r.get(1)?;
    Ok(KeyRow {
        fingerprint: r.get(0)?,
        holder: uuid::Uuid::from_bytes(holder),
        locked_until: time(r, 2)?,
        recorded: Recorded::from_columns(r.get(3)?, r.get::<_, i64>(4)? != 0, r.get(5)?, r.get(6)?, r.get(7)?),
        created_at: time(r, 8)?,
    })
}

#[async_trait::async_trait]
impl ReplayStore for SqliteStore {
    #[instrument(skip_all)]
    async fn begin_request(&self, attempt: &Attempt) -> StoreResult<Begun> {
        let a = attempt.clone();
        self.writer
            .exec_small(move |conn| {
                let o = &a.owner;
                let row = conn
                    .prepare_cached(SELECT)
                    .and_then(|mut s| s.query_row(params![o.org_id.as_bytes(), o.principal, o.key.as_str()], key_row).optional())
                    .db()?;
                match decide(row.as_ref(), &a.fingerprint, a.now) {
                    Decision::Answer(begun) => Ok(begun),
                    Decision::Insert | Decision::TakeOver => {
                        conn.prepare_cached(CLAIM)
                            .and_then(|mut s| {
                                s.execute(params![
                                    o.org_id.as_bytes(),
                                    o.principal,
                                    o.key.as_str(),
                                    a.fingerprint,
                                    a.id.as_bytes(),
                                    micros(a.now + a.lease),
                                    micros(a.now)
                                ])
                            })
                            .db()?;
                        Ok(Begun::Started)
                    }
                }
            })
            .await
    }

    #[instrument(skip_all)]
    async fn finish_request(&self, owner: &KeyOwner, attempt: uuid::Uuid, recorded: &Recorded) -> StoreResult<()> {
        let (o, r) = (owner.clone(), recorded.clone());
        self.writer
            .exec_small(move |conn| {
                let (status, withheld, content_type, location, body) = r.columns();
                conn.prepare_cached(
                    "UPDATE idempotent_responses SET status = ?5, withheld = ?6, content_type = ?7, location = ?8, body = ?9 \
                     WHERE org_id = ?1 AND principal = ?2 AND key = ?3 AND holder = ?4 AND status IS NULL",
                )
                .and_then(|mut s| {
                    s.execute(params![o.org_id.as_bytes(), o.principal, o.key.as_str(), attempt.as_bytes(), status, withheld, content_type, location, body])
                })
                .db()?;
                Ok(())
            })
            .await
    }

    #[instrument(skip_all)]
    async fn abandon_request(&self, owner: &KeyOwner, attempt: uuid::Uuid) -> StoreResult<()> {
        let o = owner.clone();
        self.writer
            .exec_small(move |conn| {
                conn.prepare_cached("DELETE FROM idempotent_responses WHERE org_id = ?1 AND principal = ?2 AND key = ?3 AND holder = ?4 AND status IS NULL")
                    .and_then(|mut s| s.execute(params![o.org_id.as_bytes(), o.principal, o.key.as_str(), attempt.as_bytes()]))
                    .db()?;
                Ok(())
            })
            .await
    }

    #[instrument(skip_all)]
    async fn forget_requests(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.writer.exec(move |tx| Ok(tx.execute("DELETE FROM idempotent_responses WHERE created_at < ?1", [micros(before)]).db()? as u64)).await
    }
}
