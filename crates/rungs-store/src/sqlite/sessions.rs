//! `impl SessionStore for SqliteStore`: password credentials and browser sessions
//! (`migrations/sqlite/0004_sessions.sql`). Writes go through the writer thread, reads
//! through the reader pool, like every other query of this backend.

use chrono::{DateTime, Utc};
use rungs_core::person::Role;
use rungs_core::session_store::{Credential, SessionRecord, SessionStore, SsoLink};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, micros};

fn bad(idx: usize, ty: Type, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, e.into())
}

fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let us: i64 = row.get(idx)?;
    DateTime::from_timestamp_micros(us).ok_or_else(|| bad(idx, Type::Integer, "time out of range"))
}

fn role(row: &Row<'_>, idx: usize) -> rusqlite::Result<Role> {
    let s = row.get_ref(idx)?.as_str()?;
    Role::parse(s).ok_or_else(|| bad(idx, Type::Text, format!("unknown role '{s}'")))
}

const CREDENTIAL_COLS: &str = "c.org_id, c.person_id, c.role, c.password_hash, c.updated_at";

fn credential(row: &Row<'_>) -> rusqlite::Result<Credential> {
    Ok(Credential {
        org_id: OrgId::from_bytes(row.get(0)?),
        person_id: PersonId::from_bytes(row.get(1)?),
        role: role(row, 2)?,
        password_hash: row.get(3)?,
        updated_at: time(row, 4)?,
    })
}

const SESSION_COLS: &str = "hash, org_id, person_id, role, created_at, expires_at";

fn session(row: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        hash: row.get(0)?,
        org_id: OrgId::from_bytes(row.get(1)?),
        person_id: PersonId::from_bytes(row.get(2)?),
        role: role(row, 3)?,
        created_at: time(row, 4)?,
        expires_at: time(row, 5)?,
    })
}

const LINK_COLS: &str = "issuer, subject, org_id, person_id, created_at";

fn link(row: &Row<'_>) -> rusqlite::Result<SsoLink> {
    Ok(SsoLink {
        issuer: row.get(0)?,
        subject: row.get(1)?,
        org_id: OrgId::from_bytes(row.get(2)?),
        person_id: PersonId::from_bytes(row.get(3)?),
        created_at: time(row, 4)?,
    })
}

#[async_trait::async_trait]
impl SessionStore for SqliteStore {
    #[instrument(skip_all, fields(person = %credential.person_id))]
    async fn set_password_hash(&self, credential: &Credential) -> StoreResult<()> {
        let c = credential.clone();
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO credentials (org_id, person_id, role, password_hash, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (org_id, person_id) DO UPDATE
                     SET role = excluded.role, password_hash = excluded.password_hash, updated_at = excluded.updated_at",
                    params![c.org_id.as_bytes(), c.person_id.as_bytes(), c.role.as_str(), c.password_hash, micros(c.updated_at)],
                )
                .db()
                .map(drop)
            })
            .await
    }

    #[instrument(skip_all)]
    async fn credential_by_email(&self, email: &str) -> StoreResult<Credential> {
        let email = email.to_string();
        // Organizations drive the loop (CROSS JOIN fixes the order) so each probe uses
        // the people (org_id, email) unique index: a handful of lookups, never a scan.
        let sql = format!(
            "SELECT {CREDENTIAL_COLS} FROM organizations o
             CROSS JOIN people p ON p.org_id = o.id AND p.email = ?1
             CROSS JOIN credentials c ON c.org_id = p.org_id AND c.person_id = p.id
             ORDER BY o.created_at LIMIT 1"
        );
        self.read(move |conn| conn.query_row(&sql, [email], credential).optional().db()?.ok_or(StoreError::NotFound)).await
    }

    #[instrument(skip_all, fields(person = %s.person_id))]
    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .exec(move |tx| {
                // Sweep expired sessions here: sign-ins are rare, and this keeps the
                // table as small as the number of live sessions.
                tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [micros(s.created_at)]).db()?;
                tx.execute(
                    &format!("INSERT INTO sessions ({SESSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                    params![s.hash, s.org_id.as_bytes(), s.person_id.as_bytes(), s.role.as_str(), micros(s.created_at), micros(s.expires_at)],
                )
                .db()
                .map(drop)
            })
            .await
    }

    #[instrument(skip_all)]
    async fn session_by_hash(&self, hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<SessionRecord> {
        let hash = *hash;
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE hash = ?1 AND expires_at > ?2");
        self.read(move |c| c.query_row(&sql, params![hash, micros(now)], session).db()).await
    }

    #[instrument(skip_all)]
    async fn delete_session(&self, hash: &[u8; 32]) -> StoreResult<()> {
        let hash = *hash;
        self.writer.exec(move |tx| tx.execute("DELETE FROM sessions WHERE hash = ?1", [hash]).db().map(drop)).await
    }

    #[instrument(skip_all, fields(%org, %person))]
    async fn delete_sessions_of(&self, org: OrgId, person: PersonId) -> StoreResult<u64> {
        self.writer
            .exec(move |tx| {
                tx.execute("DELETE FROM sessions WHERE org_id = ?1 AND person_id = ?2", params![org.as_bytes(), person.as_bytes()]).db().map(|n| n as u64)
            })
            .await
    }

    #[instrument(skip_all, fields(person = %link.person_id))]
    async fn link_sso(&self, link: &SsoLink) -> StoreResult<()> {
        let l = link.clone();
        self.writer
            .exec(move |tx| {
                // The primary key makes the link once; DO NOTHING plus the row count
                // turns a second link into a Conflict instead of a replacement.
                let n = tx
                    .execute(
                        "INSERT INTO sso_links (issuer, subject, org_id, person_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                        params![l.issuer, l.subject, l.org_id.as_bytes(), l.person_id.as_bytes(), micros(l.created_at)],
                    )
                    .db()?;
                if n == 0 {
                    return Err(StoreError::Conflict { field: "sub".into(), reason: "this identity-provider account is already linked".into() });
                }
                Ok(())
            })
            .await
    }

    #[instrument(skip_all)]
    async fn sso_link(&self, issuer: &str, subject: &str) -> StoreResult<SsoLink> {
        let (issuer, subject) = (issuer.to_string(), subject.to_string());
        self.read(move |c| c.query_row(&format!("SELECT {LINK_COLS} FROM sso_links WHERE issuer = ?1 AND subject = ?2"), params![issuer, subject], link).db())
            .await
    }

    #[instrument(skip_all, fields(%org, %person))]
    async fn sso_links_of(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<SsoLink>> {
        self.read(move |c| {
            // The sso_links_by_person index (0017).
            let mut st = c
                .prepare_cached(&format!("SELECT {LINK_COLS} FROM sso_links WHERE org_id = ?1 AND person_id = ?2 ORDER BY created_at, issuer, subject"))
                .db()?;
            let rows = st.query_map(params![org.as_bytes(), person.as_bytes()], link).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %person))]
    async fn unlink_sso(&self, org: OrgId, person: PersonId, issuer: &str, subject: &str) -> StoreResult<()> {
        let (issuer, subject) = (issuer.to_string(), subject.to_string());
        self.writer
            .exec(move |tx| {
                let sql = "DELETE FROM sso_links WHERE issuer = ?1 AND subject = ?2 AND org_id = ?3 AND person_id = ?4";
                match tx.execute(sql, params![issuer, subject, org.as_bytes(), person.as_bytes()]).db()? {
                    0 => Err(StoreError::NotFound),
                    _ => Ok(()),
                }
            })
            .await
    }
}
