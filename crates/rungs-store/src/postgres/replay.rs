//! `impl ReplayStore for PgStore` (`migrations/postgres/0021_idempotent_responses.sql`).
//! A request claims its key with `INSERT ... ON CONFLICT DO NOTHING`; when the row
//! exists, it is locked (`FOR UPDATE`) and [`decide`] says what it means, so two
//! instances racing with one key never both start.

use chrono::{DateTime, Utc};
use rungs_core::idempotency::{Attempt, Begun, Decision, KeyOwner, KeyRow, Recorded, ReplayStore, decide};
use rungs_core::store::StoreResult;
use tokio_postgres::Row;
use tracing::instrument;

use super::PgStore;
use super::rows::{self, Db};

const INSERT: &str = "INSERT INTO idempotent_responses (org_id, principal, key, fingerprint, holder, locked_until, created_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, principal, key) DO NOTHING";

const SELECT_FOR_UPDATE: &str = "SELECT fingerprint, holder, locked_until, status, withheld, content_type, location, body, created_at \
                                 FROM idempotent_responses WHERE org_id = $1 AND principal = $2 AND key = $3 FOR UPDATE";

/// Replace an expired or abandoned row (locked by the select above), or insert it if
/// it was deleted in between.
const TAKE_OVER: &str = "INSERT INTO idempotent_responses (org_id, principal, key, fingerprint, holder, locked_until, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (org_id, principal, key) DO UPDATE SET fingerprint = excluded.fingerprint, holder = excluded.holder, \
                         locked_until = excluded.locked_until, status = NULL, content_type = NULL, location = NULL, body = NULL, \
                         withheld = false, created_at = excluded.created_at";

fn key_row(r: &Row) -> StoreResult<KeyRow> {
    let status: Option<i16> = rows::get(r, 3)?;
    Ok(KeyRow {
        fingerprint: rows::get(r, 0)?,
        holder: rows::get(r, 1)?,
        locked_until: rows::get(r, 2)?,
        recorded: Recorded::from_columns(status.map(i64::from), rows::get(r, 4)?, rows::get(r, 5)?, rows::get(r, 6)?, rows::get(r, 7)?),
        created_at: rows::get(r, 8)?,
    })
}

#[async_trait::async_trait]
impl ReplayStore for PgStore {
    #[instrument(skip_all)]
    async fn begin_request(&self, a: &Attempt) -> StoreResult<Begun> {
        let mut c = self.conn().await?;
        let o = &a.owner;
        let until = a.now + a.lease;
        let claim: [&(dyn tokio_postgres::types::ToSql + Sync); 7] = [&o.org_id.0, &o.principal, &o.key.as_str(), &a.fingerprint, &a.id, &until, &a.now];
        let tx = c.transaction().await.db()?;
        if tx.execute(INSERT, &claim).await.db()? == 1 {
            tx.commit().await.db()?;
            return Ok(Begun::Started);
        }
        let row = tx.query_opt(SELECT_FOR_UPDATE, &[&o.org_id.0, &o.principal, &o.key.as_str()]).await.db()?;
        let row = row.as_ref().map(key_row).transpose()?;
        let begun = match decide(row.as_ref(), &a.fingerprint, a.now) {
            Decision::Answer(begun) => begun,
            Decision::Insert | Decision::TakeOver => {
                tx.execute(TAKE_OVER, &claim).await.db()?;
                Begun::Started
            }
        };
        tx.commit().await.db()?;
        Ok(begun)
    }

    #[instrument(skip_all)]
    async fn finish_request(&self, o: &KeyOwner, attempt: uuid::Uuid, recorded: &Recorded) -> StoreResult<()> {
        let c = self.conn().await?;
        let (status, withheld, content_type, location, body) = recorded.columns();
        c.execute(
            "UPDATE idempotent_responses SET status = $5, withheld = $6, content_type = $7, location = $8, body = $9 \
             WHERE org_id = $1 AND principal = $2 AND key = $3 AND holder = $4 AND status IS NULL",
            &[&o.org_id.0, &o.principal, &o.key.as_str(), &attempt, &status, &withheld, &content_type, &location, &body],
        )
        .await
        .db()?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn abandon_request(&self, o: &KeyOwner, attempt: uuid::Uuid) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "DELETE FROM idempotent_responses WHERE org_id = $1 AND principal = $2 AND key = $3 AND holder = $4 AND status IS NULL",
            &[&o.org_id.0, &o.principal, &o.key.as_str(), &attempt],
        )
        .await
        .db()?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn forget_requests(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let c = self.conn().await?;
        c.execute("DELETE FROM idempotent_responses WHERE created_at < $1", &[&before]).await.db()
    }
}
