//! `impl NotificationStore for PgStore` (`migrations/postgres/0016_notifications.sql`).
//! A derivation run locks its organization's cursor row (`FOR UPDATE`), so two
//! instances never record the same stretch; the UNIQUE key makes a repeat harmless
//! anyway.

use chrono::{DateTime, Utc};
use rungs_core::notifications::{EmailChoice, EmailStatus, Invite, InviteRefusal, Notification, NotificationKind, NotificationStore};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{OrgId, PersonId};
use tokio_postgres::Row;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db};

const COLS: &str = "id, org_id, recipient, kind, source, text, link, created_at, read_at, email_status, email_attempts";
const INVITE_COLS: &str = "id, org_id, person_id, token_hash, created_by, created_at, expires_at, used_at";

fn notification(r: &Row) -> StoreResult<Notification> {
    let kind: String = rows::get(r, 3)?;
    let email: String = rows::get(r, 9)?;
    Ok(Notification {
        id: rows::get(r, 0)?,
        org_id: OrgId(rows::get(r, 1)?),
        recipient: PersonId(rows::get(r, 2)?),
        kind: NotificationKind::parse(&kind).ok_or_else(|| StoreError::internal(format!("unknown notification kind {kind}")))?,
        source: rows::get(r, 4)?,
        text: rows::get(r, 5)?,
        link: rows::get(r, 6)?,
        created_at: rows::get(r, 7)?,
        read_at: rows::get(r, 8)?,
        email: EmailStatus::parse(&email).ok_or_else(|| StoreError::internal(format!("unknown email status {email}")))?,
        email_attempts: rows::get(r, 10)?,
    })
}

fn invite(r: &Row) -> StoreResult<Invite> {
    Ok(Invite {
        id: rows::get(r, 0)?,
        org_id: OrgId(rows::get(r, 1)?),
        person: PersonId(rows::get(r, 2)?),
        token_hash: rows::hash32(r, 3)?,
        created_by: rows::get::<Option<Uuid>>(r, 4)?.map(PersonId),
        created_at: rows::get(r, 5)?,
        expires_at: rows::get(r, 6)?,
        used_at: rows::get(r, 7)?,
    })
}

#[async_trait::async_trait]
impl NotificationStore for PgStore {
    async fn notify_cursor(&self, org: OrgId) -> StoreResult<i64> {
        let c = self.conn().await?;
        let r = c.query_opt("SELECT after_seq FROM notification_cursors WHERE org_id = $1", &[&org.0]).await.db()?;
        r.map_or(Ok(0), |r| rows::get(&r, 0))
    }

    async fn record_notifications(&self, org: OrgId, from: i64, to: i64, items: &[Notification]) -> StoreResult<Option<u64>> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        if from != to {
            tx.execute("INSERT INTO notification_cursors (org_id, after_seq) VALUES ($1, 0) ON CONFLICT (org_id) DO NOTHING", &[&org.0]).await.db()?;
            let at: i64 = rows::get(&tx.query_one("SELECT after_seq FROM notification_cursors WHERE org_id = $1 FOR UPDATE", &[&org.0]).await.db()?, 0)?;
            if at != from {
                return Ok(None);
            }
            tx.execute("UPDATE notification_cursors SET after_seq = $2 WHERE org_id = $1", &[&org.0, &to]).await.db()?;
        }
        let mut n = 0;
        for x in items {
            n += tx
                .execute(
                    "INSERT INTO notifications (id, org_id, recipient, kind, source, text, link, created_at, email_status, email_next_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::text, CASE WHEN $9::text = 'pending' THEN $8::timestamptz END)
                     ON CONFLICT (source, recipient, kind) DO NOTHING",
                    &[&x.id, &org.0, &x.recipient.0, &x.kind.as_str(), &x.source, &x.text, &x.link, &x.created_at, &x.email.as_str()],
                )
                .await
                .db()?;
        }
        tx.commit().await.db()?;
        Ok(Some(n))
    }

    async fn notifications(&self, org: OrgId, person: PersonId, unread_only: bool, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<Notification>> {
        let c = self.conn().await?;
        let before = before.unwrap_or(Uuid::max());
        let sql = format!(
            "SELECT {COLS} FROM notifications WHERE org_id = $1 AND recipient = $2 AND id < $3 {} ORDER BY id DESC LIMIT $4",
            if unread_only { "AND read_at IS NULL" } else { "" }
        );
        let rs = c.query(&sql, &[&org.0, &person.0, &before, &i64::from(limit)]).await.db()?;
        rs.iter().map(notification).collect()
    }

    async fn unread_notifications(&self, org: OrgId, person: PersonId) -> StoreResult<u64> {
        let c = self.conn().await?;
        let r = c.query_one("SELECT count(*) FROM notifications WHERE org_id = $1 AND recipient = $2 AND read_at IS NULL", &[&org.0, &person.0]).await.db()?;
        Ok(rows::get::<i64>(&r, 0)? as u64)
    }

    async fn mark_notification_read(&self, org: OrgId, person: PersonId, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        let c = self.conn().await?;
        let n = c
            .execute(
                "UPDATE notifications SET read_at = COALESCE(read_at, $4) WHERE id = $1 AND org_id = $2 AND recipient = $3",
                &[&id, &org.0, &person.0, &at],
            )
            .await
            .db()?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn mark_all_notifications_read(&self, org: OrgId, person: PersonId, at: DateTime<Utc>) -> StoreResult<u64> {
        let c = self.conn().await?;
        c.execute("UPDATE notifications SET read_at = $3 WHERE org_id = $1 AND recipient = $2 AND read_at IS NULL", &[&org.0, &person.0, &at]).await.db()
    }

    async fn notification_prefs(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<(NotificationKind, EmailChoice)>> {
        let c = self.conn().await?;
        let rs = c.query("SELECT kind, email FROM notification_prefs WHERE org_id = $1 AND person_id = $2", &[&org.0, &person.0]).await.db()?;
        let mut out = Vec::with_capacity(rs.len());
        for r in &rs {
            let (k, e): (String, String) = (rows::get(r, 0)?, rows::get(r, 1)?);
            if let (Some(k), Some(e)) = (NotificationKind::parse(&k), EmailChoice::parse(&e)) {
                out.push((k, e));
            }
        }
        Ok(out)
    }

    async fn set_notification_pref(&self, org: OrgId, person: PersonId, kind: NotificationKind, choice: EmailChoice) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO notification_prefs (org_id, person_id, kind, email) VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id, person_id, kind) DO UPDATE SET email = excluded.email",
            &[&org.0, &person.0, &kind.as_str(), &choice.as_str()],
        )
        .await
        .db()
        .map(drop)
    }

    async fn emails_due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Notification>> {
        let c = self.conn().await?;
        let rs = c
            .query(
                &format!("SELECT {COLS} FROM notifications WHERE email_status = 'pending' AND email_next_at <= $1 ORDER BY email_next_at LIMIT $2"),
                &[&now, &i64::from(limit)],
            )
            .await
            .db()?;
        rs.iter().map(notification).collect()
    }

    async fn digest_waiting(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        let c = self.conn().await?;
        let rs = c
            .query(&format!("SELECT {COLS} FROM notifications WHERE email_status = 'digest' ORDER BY recipient, id LIMIT $1"), &[&i64::from(limit)])
            .await
            .db()?;
        rs.iter().map(notification).collect()
    }

    async fn set_email_status(&self, ids: &[Uuid], status: EmailStatus, next_at: Option<DateTime<Utc>>, error: Option<&str>) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "UPDATE notifications SET email_status = $2::text, email_next_at = $3, email_error = $4,
                 email_attempts = email_attempts + CASE WHEN $2::text = 'digest' THEN 0 ELSE 1 END WHERE id = ANY($1)",
            &[&ids, &status.as_str(), &next_at, &error],
        )
        .await
        .db()
        .map(drop)
    }

    async fn create_invite(&self, i: &Invite) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO invites (id, org_id, person_id, token_hash, created_by, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&i.id, &i.org_id.0, &i.person.0, &i.token_hash.as_slice(), &i.created_by.map(|p| p.0), &i.created_at, &i.expires_at, &i.used_at],
        )
        .await
        .db()
        .map(drop)
    }

    async fn redeem_invite(&self, token_hash: &[u8; 32], now: DateTime<Utc>) -> StoreResult<Result<Invite, InviteRefusal>> {
        let c = self.conn().await?;
        let hash = token_hash.as_slice();
        let used = c
            .query_opt(
                &format!("UPDATE invites SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING {INVITE_COLS}"),
                &[&hash, &now],
            )
            .await
            .db()?;
        if let Some(r) = used {
            return Ok(Ok(invite(&r)?));
        }
        let found = c.query_opt(&format!("SELECT {INVITE_COLS} FROM invites WHERE token_hash = $1"), &[&hash]).await.db()?;
        Ok(Err(match found.map(|r| invite(&r)).transpose()? {
            None => InviteRefusal::Unknown,
            Some(i) if i.used_at.is_some() => InviteRefusal::Used,
            Some(_) => InviteRefusal::Expired,
        }))
    }

    async fn invites(&self, org: OrgId, person: PersonId) -> StoreResult<Vec<Invite>> {
        let c = self.conn().await?;
        let rs = c
            .query(&format!("SELECT {INVITE_COLS} FROM invites WHERE org_id = $1 AND person_id = $2 ORDER BY created_at DESC"), &[&org.0, &person.0])
            .await
            .db()?;
        rs.iter().map(invite).collect()
    }
}
