//! `impl NotificationStore for SqliteStore` (`migrations/sqlite/0016_notifications.sql`).
//! Writes go through the single writer thread, so the cursor check and the inserts
//! of one derivation run cannot interleave with another's.

use chrono::{DateTime, Utc};
use rungs_core::notifications::{EmailChoice, EmailStatus, Invite, InviteRefusal, Notification, NotificationKind, NotificationStore};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use super::rows::{self, Db, micros};

const COLS: &str = "id, org_id, recipient, kind, source, text, link, created_at, read_at, email_status, email_attempts";
const INVITE_COLS: &str = "id, org_id, person_id, token_hash, created_by, created_at, expires_at, used_at";

fn bad(idx: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.to_string().into())
}

fn notification(row: &Row<'_>) -> rusqlite::Result<Notification> {
    let kind: String = row.get(3)?;
    let email: String = row.get(9)?;
    Ok(Notification {
        id: Uuid::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        recipient: PersonId::from_bytes(row.get(2)?),
        kind: NotificationKind::parse(&kind).ok_or_else(|| bad(3, "unknown notification kind"))?,
        source: row.get(4)?,
        text: row.get(5)?,
        link: row.get(6)?,
        created_at: rows::time(row, 7)?,
        read_at: rows::opt_time(row, 8)?,
        email: EmailStatus::parse(&email).ok_or_else(|| bad(9, "unknown email status"))?,
        email_attempts: row.get(10)?,
    })
}

fn invite(row: &Row<'_>) -> rusqlite::Result<Invite> {
    Ok(Invite {
        id: Uuid::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        person: PersonId::from_bytes(row.get(2)?),
        token_hash: row.get(3)?,
        created_by: row.get::<_, Option<[u8; 16]>>(4)?.map(PersonId::from_bytes),
        created_at: rows::time(row, 5)?,
        expires_at: rows::time(row, 6)?,
        used_at: rows::opt_time(row, 7)?,
    })
}

#[async_trait::async_trait]
impl NotificationStore for SqliteStore {
    async fn notify_cursor(&self, org: OrgId) -> StoreResult<i64> {
        self.read(move |c| {
            c.query_row("SELECT after_seq FROM notification_cursors WHERE org_id = ?1", [org.as_bytes()], |r| r.get::<_, i64>(0))
                .optional()
                .db()
                .map(|v| v.unwrap_or(0))
        })
        .await
    }

    async fn record_notifications(&self, org: OrgId, from: i64, to: i64, items: &[Notification]) -> StoreResult<Option<u64>> {
        let items = items.to_vec();
        self.writer
            .exec(move |tx| {
                if from != to {
                    let at: i64 = tx
                        .query_row("SELECT after_seq FROM notification_cursors WHERE org_id = ?1", [org.as_bytes()], |r| r.get(0))
                        .optional()
                        .db()?
                        .unwrap_or(0);
                    if at != from {
                        return Ok(None);
                    }
                    tx.execute(
                        "INSERT INTO notification_cursors (org_id, after_seq) VALUES (?1, ?2) ON CONFLICT (org_id) DO UPDATE SET after_seq = excluded.after_seq",
                        params![org.as_bytes(), to],
                    )
                    .db()?;
                }
                let mut st = tx
                    .prepare_cached(
                        "INSERT INTO notifications (id, org_id, recipient, kind, source, text, link, created_at, email_status, email_next_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, CASE WHEN ?9 = 'pending' THEN ?8 END)
                         ON CONFLICT (source, recipient, kind) DO NOTHING",
                    )
                    .db()?;
                let mut n = 0;
                for x in &items {
                    n += st
                        .execute(params![
                            x.id.as_bytes(),
                            org.as_bytes(),
                            x.recipient.as_bytes(),
                            x.kind.as_str(),
                            x.source,
                            x.text,
                            x.link,
                            micros(x.created_at),
                            x.email.as_str()
                        ])
                        .db()? as u64;
                }
                Ok(Some(n))
            })
            .await
    }

    async fn notifications(&self, org: OrgId, person: PersonId, unread_only: bool, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<Notification>> {
        self.read(move |c| {
            let before = before.map_or([0xffu8; 16], |b| *b.as_bytes());
            let sql = format!(
                "SELECT {COLS} FROM notifications WHERE org_id = ?1 AND recipient = ?2 AND id < ?3 {} ORDER BY id DESC LIMIT ?4",
                if unread_only { "AND read_at IS NULL" } else { "" }
            );
            let mut st = c.prepare_cached(&sql).db()?;
            st.query_map(params![org.as_bytes(), person.as_bytes(), before, limit], notification).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn unread_notifications(&self, org: OrgId, person: PersonId) -> StoreResult<u64> {
        self.read(move |c| {
            c.prepare_cached("SELECT count(*) FROM notifications WHERE org_id = ?1 AND recipient = ?2 AND read_at IS NULL")
                .and_then(|mut s| s.query_row(params![org.as_bytes(), person.as_bytes()], |r| r.get::<_, i64>(0)))
                .db()
                .map(|n| n as u64)
        })
        .await
    }

    async fn mark_notification_read(&self, org: OrgId, person: PersonId, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "UPDATE notifications SET read_at = COALESCE(read_at, ?4) WHERE id = ?1 AND org_id = ?2 AND recipient = ?3",
                        params![id.as_bytes(), org.as_bytes(), person.as_bytes(), micros(at)],
                    )
                    .db()?;
                if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            })
            .await
    }

    async fn mark_all_notifications_read(&self, org: OrgId, person: PersonId, at: DateTime<Utc>) -> StoreResult<u64> {
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "UPDATE notifications SET read_at = ?3 WHERE org_id = ?1 AND recipient = ?2 AND read_at IS NULL",
                    params![org.as_bytes(), person.as_bytes(), micros(at)],
                )
                .db()
                .map(|n| n as u64)
            })
            .await
    }

    async fn notification_prefs(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<(NotificationKind, EmailChoice)>> {
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT kind, email FROM notification_prefs WHERE org_id = ?1 AND person_id = ?2").db()?;
            let rows: Vec<(String, String)> =
                st.query_map(params![org.as_bytes(), person.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?))).db()?.collect::<rusqlite::Result<_>>().db()?;
            Ok(rows.iter().filter_map(|(k, e)| Some((NotificationKind::parse(k)?, EmailChoice::parse(e)?))).collect())
        })
        .await
    }

    async fn set_notification_pref(&self, org: OrgId, person: PersonId, kind: NotificationKind, choice: EmailChoice) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO notification_prefs (org_id, person_id, kind, email) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (org_id, person_id, kind) DO UPDATE SET email = excluded.email",
                    params![org.as_bytes(), person.as_bytes(), kind.as_str(), choice.as_str()],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn emails_due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Notification>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLS} FROM notifications WHERE email_status = 'pending' AND email_next_at <= ?1 ORDER BY email_next_at LIMIT ?2"
                ))
                .db()?;
            st.query_map(params![micros(now), limit], notification).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn digest_waiting(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM notifications WHERE email_status = 'digest' ORDER BY recipient, id LIMIT ?1")).db()?;
            st.query_map([limit], notification).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn set_email_status(&self, ids: &[Uuid], status: EmailStatus, next_at: Option<DateTime<Utc>>, error: Option<&str>) -> StoreResult<()> {
        let ids = ids.to_vec();
        let error = error.map(str::to_string);
        self.writer
            .exec(move |tx| {
                let mut st = tx
                    .prepare_cached(
                        "UPDATE notifications SET email_status = ?2, email_next_at = ?3, email_error = ?4,
                             email_attempts = email_attempts + CASE WHEN ?2 = 'digest' THEN 0 ELSE 1 END WHERE id = ?1",
                    )
                    .db()?;
                for id in &ids {
                    st.execute(params![id.as_bytes(), status.as_str(), next_at.map(micros), error]).db()?;
                }
                Ok(())
            })
            .await
    }

    async fn create_invite(&self, i: &Invite) -> StoreResult<()> {
        let i = i.clone();
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO invites (id, org_id, person_id, token_hash, created_by, created_at, expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        i.id.as_bytes(),
                        i.org_id.as_bytes(),
                        i.person.as_bytes(),
                        i.token_hash,
                        i.created_by.map(|p| *p.as_bytes()),
                        micros(i.created_at),
                        micros(i.expires_at),
                        i.used_at.map(micros)
                    ],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn redeem_invite(&self, token_hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<Result<Invite, InviteRefusal>> {
        let hash = *token_hash;
        self.writer
            .exec(move |tx| {
                let used = tx
                    .prepare_cached(&format!(
                        "UPDATE invites SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING {INVITE_COLS}"
                    ))
                    .and_then(|mut s| s.query_row(params![hash, micros(now)], invite).optional())
                    .db()?;
                if let Some(i) = used {
                    return Ok(Ok(i));
                }
                let found = tx
                    .prepare_cached(&format!("SELECT {INVITE_COLS} FROM invites WHERE token_hash = ?1"))
                    .and_then(|mut s| s.query_row([hash], invite).optional())
                    .db()?;
                Ok(Err(match found {
                    None => InviteRefusal::Unknown,
                    Some(i) if i.used_at.is_some() => InviteRefusal::Used,
                    Some(_) => InviteRefusal::Expired,
                }))
            })
            .await
    }

    async fn invites(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<Invite>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {INVITE_COLS} FROM invites WHERE org_id = ?1 AND person_id = ?2 ORDER BY created_at DESC")).db()?;
            st.query_map(params![org.as_bytes(), person.as_bytes()], invite).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }
}
