//! `impl SessionStore for PgStore` (`migrations/postgres/0004_sessions.sql`).

use chrono::{DateTime, Utc};
use rungs_core::session_store::{Credential, SessionRecord, SessionStore, SsoLink};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use tokio_postgres::Row;
use tracing::instrument;

use super::PgStore;
use super::rows::{self, Db};

fn credential(row: &Row) -> StoreResult<Credential> {
    Ok(Credential {
        org_id: OrgId(rows::get(row, 0)?),
        person_id: PersonId(rows::get(row, 1)?),
        role: rows::role(row, 2)?,
        password_hash: rows::get(row, 3)?,
        updated_at: rows::get(row, 4)?,
    })
}

const SESSION_COLS: &str = "hash, org_id, person_id, role, created_at, expires_at";

fn session(row: &Row) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        hash: rows::hash32(row, 0)?,
        org_id: OrgId(rows::get(row, 1)?),
        person_id: PersonId(rows::get(row, 2)?),
        role: rows::role(row, 3)?,
        created_at: rows::get(row, 4)?,
        expires_at: rows::get(row, 5)?,
    })
}

#[async_trait::async_trait]
impl SessionStore for PgStore {
    #[instrument(skip_all, fields(person = %c.person_id))]
    async fn set_password_hash(&self, c: &Credential) -> StoreResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO credentials (org_id, person_id, role, password_hash, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id, person_id) DO UPDATE
             SET role = excluded.role, password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            &[&c.org_id.0, &c.person_id.0, &c.role.as_str(), &c.password_hash, &c.updated_at],
        )
        .await
        .db()
        .map(drop)
    }

    #[instrument(skip_all)]
    async fn credential_by_email(&self, email: &str) -> StoreResult<Credential> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT c.org_id, c.person_id, c.role, c.password_hash, c.updated_at FROM organizations o
                 JOIN people p ON p.org_id = o.id AND p.email = $1
                 JOIN credentials c ON c.org_id = p.org_id AND c.person_id = p.id
                 ORDER BY o.created_at, o.ord LIMIT 1",
                &[&email],
            )
            .await
            .db()?;
        row.as_ref().map_or(Err(StoreError::NotFound), credential)
    }

    #[instrument(skip_all, fields(person = %s.person_id))]
    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        // Sweep expired sessions here too, as SQLite does (the job runner also sweeps).
        tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&s.created_at]).await.db()?;
        let hash: &[u8] = &s.hash;
        tx.execute(
            &format!("INSERT INTO sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[&hash, &s.org_id.0, &s.person_id.0, &s.role.as_str(), &s.created_at, &s.expires_at],
        )
        .await
        .db()?;
        tx.commit().await.db()
    }

    #[instrument(skip_all)]
    async fn session_by_hash(&self, hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<SessionRecord> {
        let conn = self.conn().await?;
        let hash: &[u8] = hash;
        let row = conn.query_opt(&format!("SELECT {SESSION_COLS} FROM sessions WHERE hash = $1 AND expires_at > $2"), &[&hash, &now]).await.db()?;
        row.as_ref().map_or(Err(StoreError::NotFound), session)
    }

    #[instrument(skip_all)]
    async fn delete_session(&self, hash: &[u8; 32]) -> StoreResult<()> {
        let conn = self.conn().await?;
        let hash: &[u8] = hash;
        conn.execute("DELETE FROM sessions WHERE hash = $1", &[&hash]).await.db().map(drop)
    }

    #[instrument(skip_all, fields(%org, %person))]
    async fn delete_sessions_of(&self, org: OrgId, person: PersonId) -> StoreResult<u64> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM sessions WHERE org_id = $1 AND person_id = $2", &[&org.0, &person.0]).await.db()
    }

    #[instrument(skip_all, fields(person = %l.person_id))]
    async fn link_sso(&self, l: &SsoLink) -> StoreResult<()> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "INSERT INTO sso_links (issuer, subject, org_id, person_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&l.issuer, &l.subject, &l.org_id.0, &l.person_id.0, &l.created_at],
            )
            .await
            .db()?;
        if n == 0 {
            return Err(StoreError::Conflict { field: "sub".into(), reason: "this identity-provider account is already linked".into() });
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn sso_link(&self, issuer: &str, subject: &str) -> StoreResult<SsoLink> {
        let conn = self.conn().await?;
        let row = conn.query_opt(&format!("SELECT {LINK_COLS} FROM sso_links WHERE issuer = $1 AND subject = $2"), &[&issuer, &subject]).await.db()?;
        let Some(row) = row else { return Err(StoreError::NotFound) };
        link(&row)
    }

    #[instrument(skip_all, fields(%org, %person))]
    async fn sso_links_of(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<SsoLink>> {
        let conn = self.conn().await?;
        let sql = format!("SELECT {LINK_COLS} FROM sso_links WHERE org_id = $1 AND person_id = $2 ORDER BY created_at, issuer, subject");
        conn.query(&sql, &[&org.0, &person.0]).await.db()?.iter().map(link).collect()
    }

    #[instrument(skip_all, fields(%org, %person))]
    async fn unlink_sso(&self, org: OrgId, person: PersonId, issuer: &str, subject: &str) -> StoreResult<()> {
        let conn = self.conn().await?;
        let sql = "DELETE FROM sso_links WHERE issuer = $1 AND subject = $2 AND org_id = $3 AND person_id = $4";
        match conn.execute(sql, &[&issuer, &subject, &org.0, &person.0]).await.db()? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}

const LINK_COLS: &str = "issuer, subject, org_id, person_id, created_at";

fn link(row: &Row) -> StoreResult<SsoLink> {
    Ok(SsoLink {
        issuer: rows::get(row, 0)?,
        subject: rows::get(row, 1)?,
        org_id: OrgId(rows::get(row, 2)?),
        person_id: PersonId(rows::get(row, 3)?),
        created_at: rows::get(row, 4)?,
    })
}
