//! Group commit for PostgreSQL appends, within one instance: the counterpart of the
//! SQLite writer thread (`sqlite/writer.rs`). Small appends go to one appender task
//! per store over a channel. The task drains every append waiting, splits them by
//! organization, and runs each organization's group in ONE transaction on one pooled
//! connection ([`super::append::append_group`]: the ledger head locked once, a failing
//! batch refused alone), commits once — one lock hold, one WAL flush for the group —
//! and only then replies. Nobody hears "ok" before the commit returned.
//!
//! Across instances nothing changes: each group transaction takes its organization's
//! `ledger_heads` row lock like any single append, so seqs still increase in commit
//! order. Large batches (imports) keep a transaction of their own and skip the queue.

use std::collections::HashMap;
use std::sync::Mutex;

use deadpool_postgres::{Object, Pool};
use rungs_core::OrgId;
use rungs_core::store::{AppendBatch, Appended, StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

use super::append::{append_batch, append_group};
use super::rows::Db;

/// Batches of at most this many events are grouped; larger ones commit alone.
pub(crate) const MAX_GROUPED_EVENTS: usize = 64;
/// Most batches folded into one commit: bounds the latency of the last in a group.
const MAX_GROUP_BATCHES: usize = 512;
/// Appends that may wait for the appender before senders are slowed down.
const QUEUE_CAPACITY: usize = 4096;

type Reply = oneshot::Sender<StoreResult<Appended>>;

/// The store's handle on its appender task. The task is started on first use, on the
/// caller's runtime, and started again if that runtime has gone (tests and tools may
/// open a store in one runtime and use it in another).
pub(crate) struct Appender {
    pool: Pool,
    tx: Mutex<Option<mpsc::Sender<(AppendBatch, Reply)>>>,
}

fn appender_gone() -> StoreError {
    StoreError::internal("the PostgreSQL appender stopped before answering")
}

impl Appender {
    pub(crate) fn new(pool: Pool) -> Appender {
        Appender { pool, tx: Mutex::new(None) }
    }

    fn sender(&self) -> mpsc::Sender<(AppendBatch, Reply)> {
        let mut g = self.tx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(s) = g.as_ref().filter(|s| !s.is_closed()) {
            return s.clone();
        }
        let (s, r) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(self.pool.clone(), r));
        *g = Some(s.clone());
        s
    }

    pub(crate) async fn append(&self, batch: AppendBatch) -> StoreResult<Appended> {
        let (tx, rx) = oneshot::channel();
        self.sender().send((batch, tx)).await.map_err(|_| appender_gone())?;
        rx.await.map_err(|_| appender_gone())?
    }
}

async fn run(pool: Pool, mut rx: mpsc::Receiver<(AppendBatch, Reply)>) {
    let mut held: Option<Object> = None;
    while let Some(first) = rx.recv().await {
        let mut groups: Vec<(OrgId, Vec<(AppendBatch, Reply)>)> = Vec::new();
        let mut index: HashMap<OrgId, usize> = HashMap::new();
        let mut next = Some(first);
        let mut taken = 0;
        while let Some((batch, reply)) = next.take() {
            taken += 1;
            let org = batch.org_id;
            let i = *index.entry(org).or_insert_with(|| {
                groups.push((org, Vec::new()));
                groups.len() - 1
            });
            groups[i].1.push((batch, reply));
            if taken < MAX_GROUP_BATCHES {
                next = rx.try_recv().ok();
            }
        }
        // Organizations never wait on each other: one task (and connection) each. A
        // panic in one loses only its replies (their callers see an error). While
        // appends keep coming, the appender keeps one connection instead of queueing
        // for it behind the readers; it gives it back when the queue runs dry.
        let tasks: Vec<_> = groups
            .into_iter()
            .map(|(org, group)| tokio::spawn(commit(held.take().map_or_else(|| Conn::Pool(pool.clone()), |c| Conn::Held(Box::new(c))), org, group)))
            .collect();
        for t in tasks {
            if let Ok(Some(c)) = t.await
                && held.is_none()
                && !rx.is_empty()
            {
                held = Some(c);
            }
        }
    }
    tracing::debug!("PostgreSQL appender stopped");
}

enum Conn {
    Held(Box<Object>),
    Pool(Pool),
}

/// Commit one organization's group; hands the connection back.
#[tracing::instrument(skip_all, fields(%org, batches = group.len()))]
async fn commit(conn: Conn, org: OrgId, group: Vec<(AppendBatch, Reply)>) -> Option<Object> {
    let got = match conn {
        Conn::Held(c) => Ok(*c),
        Conn::Pool(pool) => pool.get().await,
    };
    let mut conn = match got {
        Ok(c) => c,
        Err(e) => {
            let e = super::rows::pool_error(e);
            for (_, reply) in group {
                let _ = reply.send(Err(e.clone()));
            }
            return None;
        }
    };
    if group.len() == 1 {
        // Alone: nothing to isolate it from, so the plain single-batch transaction.
        for (batch, reply) in group {
            let _ = reply.send(append_batch(&mut conn, batch).await);
        }
        return Some(conn);
    }
    let (batches, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    let outcome = async {
        let tx = conn.transaction().await.db()?;
        let results = append_group(&tx, org, batches).await?;
        tx.commit().await.db()?;
        Ok::<_, StoreError>(results)
    }
    .await;
    match outcome {
        Ok(results) => {
            for (reply, r) in replies.into_iter().zip(results) {
                let _ = reply.send(r);
            }
            Some(conn)
        }
        Err(e) => {
            // Nothing of this group was committed (or the commit's fate is unknown).
            tracing::error!(error = %e, "group commit failed; every batch in it is refused");
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
            // The connection may be broken: back to the pool, which checks it.
            None
        }
    }
}

#[cfg(test)]
mod tests {
    //! The group path must answer every batch exactly as separate transactions would.
    //! Runs when `RUNGS_TEST_PG_URL` is set: the same batches go once through
    //! [`append_group`] (one transaction per group) and once one transaction per batch,
    //! into two fresh databases; results and final ledgers and people must be equal.

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use rungs_core::event::*;
    use rungs_core::person::{Organization, Position};
    use rungs_core::store::{IdempotencyClaim, Store};
    use rungs_core::{EventId, PersonId};
    use tokio_postgres::NoTls;

    use super::*;
    use crate::postgres::PgStore;

    async fn admin_exec(admin: &str, sql: &str) {
        let (client, conn) = tokio_postgres::connect(admin, NoTls).await.expect("connect");
        let task = tokio::spawn(conn);
        client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        drop(client);
        let _ = task.await;
    }

    fn with_database(url: &str, db: &str) -> String {
        let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
        match query {
            Some(q) => format!("{}/{db}?{q}", &base[..host_end]),
            None => format!("{}/{db}", &base[..host_end]),
        }
    }

    async fn fresh(admin: &str, org: &Organization) -> (PgStore, String) {
        let name = format!("rungs_group_{}", uuid::Uuid::now_v7().simple());
        admin_exec(admin, &format!("CREATE DATABASE {name}")).await;
        let store = PgStore::open(&with_database(admin, &name)).await.expect("open");
        store.create_org(org).await.expect("org");
        (store, name)
    }

    fn t(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::days(day)
    }

    struct Gen {
        org: OrgId,
    }

    impl Gen {
        fn ev(&self, subject: PersonId, day: i64, body: EventBody) -> NewEvent {
            NewEvent {
                id: EventId::new(),
                org_id: self.org,
                subject,
                actor: None,
                occurred_at: t(day),
                recorded_at: t(100),
                body,
                competencies: vec![],
                evidence: vec![],
                idempotency_key: None,
            }
        }
        fn hire(&self, who: PersonId, email: &str, day: i64) -> NewEvent {
            self.ev(
                who,
                day,
                EventBody::Hired(Hired {
                    name: format!("N {email}"),
                    email: email.into(),
                    manager_id: None,
                    department: None,
                    location: None,
                    position: Position { track: "engineering".into(), level: "e2".into(), title: "Engineer".into() },
                    pay_band: None,
                    sensitive: Default::default(),
                }),
            )
        }
        fn win(&self, who: PersonId, day: i64) -> NewEvent {
            self.ev(
                who,
                day,
                EventBody::MicroProgression(MicroProgression {
                    category: Category::Skill,
                    magnitude: Magnitude::Nano,
                    title: format!("win {day}"),
                    description: None,
                }),
            )
        }
        fn keyed(&self, who: PersonId, day: i64, key: &str) -> NewEvent {
            NewEvent { idempotency_key: Some(key.into()), ..self.win(who, day) }
        }
        fn reversal(&self, who: PersonId, target: EventId, day: i64) -> NewEvent {
            self.ev(who, day, EventBody::Reversal(Reversal { target, reason: "mistake".into() }))
        }
        fn email(&self, who: PersonId, email: &str, day: i64) -> NewEvent {
            self.ev(who, day, EventBody::ProfileUpdated(ProfileUpdated { email: Some(email.into()), ..Default::default() }))
        }
        fn batch(&self, events: Vec<NewEvent>) -> AppendBatch {
            AppendBatch { org_id: self.org, events, claim: None }
        }
        fn claimed(&self, events: Vec<NewEvent>, key: &str, fp: &str) -> AppendBatch {
            AppendBatch { org_id: self.org, events, claim: Some(IdempotencyClaim { scope: "s".into(), key: key.into(), fingerprint: fp.into() }) }
        }
    }

    #[tokio::test]
    async fn a_group_answers_like_one_transaction_per_batch() {
        let Ok(admin) = std::env::var("RUNGS_TEST_PG_URL") else {
            eprintln!("RUNGS_TEST_PG_URL not set: skipping the PostgreSQL group-commit test");
            return;
        };
        let org = Organization { id: OrgId::new(), name: "G".into(), created_at: t(0) };
        let g = Gen { org: org.id };
        let [a, b, c, d, e, ghost, x, y, z, w] = [(); 10].map(|_| PersonId::new());
        let other = OrgId::new();
        let win_a = NewEvent { competencies: vec!["a\"b\\c".into(), "{x,y}".into(), "NULL".into()], evidence: vec![], ..g.keyed(a, 5, "k1") };
        let win_a_id = win_a.id;
        let dup = g.hire(b, "b@x.test", 1);
        let dup_id = dup.id;
        let groups: Vec<Vec<AppendBatch>> = vec![
            // Failed batches must leave no trace for the later ones of the group.
            vec![
                g.batch(vec![g.hire(x, "x@x.test", 1)]),
                g.batch(vec![g.hire(y, "x@x.test", 1)]),
                g.batch(vec![g.hire(y, "y@x.test", 1)]),
                g.batch(vec![g.win(y, 2)]),
                g.batch(vec![g.hire(z, "z@x.test", 1), g.win(ghost, 2)]),
                g.batch(vec![g.hire(w, "z@x.test", 1)]),
                g.batch(vec![g.win(z, 2)]),
                g.batch(vec![g.email(x, "q@x.test", 3), g.win(ghost, 3)]),
                g.batch(vec![g.hire(z, "x@x.test", 4)]),
                g.batch(vec![g.hire(z, "q@x.test", 4)]),
                g.batch(vec![g.email(w, "x@x.test", 5)]),
            ],
            vec![
                g.batch(vec![g.hire(a, "a@x.test", 1)]),
                g.batch(vec![dup]),
                g.batch(vec![g.hire(c, "a@x.test", 1)]),
                g.batch(vec![win_a]),
                g.batch(vec![g.reversal(a, win_a_id, 6)]),
                g.batch(vec![g.reversal(a, win_a_id, 7)]),
                g.batch(vec![g.win(b, 3), g.win(ghost, 3)]),
                g.claimed(vec![g.win(b, 4)], "c1", "f1"),
                g.batch(vec![g.email(b, "a@x.test", 8)]),
                g.batch(vec![g.email(a, "z@x.test", 8)]),
                g.batch(vec![g.hire(d, "a@x.test", 9)]),
                g.batch(vec![g.win(d, 2)]),
                g.batch(vec![g.win(d, 10), g.keyed(d, 11, "k9"), g.keyed(d, 12, "k9")]),
            ],
            vec![
                g.batch(vec![g.keyed(b, 20, "k1")]),
                g.batch(vec![g.win(a, 2)]),
                g.batch(vec![g.win(b, 21)]),
                g.claimed(vec![g.win(b, 22)], "c1", "f1"),
                g.claimed(vec![g.win(b, 22)], "c1", "f2"),
                g.batch(vec![g.win(a, 23)]),
            ],
            vec![
                g.batch(vec![g.keyed(a, 30, "k2")]),
                g.batch(vec![g.keyed(a, 31, "k2")]),
                g.claimed(vec![g.win(b, 32)], "c2", "f"),
                g.claimed(vec![g.win(b, 33)], "c2", "f"),
                g.batch(vec![g.win(b, 34)]),
            ],
            vec![
                g.batch(vec![g.hire(e, "e@x.test", 40)]),
                g.batch(vec![g.win(b, 41)]),
                g.batch(vec![NewEvent { id: dup_id, ..g.win(b, 42) }]),
                g.batch(vec![g.win(e, 43)]),
            ],
            vec![
                AppendBatch { org_id: other, events: vec![NewEvent { org_id: other, ..g.win(a, 50) }], claim: None },
                AppendBatch { org_id: other, events: vec![NewEvent { org_id: other, ..g.win(a, 51) }], claim: None },
            ],
        ];
        let (grouped, gname) = fresh(&admin, &org).await;
        let (single, sname) = fresh(&admin, &org).await;
        for group in groups {
            let gorg = group[0].org_id;
            let expected: Vec<String> = {
                let mut out = Vec::new();
                for batch in group.clone() {
                    let mut conn = single.pool.get().await.unwrap();
                    out.push(format!("{:?}", append_batch(&mut conn, batch).await));
                }
                out
            };
            let mut conn = grouped.pool.get().await.unwrap();
            let tx = conn.transaction().await.unwrap();
            let got = append_group(&tx, gorg, group).await.expect("group");
            tx.commit().await.unwrap();
            let got: Vec<String> = got.iter().map(|r| format!("{r:?}")).collect();
            assert_eq!(got, expected);
        }
        assert_eq!(grouped.export_events(org.id, 0, 1000).await.unwrap(), single.export_events(org.id, 0, 1000).await.unwrap());
        assert_eq!(grouped.all_people(org.id).await.unwrap(), single.all_people(org.id).await.unwrap());
        assert_eq!(grouped.stats().await.unwrap().events, single.stats().await.unwrap().events);
        grouped.close();
        single.close();
        for name in [gname, sname] {
            admin_exec(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}
