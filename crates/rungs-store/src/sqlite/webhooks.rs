//! `impl WebhookStore for SqliteStore` (`migrations/sqlite/0012_webhooks.sql`). Every
//! write goes through the single writer thread: a fan-out, a claim and the writes
//! under a lease cannot interleave, so deliveries appear in ledger order and a lease
//! is held by one dispatcher at a time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventKind};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::webhooks::{Attempt, Delivery, DeliveryQuery, DeliveryStatus, Lease, Outcome, Subscription, WebhookStore};
use rungs_core::{EventId, OrgId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use super::rows::{self, Db, EVENT_COLS, micros};

const SUB_COLS: &str = "id, org_id, url, description, kinds, active, secret, after_seq, created_at";
const DELIVERY_COLS: &str =
    "id, subscription_id, event_id, seq, kind, status, attempts, next_attempt_at, last_status, last_error, delivered_at, created_at, first_attempt_at";

fn bad(idx: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.to_string().into())
}

fn subscription(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    let kinds: Vec<String> = rows::json(row, 4)?;
    Ok(Subscription {
        id: Uuid::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        url: row.get(2)?,
        description: row.get(3)?,
        kinds: kinds.iter().map(|k| EventKind::parse(k).ok_or_else(|| bad(4, "unknown event kind"))).collect::<rusqlite::Result<_>>()?,
        active: row.get(5)?,
        secret: row.get(6)?,
        after_seq: row.get(7)?,
        created_at: rows::time(row, 8)?,
    })
}

fn delivery(row: &Row<'_>) -> rusqlite::Result<Delivery> {
    let kind: String = row.get(4)?;
    let status: String = row.get(5)?;
    Ok(Delivery {
        id: Uuid::from_bytes(row.get(0)?),
        subscription_id: Uuid::from_bytes(row.get(1)?),
        event_id: EventId::from_bytes(row.get(2)?),
        seq: row.get(3)?,
        kind: EventKind::parse(&kind).ok_or_else(|| bad(4, "unknown event kind"))?,
        status: DeliveryStatus::parse(&status).ok_or_else(|| bad(5, "unknown delivery status"))?,
        attempts: row.get(6)?,
        next_attempt_at: rows::time(row, 7)?,
        last_status: row.get(8)?,
        last_error: row.get(9)?,
        delivered_at: rows::opt_time(row, 10)?,
        created_at: rows::time(row, 11)?,
        first_attempt_at: rows::opt_time(row, 12)?,
    })
}

fn kinds_json(kinds: &[EventKind]) -> String {
    serde_json::to_string(&kinds.iter().map(rungs_core::event::EventKind::as_str).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

fn get_subscription(conn: &Connection, org: OrgId, id: Uuid) -> StoreResult<Subscription> {
    conn.prepare_cached(&format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE id = ?1 AND org_id = ?2"))
        .and_then(|mut s| s.query_row(params![id.as_bytes(), org.as_bytes()], subscription))
        .db()
}

/// Whether `lease` still holds (the fencing check every write under it makes).
fn holds(conn: &Connection, lease: &Lease) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM webhook_subscriptions WHERE id = ?1 AND locked_by = ?2 AND claims = ?3")
        .and_then(|mut s| s.exists(params![lease.subscription.id.as_bytes(), lease.locked_by, lease.claims]))
        .db()
}

#[async_trait::async_trait]
impl WebhookStore for SqliteStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<Subscription> {
        let mut s = s.clone();
        self.writer
            .exec(move |tx| {
                s.after_seq = tx.query_row("SELECT COALESCE(max(seq), 0) FROM events", [], |r| r.get(0)).db()?;
                tx.execute(
                    "INSERT INTO webhook_subscriptions (id, org_id, url, description, kinds, active, secret, after_seq, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        s.id.as_bytes(),
                        s.org_id.as_bytes(),
                        s.url,
                        s.description,
                        kinds_json(&s.kinds),
                        s.active,
                        s.secret,
                        s.after_seq,
                        micros(s.created_at)
                    ],
                )
                .db()?;
                Ok(s)
            })
            .await
    }

    async fn subscriptions(&self, org: OrgId) -> StoreResult<Vec<Subscription>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE org_id = ?1 ORDER BY created_at, id")).db()?;
            st.query_map([org.as_bytes()], subscription).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn subscription(&self, org: OrgId, id: Uuid) -> StoreResult<Subscription> {
        self.read(move |c| get_subscription(c, org, id)).await
    }

    async fn set_subscription_active(&self, org: OrgId, id: Uuid, active: bool, now: DateTime<Utc>) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                // Reactivated with deliveries held: they are due now.
                let n = tx
                    .execute(
                        "UPDATE webhook_subscriptions SET active = ?3,
                             due_at = CASE WHEN ?3 AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = id AND d.status = 'pending')
                                           THEN COALESCE(due_at, ?4) ELSE due_at END
                         WHERE id = ?1 AND org_id = ?2",
                        params![id.as_bytes(), org.as_bytes(), active, micros(now)],
                    )
                    .db()?;
                if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            })
            .await
    }

    async fn delete_subscription(&self, org: OrgId, id: Uuid) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                // Foreign keys are on: deliveries and attempts go with it.
                let n = tx.execute("DELETE FROM webhook_subscriptions WHERE id = ?1 AND org_id = ?2", params![id.as_bytes(), org.as_bytes()]).db()?;
                if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            })
            .await
    }

    async fn fan_out(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        self.writer
            .exec(move |tx| {
                let mut st = tx.prepare_cached("SELECT seq, org_id, event_id, kind FROM webhook_outbox ORDER BY seq LIMIT ?1").db()?;
                let rows: Vec<(i64, [u8; 16], [u8; 16], String)> =
                    st.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).db()?.collect::<rusqlite::Result<_>>().db()?;
                let Some(last) = rows.last().map(|r| r.0) else { return Ok(0) };
                let mut subs: HashMap<[u8; 16], Vec<Subscription>> = HashMap::new();
                let mut touched: Vec<Uuid> = Vec::new();
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO webhook_deliveries (id, org_id, subscription_id, event_id, seq, kind, next_attempt_at, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (subscription_id, event_id) DO NOTHING",
                    )
                    .db()?;
                for (seq, org, event, kind) in &rows {
                    if let std::collections::hash_map::Entry::Vacant(slot) = subs.entry(*org) {
                        let mut q = tx.prepare_cached(&format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE org_id = ?1 AND active")).db()?;
                        slot.insert(q.query_map([org], subscription).db()?.collect::<rusqlite::Result<Vec<_>>>().db()?);
                    }
                    let Some(kind) = EventKind::parse(kind) else { continue };
                    for s in subs[org].iter().filter(|s| s.wants(*seq, kind)) {
                        insert.execute(params![Uuid::now_v7().as_bytes(), org, s.id.as_bytes(), event, seq, kind.as_str(), micros(now)]).db()?;
                        if !touched.contains(&s.id) {
                            touched.push(s.id);
                        }
                    }
                }
                for id in touched {
                    tx.prepare_cached("UPDATE webhook_subscriptions SET due_at = COALESCE(due_at, ?2) WHERE id = ?1")
                        .and_then(|mut s| s.execute(params![id.as_bytes(), micros(now)]))
                        .db()?;
                }
                tx.prepare_cached("DELETE FROM webhook_outbox WHERE seq <= ?1").and_then(|mut s| s.execute([last])).db()?;
                Ok(rows.len() as u64)
            })
            .await
    }

    async fn outbox_len(&self) -> StoreResult<u64> {
        self.read(|c| c.query_row("SELECT count(*) FROM webhook_outbox", [], |r| r.get::<_, i64>(0)).db().map(|n| n as u64)).await
    }

    async fn claim_subscription(&self, worker: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Option<Lease>> {
        let worker = worker.to_string();
        let until = now + lease;
        self.writer
            .exec(move |tx| {
                let claimed: Option<(Subscription, i64)> = tx
                    .prepare_cached(&format!(
                        "UPDATE webhook_subscriptions SET locked_by = ?1, locked_until = ?2, claims = claims + 1
                         WHERE id = (SELECT id FROM webhook_subscriptions WHERE active AND due_at <= ?3
                                     AND (locked_until IS NULL OR locked_until <= ?3) ORDER BY due_at LIMIT 1)
                         RETURNING {SUB_COLS}, claims"
                    ))
                    .and_then(|mut s| s.query_row(params![worker, micros(until), micros(now)], |r| Ok((subscription(r)?, r.get(9)?))).optional())
                    .db()?;
                Ok(claimed.map(|(subscription, claims)| Lease { subscription, locked_by: worker, claims, locked_until: until }))
            })
            .await
    }

    async fn pending_deliveries(&self, lease: &Lease, limit: u32) -> StoreResult<Vec<(Delivery, Event)>> {
        let (sub, org) = (lease.subscription.id, lease.subscription.org_id);
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE subscription_id = ?1 AND status = 'pending' ORDER BY seq LIMIT ?2"
                ))
                .db()?;
            let ds: Vec<Delivery> = st.query_map(params![sub.as_bytes(), limit], delivery).db()?.collect::<rusqlite::Result<_>>().db()?;
            let mut out = Vec::with_capacity(ds.len());
            let mut ev = c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1 AND org_id = ?2")).db()?;
            for d in ds {
                let e = ev.query_row(params![d.event_id.as_bytes(), org.as_bytes()], rows::event).db()?;
                out.push((d, e));
            }
            Ok(out)
        })
        .await
    }

    async fn record_attempt(&self, lease: &Lease, attempt: &Attempt, outcome: Outcome) -> StoreResult<bool> {
        let (lease, a) = (lease.clone(), attempt.clone());
        self.writer
            .exec(move |tx| {
                if !holds(tx, &lease)? {
                    return Ok(false);
                }
                let id = a.delivery_id;
                tx.prepare_cached("INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)")
                    .and_then(|mut s| s.execute(params![id.as_bytes(), micros(a.at), a.status, a.error, a.duration_ms]))
                    .db()?;
                let (status, next, delivered) = match outcome {
                    Outcome::Delivered => ("delivered", a.at, Some(micros(a.at))),
                    Outcome::RetryAt(t) => ("pending", t, None),
                    Outcome::GiveUp => ("failed", a.at, None),
                };
                let n = tx
                    .prepare_cached(
                        "UPDATE webhook_deliveries SET status = ?2, attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, ?3),
                             next_attempt_at = ?4, last_status = ?5, last_error = ?6, delivered_at = ?7
                         WHERE id = ?1 AND subscription_id = ?8 AND status = 'pending'",
                    )
                    .and_then(|mut s| {
                        s.execute(params![id.as_bytes(), status, micros(a.at), micros(next), a.status, a.error, delivered, lease.subscription.id.as_bytes()])
                    })
                    .db()?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(true)
            })
            .await
    }

    async fn release_subscription(&self, lease: &Lease, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<bool> {
        let lease = lease.clone();
        self.writer
            .exec(move |tx| {
                let n = tx
                    .prepare_cached(
                        "UPDATE webhook_subscriptions SET locked_by = NULL, locked_until = NULL,
                             due_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = ?1 AND d.status = 'pending')
                                           THEN COALESCE(?4, ?5) ELSE NULL END
                         WHERE id = ?1 AND locked_by = ?2 AND claims = ?3",
                    )
                    .and_then(|mut s| s.execute(params![lease.subscription.id.as_bytes(), lease.locked_by, lease.claims, retry_at.map(micros), micros(now)]))
                    .db()?;
                Ok(n == 1)
            })
            .await
    }

    async fn deliveries(&self, org: OrgId, q: &DeliveryQuery) -> StoreResult<Vec<Delivery>> {
        let q = q.clone();
        self.read(move |c| {
            let sql = format!(
                "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE org_id = ?1 AND (?2 IS NULL OR subscription_id = ?2)
                 AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR seq < ?4) ORDER BY seq DESC, id LIMIT ?5"
            );
            let mut st = c.prepare_cached(&sql).db()?;
            let sub = q.subscription.map(|s| s.as_bytes().to_vec());
            st.query_map(params![org.as_bytes(), sub, q.status.map(DeliveryStatus::as_str), q.before_seq, q.limit.max(1)], delivery)
                .db()?
                .collect::<rusqlite::Result<_>>()
                .db()
        })
        .await
    }

    async fn delivery(&self, org: OrgId, id: Uuid) -> StoreResult<Delivery> {
        self.read(move |c| {
            c.prepare_cached(&format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE id = ?1 AND org_id = ?2"))
                .and_then(|mut s| s.query_row(params![id.as_bytes(), org.as_bytes()], delivery))
                .db()
        })
        .await
    }

    async fn attempts(&self, org: OrgId, id: Uuid) -> StoreResult<Vec<Attempt>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT a.delivery_id, a.at, a.status, a.error, a.duration_ms FROM webhook_attempts a
                     JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE a.delivery_id = ?1 AND d.org_id = ?2 ORDER BY a.at, a.rowid",
                )
                .db()?;
            st.query_map(params![id.as_bytes(), org.as_bytes()], |r| {
                Ok(Attempt { delivery_id: Uuid::from_bytes(r.get(0)?), at: rows::time(r, 1)?, status: r.get(2)?, error: r.get(3)?, duration_ms: r.get(4)? })
            })
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()
        })
        .await
    }

    async fn replay_delivery(&self, org: OrgId, id: Uuid, now: DateTime<Utc>) -> StoreResult<Delivery> {
        self.writer
            .exec(move |tx| {
                let d: Delivery = tx
                    .prepare_cached(&format!(
                        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?3, first_attempt_at = NULL, delivered_at = NULL
                         WHERE id = ?1 AND org_id = ?2 RETURNING {DELIVERY_COLS}"
                    ))
                    .and_then(|mut s| s.query_row(params![id.as_bytes(), org.as_bytes(), micros(now)], delivery))
                    .db()?;
                tx.prepare_cached("UPDATE webhook_subscriptions SET due_at = min(COALESCE(due_at, ?2), ?2) WHERE id = ?1")
                    .and_then(|mut s| s.execute(params![d.subscription_id.as_bytes(), micros(now)]))
                    .db()?;
                Ok(d)
            })
            .await
    }
}
