//! For tests of the append path (behind the `testing` feature): a proptest
//! generator of ledger histories, and [`MemLedger`], the smallest backend there is
//! (a `Vec` of events and a map of people), whose loads and writes are all a backend
//! has to provide.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::plan::{MissingHistories, Plan, plan};
use super::snapshot::{Snapshot, SnapshotRequest, StoredClaim};
use crate::event::*;
use crate::person::{Person, Position};
use crate::store::{AppendBatch, Appended, IdempotencyClaim, StoreResult};
use crate::{EventId, OrgId, PersonId};

/// One generated event, in terms of small numbers a shrinker can shrink.
#[derive(Debug, Clone)]
pub enum Op {
    Hire {
        who: u8,
        email: u8,
    },
    Win {
        who: u8,
        key: Option<u8>,
    },
    Email {
        who: u8,
        email: u8,
    },
    Promote {
        who: u8,
    },
    Depart {
        who: u8,
    },
    /// Reverse (or validate) the `pick`-th event generated so far.
    Reverse {
        who: u8,
        pick: u16,
    },
    Validate {
        who: u8,
        pick: u16,
    },
}

/// A generated event: what it does and the hour it is dated (out of order on purpose).
#[derive(Debug, Clone)]
pub struct GenEvent {
    pub op: Op,
    pub hour: u16,
}

/// A generated batch: its events and, maybe, a request-level claim (key, fingerprint).
#[derive(Debug, Clone)]
pub struct GenBatch {
    pub events: Vec<GenEvent>,
    pub claim: Option<(u8, u8)>,
}

/// How many people a generated history is about.
pub const PEOPLE: u8 = 4;

fn op() -> impl Strategy<Value = Op> {
    let who = 0..PEOPLE;
    prop_oneof![
        1 => (who.clone(), 0u8..(PEOPLE + 2)).prop_map(|(who, email)| Op::Hire { who, email }),
        4 => (who.clone(), proptest::option::weighted(0.2, 0u8..3)).prop_map(|(who, key)| Op::Win { who, key }),
        1 => (who.clone(), 0u8..(PEOPLE * 3)).prop_map(|(who, email)| Op::Email { who, email }),
        1 => who.clone().prop_map(|who| Op::Promote { who }),
        1 => who.clone().prop_map(|who| Op::Depart { who }),
        2 => (who.clone(), any::<u16>()).prop_map(|(who, pick)| Op::Reverse { who, pick }),
        1 => (who, any::<u16>()).prop_map(|(who, pick)| Op::Validate { who, pick }),
    ]
}

fn batch() -> impl Strategy<Value = GenBatch> {
    (
        prop_oneof![3 => Just(1usize), 1 => 2usize..4]
            .prop_flat_map(|n| prop::collection::vec((op(), 0u16..200).prop_map(|(op, hour)| GenEvent { op, hour }), n)),
        proptest::option::weighted(0.15, (0u8..3, 0u8..2)),
    )
        .prop_map(|(events, claim)| GenBatch { events, claim })
}

/// Groups of batches: each group arrives at once (what a backend's group commit
/// takes together); groups arrive one after the other. The first group hires
/// everyone (their emails may collide, so some hires fail), so most later events
/// have a subject; later hires are refused as re-hires, or hire whoever was not.
pub fn groups() -> impl Strategy<Value = Vec<Vec<GenBatch>>> {
    // Mostly their own email; sometimes another's.
    let hires = prop::collection::vec(proptest::option::weighted(0.2, 0u8..PEOPLE), usize::from(PEOPLE)).prop_map(|emails| {
        let hire = |(who, email): (usize, Option<u8>)| GenBatch {
            events: vec![GenEvent { op: Op::Hire { who: who as u8, email: email.unwrap_or(who as u8) }, hour: who as u16 }],
            claim: None,
        };
        emails.into_iter().enumerate().map(hire).collect::<Vec<_>>()
    });
    (hires, prop::collection::vec(prop::collection::vec(batch(), 1..6), 1..6)).prop_map(|(first, mut rest)| {
        rest.insert(0, first);
        rest
    })
}

/// Turns generated batches into real ones for one organization. Ids are derived
/// from the organization and a counter, so the same script gives the same ids on
/// every backend and distinct ids for distinct organizations.
pub struct Builder {
    pub org: OrgId,
    n: u64,
    made: Vec<(PersonId, EventId)>,
}

fn id_bytes(org: OrgId, tag: u8, n: u64) -> [u8; 16] {
    let mut b = *org.as_bytes();
    b[0] ^= tag;
    for (i, x) in n.to_be_bytes().iter().enumerate() {
        b[8 + i] ^= x;
    }
    b
}

impl Builder {
    pub fn new(org: OrgId) -> Builder {
        Builder { org, n: 0, made: Vec::new() }
    }

    /// The id of generated person `who`.
    pub fn person(&self, who: u8) -> PersonId {
        PersonId::from_bytes(id_bytes(self.org, 1, u64::from(who)))
    }

    fn at(hour: u16) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).single().unwrap_or_default() + Duration::hours(i64::from(hour))
    }

    fn event(&mut self, g: &GenEvent) -> NewEvent {
        self.n += 1;
        let id = EventId::from_bytes(id_bytes(self.org, 2, self.n));
        let pos = |level: &str| Position { track: "engineering".into(), level: level.into(), title: format!("Engineer {level}") };
        let email = |e: u8| format!("p{e}@example.test");
        // A target among the subject's earlier events (any event when it has none).
        let pick = |made: &[(PersonId, EventId)], who: PersonId, p: u16| {
            let own: Vec<EventId> = made.iter().filter(|(s, _)| *s == who).map(|(_, e)| *e).collect();
            let all: Vec<EventId> = made.iter().map(|(_, e)| *e).collect();
            let from = if own.is_empty() { all } else { own };
            if from.is_empty() { id } else { from[usize::from(p) % from.len()] }
        };
        let (who, body, key) = match &g.op {
            Op::Hire { who, email: e } => (
                *who,
                EventBody::Hired(Hired {
                    name: format!("Person {who}"),
                    email: email(*e),
                    manager_id: None,
                    department: Some("Platform".into()),
                    location: None,
                    position: pos("l2"),
                    pay_band: None,
                    sensitive: Default::default(),
                }),
                None,
            ),
            Op::Win { who, key } => (
                *who,
                EventBody::MicroProgression(MicroProgression {
                    category: Category::Skill,
                    magnitude: Magnitude::Nano,
                    title: format!("win {}", self.n),
                    description: None,
                }),
                key.map(|k| format!("key-{k}")),
            ),
            Op::Email { who, email: e } => (*who, EventBody::ProfileUpdated(ProfileUpdated { email: Some(email(*e)), ..Default::default() }), None),
            Op::Promote { who } => (*who, EventBody::Promotion(Promotion { to: pos("l3"), pay_band: None, note: None }), None),
            Op::Depart { who } => (*who, EventBody::Departure(Departure { reason: DepartureReason::Voluntary, note: None }), None),
            Op::Reverse { who, pick: p } => {
                (*who, EventBody::Reversal(Reversal { target: pick(&self.made, self.person(*who), *p), reason: "mistake".into() }), None)
            }
            Op::Validate { who, pick: p } => {
                (*who, EventBody::Validation(Validation { target: pick(&self.made, self.person(*who), *p), role: ValidatorRole::Peer, note: None }), None)
            }
        };
        let subject = self.person(who);
        self.made.push((subject, id));
        NewEvent {
            id,
            org_id: self.org,
            subject,
            actor: None,
            // Hires early, everything else after them, in any order.
            occurred_at: Self::at(if matches!(g.op, Op::Hire { .. }) { g.hour % 8 } else { 8 + g.hour }),
            recorded_at: Self::at(500),
            body,
            competencies: vec![],
            evidence: vec![],
            idempotency_key: key,
        }
    }

    /// The real batch for a generated one.
    pub fn batch(&mut self, g: &GenBatch) -> AppendBatch {
        AppendBatch {
            org_id: self.org,
            events: g.events.iter().map(|e| self.event(e)).collect(),
            claim: g.claim.map(|(k, f)| IdempotencyClaim { scope: "test".into(), key: format!("claim-{k}"), fingerprint: format!("fp-{f}") }),
        }
    }
}

/// The smallest backend: the ledger in a `Vec`, the projection in a map. Its
/// [`MemLedger::load`] and [`MemLedger::write`] are all the append asks of a backend.
#[derive(Debug, Default, Clone)]
pub struct MemLedger {
    pub events: Vec<Event>,
    pub people: HashMap<PersonId, Person>,
    pub claims: HashMap<(String, String), (String, Vec<EventId>)>,
    pub revoked: Vec<PersonId>,
}

impl MemLedger {
    /// Load what `r` asks for.
    pub fn load(&self, r: &SnapshotRequest) -> Snapshot {
        let by_id = |id: &EventId| self.events.iter().find(|e| e.id == *id).cloned();
        let mut s = Snapshot { head: Some(self.events.last().map_or(0, |e| e.seq)), ..Snapshot::default() };
        for id in &r.subjects {
            if let Some(p) = self.people.get(id) {
                s.people.insert(*id, p.clone());
            }
        }
        for k in &r.keys {
            if let Some(e) = self.events.iter().find(|e| e.idempotency_key.as_ref() == Some(k)) {
                s.keyed.insert(k.clone(), e.clone());
            }
        }
        for t in &r.targets {
            if let Some(e) = by_id(t) {
                s.targets.insert(*t, e);
            }
            if self.events.iter().any(|e| matches!(&e.body, EventBody::Reversal(x) if x.target == *t)) {
                s.reversed.insert(*t);
            }
            for v in &self.events {
                if let (EventBody::Validation(x), Some(actor)) = (&v.body, v.actor)
                    && x.target == *t
                    && !self.events.iter().any(|r| matches!(&r.body, EventBody::Reversal(y) if y.target == v.id))
                {
                    s.validated.insert((*t, actor));
                }
            }
        }
        for m in &r.emails {
            if let Some(p) = self.people.values().find(|p| p.email == *m) {
                s.emails.insert(m.clone(), p.id);
            }
        }
        for c in &r.claims {
            if let Some((fingerprint, ids)) = self.claims.get(c) {
                s.claims.insert(c.clone(), StoredClaim { fingerprint: fingerprint.clone(), events: ids.iter().filter_map(by_id).collect() });
            }
        }
        for id in &r.histories {
            s.histories.insert(*id, self.events.iter().filter(|e| e.subject == *id).cloned().collect());
        }
        for k in &r.spending {
            let reversed = |id: EventId| self.events.iter().any(|e| matches!(&e.body, EventBody::Reversal(x) if x.target == id));
            let spent: u64 = self
                .events
                .iter()
                .filter(|e| e.actor == Some(k.giver) && k.receiver.is_none_or(|r| r == e.subject))
                .filter(|e| e.occurred_at >= k.period_start && e.occurred_at < k.period_end && !reversed(e.id))
                .map(|e| match &e.body {
                    EventBody::Recognition(r) => u64::from(r.points),
                    _ => 0,
                })
                .sum();
            if spent > 0 {
                s.spent.insert(*k, spent);
            }
        }
        s
    }

    /// Write what `plan` says.
    pub fn write(&mut self, plan: &Plan) {
        self.events.extend(plan.events.iter().map(|e| e.event.clone()));
        for p in &plan.people {
            self.people.insert(p.person.id, p.person.clone());
        }
        for c in &plan.claims {
            self.claims.insert((c.scope.clone(), c.key.clone()), (c.fingerprint.clone(), c.event_ids.clone()));
        }
        self.revoked.extend(&plan.revoke_credentials_of);
    }

    /// Plan `batches` the way a backend does: load, plan, load the histories the
    /// plan asks for and plan again.
    pub fn plan(&self, org: OrgId, batches: &[AppendBatch]) -> Plan {
        let mut r = SnapshotRequest::new(org, batches);
        loop {
            match plan(&self.load(&r), org, batches) {
                Ok(p) => return p,
                Err(MissingHistories(ids)) => r.histories.extend(ids),
            }
        }
    }

    /// Append `batches` as one group commit.
    pub fn append(&mut self, org: OrgId, batches: &[AppendBatch]) -> Vec<StoreResult<Appended>> {
        let p = self.plan(org, batches);
        self.write(&p);
        p.into_results()
    }
}
