//! Bulk load into an empty ledger (`rungs import events` into a new database, the
//! demo generator): the same [`plan`](super::plan) as every append, fed from memory.
//!
//! An append loads its snapshot from the database because other writers may have
//! changed it. A bulk load owns an empty ledger for its whole (single) transaction,
//! so what the planner needs of the past — each subject's `people` row, the emails in
//! use, which seqs hold an idempotency key, each subject's seqs for a refold — is
//! exactly what the load itself planned before. [`BulkState`] keeps that in memory,
//! taking in each plan it wrote; the backend fetches only what memory does not hold
//! (targets of validations and reversals, and the few events a key replay or a refold
//! names, by seq) and writes the `people` rows once, at the end.

use std::collections::HashMap;

use crate::event::{Event, NewEvent};
use crate::person::Person;
use crate::store::{AppendBatch, StoreResult};
use crate::{OrgId, PersonId};

use super::{MissingHistories, Plan, Snapshot, SnapshotRequest};

/// Where a bulk load reads its events from, one chunk (one planned batch) at a
/// time, in ledger order.
#[async_trait::async_trait]
pub trait EventSource: Send {
    /// The next chunk; `Ok(None)` at the end. An `Err` abandons the load: nothing of
    /// it is committed.
    async fn next(&mut self) -> StoreResult<Option<Vec<NewEvent>>>;
}

/// A source over chunks already in memory.
pub struct Chunks<I>(pub I);

#[async_trait::async_trait]
impl<I: Iterator<Item = Vec<NewEvent>> + Send> EventSource for Chunks<I> {
    async fn next(&mut self) -> StoreResult<Option<Vec<NewEvent>>> {
        Ok(self.0.next())
    }
}

/// What a bulk load committed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkLoaded {
    /// Events appended.
    pub events: u64,
    /// `people` rows written (once each, at the end).
    pub people: u64,
    /// Whether the load took the bulk path (an empty ledger and a backend with one);
    /// `false`: the events went through ordinary appends, one transaction per chunk.
    pub bulk: bool,
}

/// The planner's view of the ledger a bulk load has written so far.
#[derive(Debug, Default)]
pub struct BulkState {
    org: OrgId,
    head: i64,
    people: HashMap<PersonId, Person>,
    emails: HashMap<String, PersonId>,
    /// Each subject's seqs, ascending.
    seqs: HashMap<PersonId, Vec<i64>>,
    /// Idempotency keys of events written, and their seq.
    keys: HashMap<String, i64>,
    events: u64,
}

/// What the backend must fetch by seq for one snapshot.
#[derive(Debug, Default)]
pub struct Fetch {
    /// Stored events holding a requested key: (key, seq).
    pub keyed: Vec<(String, i64)>,
}

impl BulkState {
    /// A load into `org`'s ledger, whose last seq is `head` (the ledger is empty; the
    /// seq counter may still be shared with other organizations).
    pub fn new(org: OrgId, head: i64) -> BulkState {
        BulkState { org, head, ..BulkState::default() }
    }

    /// The part of `r`'s snapshot memory holds: head, people, emails. The keys to
    /// fetch are returned; targets and spending the backend loads itself.
    pub fn snapshot(&self, r: &SnapshotRequest) -> (Snapshot, Fetch) {
        let mut s = Snapshot { head: Some(self.head), ..Snapshot::default() };
        for id in &r.subjects {
            if let Some(p) = self.people.get(id) {
                s.people.insert(*id, p.clone());
            }
        }
        for email in &r.emails {
            if let Some(id) = self.emails.get(email) {
                s.emails.insert(email.clone(), *id);
            }
        }
        let keyed = r.keys.iter().filter_map(|k| self.keys.get(k).map(|&seq| (k.clone(), seq))).collect();
        (s, Fetch { keyed })
    }

    /// The seqs of `subject`'s stored events (for a refold's history).
    pub fn seqs_of(&self, subject: PersonId) -> &[i64] {
        self.seqs.get(&subject).map_or(&[], Vec::as_slice)
    }

    /// Plan one chunk: `snapshot` as [`BulkState::snapshot`] began it and the backend
    /// completed it; `history` loads a subject's stored events when a refold asks.
    pub fn plan(&self, mut snapshot: Snapshot, batch: &AppendBatch, mut history: impl FnMut(&[i64]) -> StoreResult<Vec<Event>>) -> StoreResult<Plan> {
        let batches = std::slice::from_ref(batch);
        loop {
            match super::plan(&snapshot, self.org, batches) {
                Ok(plan) => return Ok(plan),
                Err(MissingHistories(ids)) => {
                    for id in ids {
                        let events = history(self.seqs_of(id))?;
                        snapshot.histories.insert(id, events);
                    }
                }
            }
        }
    }

    /// Take in a plan the backend wrote.
    pub fn wrote(&mut self, plan: &Plan) {
        for e in &plan.events {
            let e = &e.event;
            self.seqs.entry(e.subject).or_default().push(e.seq);
            if let Some(k) = &e.idempotency_key {
                self.keys.insert(k.clone(), e.seq);
            }
            self.head = self.head.max(e.seq);
            self.events += 1;
        }
        for p in &plan.people {
            let person = &p.person;
            if let Some(old) = self.people.get(&person.id)
                && old.email != person.email
                && self.emails.get(&old.email) == Some(&person.id)
            {
                self.emails.remove(&old.email);
            }
            self.emails.insert(person.email.clone(), person.id);
            self.people.insert(person.id, person.clone());
        }
    }

    /// Events taken in so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Everyone's final state, to write once (in no particular order).
    pub fn into_people(self) -> impl Iterator<Item = Person> {
        self.people.into_values()
    }
}

/// The fallback for a backend without a bulk path, or a ledger that is not empty:
/// every chunk an ordinary append (its own transaction).
pub async fn append_each<S: crate::store::Store + ?Sized>(store: &S, org: OrgId, source: &mut dyn EventSource) -> StoreResult<BulkLoaded> {
    let mut loaded = BulkLoaded::default();
    while let Some(events) = source.next().await? {
        if events.is_empty() {
            continue;
        }
        let a = store.append(AppendBatch { org_id: org, events, claim: None }).await?;
        loaded.events += a.events.len() as u64;
    }
    Ok(loaded)
}
