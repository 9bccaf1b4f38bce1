//! `impl WebhookStore for PgStore` (`migrations/postgres/0012_webhooks.sql`).
//!
//! Several instances share the tables. A fan-out runs under a transaction-scoped
//! advisory lock (one instance at a time; the others skip their turn), so
//! deliveries are created in ledger order. A subscription is claimed with
//! `FOR UPDATE SKIP LOCKED` and a lease (like jobs); every write under the lease
//! checks the fencing token. A release locks the subscription row before it looks
//! for pending deliveries, so a fan-out that committed meanwhile is never missed.

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventKind};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::webhooks::{Attempt, Delivery, DeliveryQuery, DeliveryStatus, Lease, Outcome, Subscription, WebhookStore};
use rungs_core::{EventId, OrgId};
use tokio_postgres::Row;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db, EVENT_COLS};

const SUB_COLS: &str = "id, org_id, url, description, kinds, active, secret, after_seq, created_at";
const DELIVERY_COLS: &str =
    "id, subscription_id, event_id, seq, kind, status, attempts, next_attempt_at, last_status, last_error, delivered_at, created_at, first_attempt_at";

/// Key of the advisory lock a fan-out holds ("rungs-wh" in ASCII).
const FAN_OUT_LOCK: i64 = 0x7275_6e67_732d_7768;

fn subscription(r: &Row) -> StoreResult<Subscription> {
    let kinds: Vec<String> = rows::get(r, 4)?;
    Ok(Subscription {
        id: rows::get(r, 0)?,
        org_id: OrgId(rows::get(r, 1)?),
        url: rows::get(r, 2)?,
        description: rows::get(r, 3)?,
        kinds: kinds.iter().map(|k| EventKind::parse(k).ok_or_else(|| StoreError::internal(format!("unknown event kind {k}")))).collect::<StoreResult<_>>()?,
        active: rows::get(r, 5)?,
        secret: rows::get(r, 6)?,
        after_seq: rows::get(r, 7)?,
        created_at: rows::get(r, 8)?,
    })
}

fn delivery(r: &Row) -> StoreResult<Delivery> {
    let kind: String = rows::get(r, 4)?;
    let status: String = rows::get(r, 5)?;
    Ok(Delivery {
        id: rows::get(r, 0)?,
        subscription_id: rows::get(r, 1)?,
        event_id: EventId(rows::get(r, 2)?),
        seq: rows::get(r, 3)?,
        kind: EventKind::parse(&kind).ok_or_else(|| StoreError::internal(format!("unknown event kind {kind}")))?,
        status: DeliveryStatus::parse(&status).ok_or_else(|| StoreError::internal(format!("unknown delivery status {status}")))?,
        attempts: rows::get(r, 6)?,
        next_attempt_at: rows::get(r, 7)?,
        last_status: rows::get(r, 8)?,
        last_error: rows::get(r, 9)?,
        delivered_at: rows::get(r, 10)?,
        created_at: rows::get(r, 11)?,
        first_attempt_at: rows::get(r, 12)?,
    })
}

fn kinds_text(kinds: &[EventKind]) -> Vec<&'static str> {
    kinds.iter().map(rungs_core::event::EventKind::as_str).collect()
}

/// Does `lease` still hold its subscription? Locks the row (`FOR UPDATE`) in `tx`, so
/// no claim takes it over before `tx` ends: the fence every write under a lease checks.
async fn holds_lease(tx: &tokio_postgres::Transaction<'_>, lease: &Lease) -> StoreResult<bool> {
    let held = tx
        .query_opt(
            "SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND locked_by = $2 AND claims = $3 FOR UPDATE",
            &[&lease.subscription.id, &lease.locked_by, &lease.claims],
        )
        .await
        .db()?;
    Ok(held.is_some())
}

#[async_trait::async_trait]
impl WebhookStore for PgStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<Subscription> {
        let c = self.conn().await?;
        let mut s = s.clone();
        let row = c
            .query_one(
                "INSERT INTO webhook_subscriptions (id, org_id, url, description, kinds, active, secret, after_seq, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE((SELECT last_seq FROM ledger_heads WHERE org_id = $2), 0), $8) RETURNING after_seq",
                &[&s.id, &s.org_id.0, &s.url, &s.description, &kinds_text(&s.kinds), &s.active, &s.secret, &s.created_at],
            )
            .await
            .db()?;
        s.after_seq = rows::get(&row, 0)?;
        Ok(s)
    }

    async fn subscriptions(&self, org: OrgId) -> StoreResult<Vec<Subscription>> {
        let c = self.conn().await?;
        let rs = c.query(&format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE org_id = $1 ORDER BY created_at, id"), &[&org.0]).await.db()?;
        rs.iter().map(subscription).collect()
    }

    async fn subscription(&self, org: OrgId, id: Uuid) -> StoreResult<Subscription> {
        let c = self.conn().await?;
        let r = c.query_opt(&format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE id = $1 AND org_id = $2"), &[&id, &org.0]).await.db()?;
        subscription(&r.ok_or(StoreError::NotFound)?)
    }

    async fn set_subscription_active(&self, org: OrgId, id: Uuid, active: bool, now: DateTime<Utc>) -> StoreResult<()> {
        let c = self.conn().await?;
        let n = c
            .execute(
                "UPDATE webhook_subscriptions SET active = $3,
                     due_at = CASE WHEN $3 AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = $1 AND d.status = 'pending')
                                   THEN COALESCE(due_at, $4) ELSE due_at END
                 WHERE id = $1 AND org_id = $2",
                &[&id, &org.0, &active, &now],
            )
            .await
            .db()?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn delete_subscription(&self, org: OrgId, id: Uuid) -> StoreResult<()> {
        let c = self.conn().await?;
        let n = c.execute("DELETE FROM webhook_subscriptions WHERE id = $1 AND org_id = $2", &[&id, &org.0]).await.db()?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn fan_out(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        let locked: bool = rows::get(&tx.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&FAN_OUT_LOCK]).await.db()?, 0)?;
        if !locked {
            // Another instance is fanning out; its deliveries come first.
            return Ok(0);
        }
        let taken = tx.query("SELECT org_id, seq, event_id, kind FROM webhook_outbox ORDER BY org_id, seq LIMIT $1", &[&i64::from(limit)]).await.db()?;
        if taken.is_empty() {
            return Ok(0);
        }
        let (mut orgs, mut seqs) = (Vec::with_capacity(taken.len()), Vec::with_capacity(taken.len()));
        let (mut d_ids, mut d_orgs, mut d_subs, mut d_events, mut d_seqs, mut d_kinds) = (vec![], vec![], vec![], vec![], vec![], vec![]);
        let mut subs: std::collections::HashMap<Uuid, Vec<Subscription>> = std::collections::HashMap::new();
        let mut touched: Vec<Uuid> = Vec::new();
        for r in &taken {
            let (org, seq, event, kind): (Uuid, i64, Uuid, String) = (rows::get(r, 0)?, rows::get(r, 1)?, rows::get(r, 2)?, rows::get(r, 3)?);
            orgs.push(org);
            seqs.push(seq);
            if let std::collections::hash_map::Entry::Vacant(slot) = subs.entry(org) {
                let rs = tx.query(&format!("SELECT {SUB_COLS} FROM webhook_subscriptions WHERE org_id = $1 AND active"), &[&org]).await.db()?;
                slot.insert(rs.iter().map(subscription).collect::<StoreResult<_>>()?);
            }
            let Some(kind) = EventKind::parse(&kind) else { continue };
            for s in subs[&org].iter().filter(|s| s.wants(seq, kind)) {
                d_ids.push(Uuid::now_v7());
                d_orgs.push(org);
                d_subs.push(s.id);
                d_events.push(event);
                d_seqs.push(seq);
                d_kinds.push(kind.as_str());
                if !touched.contains(&s.id) {
                    touched.push(s.id);
                }
            }
        }
        if !d_ids.is_empty() {
            tx.execute(
                "INSERT INTO webhook_deliveries (id, org_id, subscription_id, event_id, seq, kind, next_attempt_at, created_at)
                 SELECT d.*, $7, $7 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::text[]) AS d
                 ON CONFLICT (subscription_id, event_id) DO NOTHING",
                &[&d_ids, &d_orgs, &d_subs, &d_events, &d_seqs, &d_kinds, &now],
            )
            .await
            .db()?;
            tx.execute("UPDATE webhook_subscriptions SET due_at = COALESCE(due_at, $2) WHERE id = ANY($1)", &[&touched, &now]).await.db()?;
        }
        tx.execute(
            "DELETE FROM webhook_outbox o USING unnest($1::uuid[], $2::bigint[]) AS t(org_id, seq) WHERE o.org_id = t.org_id AND o.seq = t.seq",
            &[&orgs, &seqs],
        )
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(taken.len() as u64)
    }

    async fn outbox_len(&self) -> StoreResult<u64> {
        let c = self.conn().await?;
        let n: i64 = rows::get(&c.query_one("SELECT count(*) FROM webhook_outbox", &[]).await.db()?, 0)?;
        Ok(n as u64)
    }

    async fn claim_subscription(&self, worker: &str, now: DateTime<Utc>, lease: chrono::Duration) -> StoreResult<Option<Lease>> {
        let c = self.conn().await?;
        let until = now + lease;
        let row = c
            .query_opt(
                &format!(
                    "UPDATE webhook_subscriptions SET locked_by = $1, locked_until = $2, claims = claims + 1
                     WHERE id = (SELECT id FROM webhook_subscriptions WHERE active AND due_at <= $3
                                 AND (locked_until IS NULL OR locked_until <= $3) ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                     RETURNING {SUB_COLS}, claims"
                ),
                &[&worker, &until, &now],
            )
            .await
            .db()?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Lease { subscription: subscription(&r)?, locked_by: worker.to_string(), claims: rows::get(&r, 9)?, locked_until: until }))
    }

    async fn pending_deliveries(&self, lease: &Lease, limit: u32) -> StoreResult<Vec<(Delivery, Event)>> {
        let c = self.conn().await?;
        let ds = c
            .query(
                &format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending' ORDER BY seq LIMIT $2"),
                &[&lease.subscription.id, &i64::from(limit)],
            )
            .await
            .db()?
            .iter()
            .map(delivery)
            .collect::<StoreResult<Vec<_>>>()?;
        if ds.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<Uuid> = ds.iter().map(|d| d.event_id.0).collect();
        let events = rows::events(
            &c.query(&format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND id = ANY($2)"), &[&lease.subscription.org_id.0, &ids]).await.db()?,
        )?;
        let mut by_id: std::collections::HashMap<EventId, Event> = events.into_iter().map(|e| (e.id, e)).collect();
        ds.into_iter().map(|d| by_id.remove(&d.event_id).map(|e| (d, e)).ok_or_else(|| StoreError::internal("a delivery's event is missing"))).collect()
    }

    async fn record_attempt(&self, lease: &Lease, a: &Attempt, outcome: Outcome) -> StoreResult<bool> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        // The fence: the lease row, locked so a claim cannot take it over mid-write.
        if !holds_lease(&tx, lease).await? {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
            &[&a.delivery_id, &a.at, &a.status, &a.error, &a.duration_ms],
        )
        .await
        .db()?;
        let (status, next, delivered) = match outcome {
            Outcome::Delivered => ("delivered", a.at, Some(a.at)),
            Outcome::RetryAt(t) => ("pending", t, None),
            Outcome::GiveUp => ("failed", a.at, None),
        };
        let n = tx
            .execute(
                "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $3),
                     next_attempt_at = $4, last_status = $5, last_error = $6, delivered_at = $7
                 WHERE id = $1 AND subscription_id = $8 AND status = 'pending'",
                &[&a.delivery_id, &status, &a.at, &next, &a.status, &a.error, &delivered, &lease.subscription.id],
            )
            .await
            .db()?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.db()?;
        Ok(true)
    }

    async fn release_subscription(&self, lease: &Lease, retry_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        // Lock first, then look: a fan-out that touched this row has committed by now,
        // and the next statement's snapshot sees its deliveries.
        if !holds_lease(&tx, lease).await? {
            return Ok(false);
        }
        tx.execute(
            "UPDATE webhook_subscriptions SET locked_by = NULL, locked_until = NULL,
                 due_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = $1 AND d.status = 'pending')
                               THEN COALESCE($2::timestamptz, $3::timestamptz) ELSE NULL END
             WHERE id = $1",
            &[&lease.subscription.id, &retry_at, &now],
        )
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(true)
    }

    async fn deliveries(&self, org: OrgId, q: &DeliveryQuery) -> StoreResult<Vec<Delivery>> {
        let c = self.conn().await?;
        let rs = c
            .query(
                &format!(
                    "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE org_id = $1 AND ($2::uuid IS NULL OR subscription_id = $2)
                     AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR seq < $4) ORDER BY seq DESC, id LIMIT $5"
                ),
                &[&org.0, &q.subscription, &q.status.map(DeliveryStatus::as_str), &q.before_seq, &i64::from(q.limit.max(1))],
            )
            .await
            .db()?;
        rs.iter().map(delivery).collect()
    }

    async fn delivery(&self, org: OrgId, id: Uuid) -> StoreResult<Delivery> {
        let c = self.conn().await?;
        let r = c.query_opt(&format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE id = $1 AND org_id = $2"), &[&id, &org.0]).await.db()?;
        delivery(&r.ok_or(StoreError::NotFound)?)
    }

    async fn attempts(&self, org: OrgId, id: Uuid) -> StoreResult<Vec<Attempt>> {
        let c = self.conn().await?;
        let rs = c
            .query(
                "SELECT a.delivery_id, a.at, a.status, a.error, a.duration_ms FROM webhook_attempts a
                 JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE a.delivery_id = $1 AND d.org_id = $2 ORDER BY a.at, a.ctid",
                &[&id, &org.0],
            )
            .await
            .db()?;
        rs.iter()
            .map(|r| {
                Ok(Attempt {
                    delivery_id: rows::get(r, 0)?,
                    at: rows::get(r, 1)?,
                    status: rows::get(r, 2)?,
                    error: rows::get(r, 3)?,
                    duration_ms: rows::get(r, 4)?,
                })
            })
            .collect()
    }

    async fn replay_delivery(&self, org: OrgId, id: Uuid, now: DateTime<Utc>) -> StoreResult<Delivery> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        let r = tx
            .query_opt(
                &format!(
                    "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, first_attempt_at = NULL, delivered_at = NULL
                     WHERE id = $1 AND org_id = $2 RETURNING {DELIVERY_COLS}"
                ),
                &[&id, &org.0, &now],
            )
            .await
            .db()?;
        let d = delivery(&r.ok_or(StoreError::NotFound)?)?;
        tx.execute("UPDATE webhook_subscriptions SET due_at = LEAST(COALESCE(due_at, $2), $2) WHERE id = $1", &[&d.subscription_id, &now]).await.db()?;
        tx.commit().await.db()?;
        Ok(d)
    }
}
