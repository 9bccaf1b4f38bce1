//! What the planner needs to know of the stored ledger, and how it asks for it: the
//! backend turns a [`SnapshotRequest`] into a [`Snapshot`] with its own queries
//! (inside the write transaction, after taking the ledger's write lock), and nothing
//! else. Everything the request does not name is, for the planner, not there.

use std::collections::{HashMap, HashSet};

use crate::event::{Event, EventBody, EventKind};
use crate::person::Person;
use crate::recognition::SpendKey;
use crate::store::AppendBatch;
use crate::{EventId, OrgId, PersonId};

/// What to load for a group of batches of one organization. Each list is
/// deduplicated and in first-mentioned order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotRequest {
    pub org: OrgId,
    /// Subjects of the events: their `people` rows.
    pub subjects: Vec<PersonId>,
    /// Idempotency keys of the events: the stored events holding them.
    pub keys: Vec<String>,
    /// Targets of reversals and validations: the stored events, whether a stored
    /// reversal already targets them, and who has validated them.
    pub targets: Vec<EventId>,
    /// Emails hires and profile updates set: who holds them in `people`.
    pub emails: Vec<String>,
    /// Request-level claims, as (scope, key): the stored claim and its events.
    pub claims: Vec<(String, String)>,
    /// Subjects whose whole stored history the planner needs to refold them (the
    /// subjects of reversals, and any the planner found backdated).
    pub histories: Vec<PersonId>,
    /// What givers of recognition with an allowance already spent in its period,
    /// in all and to each receiver. Empty unless a batch gives recognition: other
    /// events load nothing for it.
    pub spending: Vec<SpendKey>,
}

fn push_new<T: Clone + Eq + std::hash::Hash>(seen: &mut HashSet<T>, list: &mut Vec<T>, v: &T) {
    if seen.insert(v.clone()) {
        list.push(v.clone());
    }
}

impl SnapshotRequest {
    /// What planning `batches` (all of organization `org`) needs.
    pub fn new(org: OrgId, batches: &[AppendBatch]) -> SnapshotRequest {
        let mut r = SnapshotRequest { org, ..SnapshotRequest::default() };
        let (mut subjects, mut keys, mut targets, mut emails, mut histories) = (HashSet::new(), HashSet::new(), HashSet::new(), HashSet::new(), HashSet::new());
        let mut spending = HashSet::new();
        for b in batches {
            if let Some(c) = &b.claim {
                r.claims.push((c.scope.clone(), c.key.clone()));
            }
            for e in &b.events {
                push_new(&mut subjects, &mut r.subjects, &e.subject);
                if let Some(k) = &e.idempotency_key {
                    push_new(&mut keys, &mut r.keys, k);
                }
                if let Some(t) = e.body.target() {
                    push_new(&mut targets, &mut r.targets, &t);
                }
                match &e.body {
                    EventBody::Hired(h) => push_new(&mut emails, &mut r.emails, &h.email),
                    EventBody::ProfileUpdated(u) => {
                        if let Some(m) = &u.email {
                            push_new(&mut emails, &mut r.emails, m);
                        }
                    }
                    EventBody::Recognition(rec) => {
                        if let (Some(a), Some(giver)) = (&rec.allowance, e.actor) {
                            for k in SpendKey::of(giver, e.subject, a) {
                                push_new(&mut spending, &mut r.spending, &k);
                            }
                        }
                    }
                    _ => {}
                }
                if e.body.kind() == EventKind::Reversal {
                    push_new(&mut histories, &mut r.histories, &e.subject);
                }
            }
        }
        r
    }

    /// Whether any claim must be looked up.
    pub fn has_claims(&self) -> bool {
        !self.claims.is_empty()
    }
}

/// A request-level claim already stored: the request it was made for (by
/// fingerprint) and the events it appended, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClaim {
    pub fingerprint: String,
    pub events: Vec<Event>,
}

/// The stored state a [`SnapshotRequest`] asked for, as one backend loaded it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The last seq assigned in the ledger the batches join; `None` when the
    /// organization does not exist (its first append is refused as not found).
    pub head: Option<i64>,
    /// The requested subjects that have a `people` row, as it stands.
    pub people: HashMap<PersonId, Person>,
    /// Stored events holding a requested idempotency key, by key.
    pub keyed: HashMap<String, Event>,
    /// Requested targets that are stored, by id.
    pub targets: HashMap<EventId, Event>,
    /// Requested targets a stored reversal already targets.
    pub reversed: HashSet<EventId>,
    /// Validations in force of requested targets, as (target, validator): a
    /// validation stored and not withdrawn by a reversal (the `validations` table).
    pub validated: HashSet<(EventId, PersonId)>,
    /// Requested emails and the person whose `people` row has each.
    pub emails: HashMap<String, PersonId>,
    /// Requested claims that are stored, by (scope, key).
    pub claims: HashMap<(String, String), StoredClaim>,
    /// The stored events of requested subjects, any order.
    pub histories: HashMap<PersonId, Vec<Event>>,
    /// Requested spending: the points in force, by key (absent: nothing spent).
    pub spent: HashMap<SpendKey, u64>,
}
