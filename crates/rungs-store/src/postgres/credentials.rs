//! `impl CredentialStore for PgStore` (`migrations/postgres/0018_credentials.sql`).
//! The once rules are the table's keys; the cursor moves under `FOR UPDATE`.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use rungs_core::credentials::{CredentialSource, CredentialStore, Issued, IssuedCredential, LIST_FILL, Revoked};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use tokio_postgres::Row;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db};

const COLS: &str = "id, org_id, person_id, source, event_id, name, status_list, status_index, document, issued_at, revoked_at, revoked_by, revoke_reason";

fn credential(r: &Row) -> StoreResult<IssuedCredential> {
    let source: String = rows::get(r, 3)?;
    let document: String = rows::get(r, 8)?;
    Ok(IssuedCredential {
        id: rows::get(r, 0)?,
        org_id: OrgId(rows::get(r, 1)?),
        person: PersonId(rows::get(r, 2)?),
        source: CredentialSource::parse(&source).ok_or_else(|| StoreError::internal(format!("unknown credential source {source}")))?,
        event_id: EventId(rows::get(r, 4)?),
        name: rows::get(r, 5)?,
        status_list: rows::get(r, 6)?,
        status_index: rows::get(r, 7)?,
        document: serde_json::from_str(&document).map_err(StoreError::unexpected)?,
        issued_at: rows::get(r, 9)?,
        revoked_at: rows::get(r, 10)?,
        revoked_by: rows::get::<Option<Uuid>>(r, 11)?.map(PersonId),
        revoke_reason: rows::get(r, 12)?,
    })
}

async fn by_event<C: GenericClient>(c: &C, org: OrgId, person: PersonId, event: EventId) -> StoreResult<Option<IssuedCredential>> {
    let r = c
        .query_opt(&format!("SELECT {COLS} FROM issued_credentials WHERE org_id = $1 AND person_id = $2 AND event_id = $3"), &[&org.0, &person.0, &event.0])
        .await
        .db()?;
    r.as_ref().map(credential).transpose()
}

async fn by_id<C: GenericClient>(c: &C, id: Uuid) -> StoreResult<IssuedCredential> {
    let r = c.query_opt(&format!("SELECT {COLS} FROM issued_credentials WHERE id = $1"), &[&id]).await.db()?;
    r.as_ref().map(credential).transpose()?.ok_or(StoreError::NotFound)
}

#[async_trait::async_trait]
impl CredentialStore for PgStore {
    async fn status_list_in_use(&self) -> StoreResult<(i32, i64)> {
        let c = self.conn().await?;
        let list: Option<i32> = rows::get(&c.query_one("SELECT max(status_list) FROM issued_credentials", &[]).await.db()?, 0)?;
        let list = list.unwrap_or(1);
        let n: i64 = rows::get(&c.query_one("SELECT count(*) FROM issued_credentials WHERE status_list = $1", &[&list]).await.db()?, 0)?;
        Ok(if n >= LIST_FILL { (list + 1, 0) } else { (list, n) })
    }

    async fn insert_credential(&self, x: &IssuedCredential) -> StoreResult<Issued> {
        let c = self.conn().await?;
        let doc = serde_json::to_string(&x.document).map_err(StoreError::unexpected)?;
        let n = c
            .execute(
                "INSERT INTO issued_credentials (id, org_id, person_id, source, event_id, name, status_list, status_index, document, issued_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                &[&x.id, &x.org_id.0, &x.person.0, &x.source.as_str(), &x.event_id.0, &x.name, &x.status_list, &x.status_index, &doc, &x.issued_at],
            )
            .await
            .db()?;
        if n == 1 {
            return Ok(Issued::New);
        }
        Ok(match by_event(&c, x.org_id, x.person, x.event_id).await? {
            Some(old) => Issued::Already(Box::new(old)),
            None => Issued::PositionTaken,
        })
    }

    async fn credential(&self, id: Uuid) -> StoreResult<IssuedCredential> {
        let c = self.conn().await?;
        by_id(&c, id).await
    }

    async fn credential_for_event(&self, org: OrgId, person: PersonId, event: EventId) -> StoreResult<Option<IssuedCredential>> {
        let c = self.conn().await?;
        by_event(&c, org, person, event).await
    }

    async fn credentials_of(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<IssuedCredential>> {
        let c = self.conn().await?;
        let rs = c
            .query(&format!("SELECT {COLS} FROM issued_credentials WHERE org_id = $1 AND person_id = $2 ORDER BY id DESC"), &[&org.0, &person.0])
            .await
            .db()?;
        rs.iter().map(credential).collect()
    }

    async fn credentials_page(&self, org: OrgId, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<IssuedCredential>> {
        let c = self.conn().await?;
        let before = before.unwrap_or(Uuid::max());
        let rs = c
            .query(
                &format!("SELECT {COLS} FROM issued_credentials WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"),
                &[&org.0, &before, &i64::from(limit)],
            )
            .await
            .db()?;
        rs.iter().map(credential).collect()
    }

    async fn revoke_credential(&self, org: OrgId, id: Uuid, by: Option<PersonId>, reason: &str, at: DateTime<Utc>) -> StoreResult<Revoked> {
        let c = self.conn().await?;
        let by = by.map(|p| p.0);
        let n = c
            .execute(
                "UPDATE issued_credentials SET revoked_at = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL",
                &[&id, &org.0, &at, &by, &reason],
            )
            .await
            .db()?;
        let now = by_id(&c, id).await?;
        if now.org_id != org {
            return Err(StoreError::NotFound);
        }
        Ok(if n == 1 { Revoked::Done(Box::new(now)) } else { Revoked::Already(Box::new(now)) })
    }

    async fn status_list_bits(&self, list: i32) -> StoreResult<(Vec<i64>, DateTime<Utc>)> {
        let c = self.conn().await?;
        let r = c.query_one("SELECT min(issued_at), max(revoked_at) FROM issued_credentials WHERE status_list = $1", &[&list]).await.db()?;
        let first: Option<DateTime<Utc>> = rows::get(&r, 0)?;
        let last: Option<DateTime<Utc>> = rows::get(&r, 1)?;
        let at = last.or(first).ok_or(StoreError::NotFound)?;
        let rs = c
            .query("SELECT status_index FROM issued_credentials WHERE status_list = $1 AND revoked_at IS NOT NULL ORDER BY status_index", &[&list])
            .await
            .db()?;
        let bits = rs.iter().map(|r| rows::get::<i64>(r, 0)).collect::<StoreResult<_>>()?;
        Ok((bits, at))
    }

    async fn credential_opt_in(&self, org: OrgId, person: PersonId) -> StoreResult<bool> {
        let c = self.conn().await?;
        Ok(c.query_opt("SELECT 1 FROM credential_opt_ins WHERE org_id = $1 AND person_id = $2", &[&org.0, &person.0]).await.db()?.is_some())
    }

    async fn set_credential_opt_in(&self, org: OrgId, person: PersonId, on: bool, at: DateTime<Utc>) -> StoreResult<()> {
        let c = self.conn().await?;
        if on {
            c.execute("INSERT INTO credential_opt_ins (org_id, person_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", &[&org.0, &person.0, &at])
                .await
                .db()?;
        } else {
            c.execute("DELETE FROM credential_opt_ins WHERE org_id = $1 AND person_id = $2", &[&org.0, &person.0]).await.db()?;
        }
        Ok(())
    }

    async fn opted_in(&self, org: OrgId, people: &[PersonId]) -> StoreResult<Vec<PersonId>> {
        let c = self.conn().await?;
        let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
        let rs = c.query("SELECT person_id FROM credential_opt_ins WHERE org_id = $1 AND person_id = ANY($2)", &[&org.0, &ids]).await.db()?;
        rs.iter().map(|r| rows::get::<Uuid>(r, 0).map(PersonId)).collect()
    }

    async fn credential_cursor(&self, org: OrgId) -> StoreResult<i64> {
        let c = self.conn().await?;
        let r = c.query_opt("SELECT after_seq FROM credential_cursors WHERE org_id = $1", &[&org.0]).await.db()?;
        r.map_or(Ok(0), |r| rows::get(&r, 0))
    }

    async fn move_credential_cursor(&self, org: OrgId, from: i64, to: i64) -> StoreResult<bool> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        tx.execute("INSERT INTO credential_cursors (org_id, after_seq) VALUES ($1, 0) ON CONFLICT (org_id) DO NOTHING", &[&org.0]).await.db()?;
        let at: i64 = rows::get(&tx.query_one("SELECT after_seq FROM credential_cursors WHERE org_id = $1 FOR UPDATE", &[&org.0]).await.db()?, 0)?;
        if at != from {
            return Ok(false);
        }
        tx.execute("UPDATE credential_cursors SET after_seq = $2 WHERE org_id = $1", &[&org.0, &to]).await.db()?;
        tx.commit().await.db()?;
        Ok(true)
    }
}
