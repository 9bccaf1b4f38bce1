//! `impl CredentialStore for SqliteStore` (`migrations/sqlite/0018_credentials.sql`).
//! Writes go through the single writer thread; the once rules are the table's keys.

use chrono::{DateTime, Utc};
use rungs_core::credentials::{CredentialSource, CredentialStore, Issued, IssuedCredential, LIST_FILL, Revoked};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use super::rows::{self, Db, micros};

const COLS: &str = "id, org_id, person_id, source, event_id, name, status_list, status_index, document, issued_at, revoked_at, revoked_by, revoke_reason";

fn bad(idx: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.into())
}

fn credential(row: &Row<'_>) -> rusqlite::Result<IssuedCredential> {
    let source: String = row.get(3)?;
    let document: String = row.get(8)?;
    Ok(IssuedCredential {
        id: Uuid::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        person: PersonId::from_bytes(row.get(2)?),
        source: CredentialSource::parse(&source).ok_or_else(|| bad(3, format!("unknown credential source {source}")))?,
        event_id: EventId::from_bytes(row.get(4)?),
        name: row.get(5)?,
        status_list: row.get(6)?,
        status_index: row.get(7)?,
        document: serde_json::from_str(&document).map_err(|e| bad(8, e.to_string()))?,
        issued_at: rows::time(row, 9)?,
        revoked_at: rows::opt_time(row, 10)?,
        revoked_by: row.get::<_, Option<[u8; 16]>>(11)?.map(PersonId::from_bytes),
        revoke_reason: row.get(12)?,
    })
}

fn by_event(c: &Connection, org: OrgId, person: PersonId, event: EventId) -> StoreResult<Option<IssuedCredential>> {
    c.query_row(
        &format!("SELECT {COLS} FROM issued_credentials WHERE org_id = ?1 AND person_id = ?2 AND event_id = ?3"),
        params![org.as_bytes(), person.as_bytes(), event.as_bytes()],
        credential,
    )
    .optional()
    .db()
}

fn by_id(c: &Connection, id: Uuid) -> StoreResult<IssuedCredential> {
    c.query_row(&format!("SELECT {COLS} FROM issued_credentials WHERE id = ?1"), [id.as_bytes()], credential).db()
}

#[async_trait::async_trait]
impl CredentialStore for SqliteStore {
    async fn status_list_in_use(&self) -> StoreResult<(i32, i64)> {
        self.read(|c| {
            let list: Option<i32> = c.query_row("SELECT max(status_list) FROM issued_credentials", [], |r| r.get(0)).db()?;
            let list = list.unwrap_or(1);
            // Bounded by the list's size (the index on (status_list, status_index)).
            let n: i64 = c.query_row("SELECT count(*) FROM issued_credentials WHERE status_list = ?1", [list], |r| r.get(0)).db()?;
            Ok(if n >= LIST_FILL { (list + 1, 0) } else { (list, n) })
        })
        .await
    }

    async fn insert_credential(&self, x: &IssuedCredential) -> StoreResult<Issued> {
        let x = x.clone();
        self.writer
            .exec(move |tx| {
                let doc = serde_json::to_string(&x.document).map_err(StoreError::unexpected)?;
                let n = tx
                    .execute(
                        "INSERT INTO issued_credentials (id, org_id, person_id, source, event_id, name, status_list, status_index, document, issued_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
                        params![
                            x.id.as_bytes(),
                            x.org_id.as_bytes(),
                            x.person.as_bytes(),
                            x.source.as_str(),
                            x.event_id.as_bytes(),
                            x.name,
                            x.status_list,
                            x.status_index,
                            doc,
                            micros(x.issued_at)
                        ],
                    )
                    .db()?;
                if n == 1 {
                    return Ok(Issued::New);
                }
                Ok(match by_event(tx, x.org_id, x.person, x.event_id)? {
                    Some(old) => Issued::Already(Box::new(old)),
                    None => Issued::PositionTaken,
                })
            })
            .await
    }

    async fn credential(&self, id: Uuid) -> StoreResult<IssuedCredential> {
        self.read(move |c| by_id(c, id)).await
    }

    async fn credential_for_event(&self, org: OrgId, person: PersonId, event: EventId) -> StoreResult<Option<IssuedCredential>> {
        self.read(move |c| by_event(c, org, person, event)).await
    }

    async fn credentials_of(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<IssuedCredential>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM issued_credentials WHERE org_id = ?1 AND person_id = ?2 ORDER BY id DESC")).db()?;
            st.query_map(params![org.as_bytes(), person.as_bytes()], credential).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn credentials_page(&self, org: OrgId, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<IssuedCredential>> {
        self.read(move |c| {
            let before = before.map_or([0xffu8; 16], |b| *b.as_bytes());
            let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM issued_credentials WHERE org_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3")).db()?;
            st.query_map(params![org.as_bytes(), before, limit], credential).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn revoke_credential(&self, org: OrgId, id: Uuid, by: Option<PersonId>, reason: &str, at: DateTime<Utc>) -> StoreResult<Revoked> {
        let reason = reason.to_string();
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "UPDATE issued_credentials SET revoked_at = ?3, revoked_by = ?4, revoke_reason = ?5 WHERE id = ?1 AND org_id = ?2 AND revoked_at IS NULL",
                        params![id.as_bytes(), org.as_bytes(), micros(at), by.map(|p| *p.as_bytes()), reason],
                    )
                    .db()?;
                let now = by_id(tx, id)?;
                if now.org_id != org {
                    return Err(StoreError::NotFound);
                }
                Ok(if n == 1 { Revoked::Done(Box::new(now)) } else { Revoked::Already(Box::new(now)) })
            })
            .await
    }

    async fn status_list_bits(&self, list: i32) -> StoreResult<(Vec<i64>, DateTime<Utc>)> {
        self.read(move |c| {
            let (first, last): (Option<i64>, Option<i64>) = c
                .query_row("SELECT min(issued_at), max(revoked_at) FROM issued_credentials WHERE status_list = ?1", [list], |r| Ok((r.get(0)?, r.get(1)?)))
                .db()?;
            let at = last.or(first).ok_or(StoreError::NotFound)?;
            let mut st =
                c.prepare_cached("SELECT status_index FROM issued_credentials WHERE status_list = ?1 AND revoked_at IS NOT NULL ORDER BY status_index").db()?;
            let bits = st.query_map([list], |r| r.get(0)).db()?.collect::<rusqlite::Result<_>>().db()?;
            Ok((bits, DateTime::from_timestamp_micros(at).unwrap_or_default()))
        })
        .await
    }

    async fn credential_opt_in(&self, org: OrgId, person: PersonId) -> StoreResult<bool> {
        self.read(move |c| {
            c.query_row("SELECT 1 FROM credential_opt_ins WHERE org_id = ?1 AND person_id = ?2", params![org.as_bytes(), person.as_bytes()], |_| Ok(()))
                .optional()
                .db()
                .map(|r| r.is_some())
        })
        .await
    }

    async fn set_credential_opt_in(&self, org: OrgId, person: PersonId, on: bool, at: DateTime<Utc>) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                if on {
                    tx.execute(
                        "INSERT INTO credential_opt_ins (org_id, person_id, since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                        params![org.as_bytes(), person.as_bytes(), micros(at)],
                    )
                    .db()?;
                } else {
                    tx.execute("DELETE FROM credential_opt_ins WHERE org_id = ?1 AND person_id = ?2", params![org.as_bytes(), person.as_bytes()]).db()?;
                }
                Ok(())
            })
            .await
    }

    async fn opted_in(&self, org: OrgId, people: &[PersonId]) -> StoreResult<Vec<PersonId>> {
        let people = people.to_vec();
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT 1 FROM credential_opt_ins WHERE org_id = ?1 AND person_id = ?2").db()?;
            let mut out = Vec::new();
            for p in people {
                if st.query_row(params![org.as_bytes(), p.as_bytes()], |_| Ok(())).optional().db()?.is_some() {
                    out.push(p);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn credential_cursor(&self, org: OrgId) -> StoreResult<i64> {
        self.read(move |c| {
            c.query_row("SELECT after_seq FROM credential_cursors WHERE org_id = ?1", [org.as_bytes()], |r| r.get::<_, i64>(0))
                .optional()
                .db()
                .map(|v| v.unwrap_or(0))
        })
        .await
    }

    async fn move_credential_cursor(&self, org: OrgId, from: i64, to: i64) -> StoreResult<bool> {
        self.writer
            .exec(move |tx| {
                let at: i64 =
                    tx.query_row("SELECT after_seq FROM credential_cursors WHERE org_id = ?1", [org.as_bytes()], |r| r.get(0)).optional().db()?.unwrap_or(0);
                if at != from {
                    return Ok(false);
                }
                tx.execute(
                    "INSERT INTO credential_cursors (org_id, after_seq) VALUES (?1, ?2) ON CONFLICT (org_id) DO UPDATE SET after_seq = excluded.after_seq",
                    params![org.as_bytes(), to],
                )
                .db()?;
                Ok(true)
            })
            .await
    }
}
