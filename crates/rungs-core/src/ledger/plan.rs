//! The append, decided once for every backend: given the [`Snapshot`] a backend
//! loaded and a group of batches of one organization, [`plan`] sequences the events,
//! checks each against the ledger as the earlier ones left it ([`check_append`] and
//! the rules only the ledger can check: organization, idempotency keys and claims,
//! email uniqueness), folds or refolds the people they change, and answers with the
//! rows to write and the answer for each batch. Pure: no IO, no clock.
//!
//! A group behaves exactly as one transaction per batch would: a failing batch gets
//! its error and leaves no trace for the later ones; a claim or key used by an
//! earlier batch of the group replays as if that batch had been committed; a subject
//! a reversal or a backdated event leaves out of order is refolded at the end of its
//! batch, from its stored history (which the snapshot must hold: when it does not,
//! [`plan`] names the subjects to load and the backend plans again).
//!
//! One file on purpose (about 630 lines, its tests at the end): the `Planner` is one state machine
//! whose undo (`mark`/`rollback`) must change whenever a rule adds state; splitting
//! its rules from its bookkeeping would put the two out of sight of each other.
//!
//! [`check_append`]: crate::projection::check_append

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::codec::truncate;
use super::constraint::Constraint;
use super::snapshot::Snapshot;
use crate::event::{Event, EventBody, NewEvent, Recognition};
use crate::person::Person;
use crate::projection::{self, AppendContext};
use crate::recognition::SpendKey;
use crate::store::{AppendBatch, Appended, StoreError, StoreResult};
use crate::{EventId, OrgId, PersonId, ValidationError};

/// Where a row comes from: batch `batch` of the group, its event `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub batch: usize,
    pub index: usize,
}

/// An event to insert, with its seq assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub event: Event,
    pub origin: Origin,
}

/// A `people` row to write: the subject's state after the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPerson {
    pub person: Person,
    /// No row yet, or name, email or manager changed: the indexed columns must be
    /// written too (a backend may update only the other columns otherwise).
    pub indexed_changed: bool,
    /// The stored row has another email: a backend must move it out of the way
    /// (see [`parked_email`]) before writing any row, since another person of the
    /// plan may take the email this one gives up (two people may even swap).
    pub email_moved: bool,
    /// The last event of the plan about this person, to name it in a write error.
    pub origin: Origin,
}

/// The email a moving person's stored row holds while a plan is written: unique (it
/// names the person) and never a real address (a colon before the `@`).
pub fn parked_email(id: PersonId) -> String {
    format!("moving:{id}@invalid")
}

/// A request-level claim to store, for the events its batch appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedClaim {
    pub batch: usize,
    pub scope: String,
    pub key: String,
    pub fingerprint: String,
    pub event_ids: Vec<EventId>,
}

#[derive(Debug)]
enum Outcome {
    Appended(Range<usize>),
    Replayed(Vec<Event>),
    Failed(StoreError),
}

/// What to write, and what to answer once it is committed.
#[derive(Debug)]
pub struct Plan {
    /// The rows of `events`, in seq order.
    pub events: Vec<PlannedEvent>,
    /// The rows of `people`, each touched person once, in first-touched order.
    pub people: Vec<PlannedPerson>,
    /// The rows of `idempotency`.
    pub claims: Vec<PlannedClaim>,
    /// People who departed in this plan: their API tokens and sessions are revoked
    /// in the same transaction.
    pub revoke_credentials_of: Vec<PersonId>,
    outcomes: Vec<Outcome>,
}

impl Plan {
    /// Whether there is anything to write.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.claims.is_empty()
    }

    /// The webhook outbox rows to write with the events, in the same transaction: one
    /// per event appended, whatever its kind (`rungs_core::webhooks`; subscriptions
    /// and their filters are applied later, when the outbox is fanned out, so the
    /// append reads nothing more).
    pub fn outbox(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().map(|e| &e.event)
    }

    /// The seq of the last event planned, if any.
    pub fn last_seq(&self) -> Option<i64> {
        self.events.last().map(|e| e.event.seq)
    }

    /// The answer for each batch, in order (once the plan is committed).
    pub fn into_results(self) -> Vec<StoreResult<Appended>> {
        let mut events: Vec<Option<Event>> = self.events.into_iter().map(|e| Some(e.event)).collect();
        self.outcomes
            .into_iter()
            .map(|o| match o {
                Outcome::Appended(r) => Ok(Appended { events: events[r].iter_mut().filter_map(Option::take).collect(), replayed: false }),
                Outcome::Replayed(events) => Ok(Appended { events, replayed: true }),
                Outcome::Failed(e) => Err(e),
            })
            .collect()
    }
}

/// The snapshot lacks the stored history of these subjects, which the plan must
/// refold: load them into [`Snapshot::histories`] and plan again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingHistories(pub Vec<PersonId>);

/// `e`, about event `i` of `batch`, as the caller is answered: prefixed with
/// `events[i]` when the batch has several events.
pub fn at(batch_len: usize, i: usize, e: StoreError) -> StoreError {
    if batch_len > 1 { e.nested(&format!("events[{i}]")) } else { e }
}

/// The spending keys and points a recognition holds (for its reversal to give back).
fn spending_of(e: &Event) -> Option<([SpendKey; 2], u32)> {
    match (&e.body, e.actor) {
        (EventBody::Recognition(Recognition { allowance: Some(a), points, .. }), Some(giver)) => Some((SpendKey::of(giver, e.subject, a), *points)),
        _ => None,
    }
}

/// Plan `batches`, all of the snapshot's organization, against `snapshot`.
pub fn plan(snapshot: &Snapshot, org: OrgId, batches: &[AppendBatch]) -> Result<Plan, MissingHistories> {
    let mut p = Planner {
        snap: snapshot,
        org,
        next_seq: snapshot.head.map(|h| h + 1),
        people: HashMap::new(),
        emails: HashMap::new(),
        reversed: HashSet::new(),
        spent: HashMap::new(),
        validated: HashMap::new(),
        withdrawn: HashMap::new(),
        out: Vec::with_capacity(batches.iter().map(|b| b.events.len()).sum()),
        by_id: HashMap::new(),
        keys: HashMap::new(),
        touched: Vec::new(),
        claims: Vec::new(),
        claimed: HashMap::new(),
        revoke: Vec::new(),
        missing: Vec::new(),
    };
    let grouped = batches.len() > 1;
    let outcomes: Vec<Outcome> = batches.iter().enumerate().map(|(j, b)| p.batch(j, b, grouped)).collect();
    if !p.missing.is_empty() {
        return Err(MissingHistories(p.missing));
    }
    if !grouped && matches!(outcomes.first(), Some(Outcome::Failed(_))) {
        // A lone batch keeps no undo marks: when it fails, nothing is written.
        return Ok(Plan { events: vec![], people: vec![], claims: vec![], revoke_credentials_of: vec![], outcomes });
    }
    let mut people = Vec::with_capacity(p.touched.len());
    for id in &p.touched {
        let Some(s) = p.people.get(id) else { continue };
        // A subject without a hire in force is refused at the end of its batch.
        let Some(person) = &s.person else { continue };
        let indexed_changed = !s.stored.as_ref().is_some_and(|(n, e, m)| *n == person.name && *e == person.email && *m == person.manager_id);
        let email_moved = s.stored.as_ref().is_some_and(|(_, e, _)| *e != person.email);
        people.push(PlannedPerson { person: person.clone(), indexed_changed, email_moved, origin: s.last });
    }
    Ok(Plan { events: p.out, people, claims: p.claims, revoke_credentials_of: p.revoke, outcomes })
}

/// A subject's state while the plan runs.
#[derive(Clone)]
struct Subject {
    /// `None`: not hired (yet).
    person: Option<Person>,
    /// Events were planned that the incremental fold cannot take; refold at the end
    /// of the batch. `person` then still holds the earlier state, whose `hired_at`
    /// stays right (a hire cannot be reversed).
    stale: bool,
    /// Whether an event of the plan is about this subject.
    touched: bool,
    /// The last event of the plan about this subject.
    last: Origin,
    /// The indexed columns (name, email, manager) as the stored row has them.
    stored: Option<(String, String, Option<PersonId>)>,
}

/// Where a batch of a group started, and what it may change, to undo it if it fails.
struct Mark {
    out: usize,
    touched: usize,
    next_seq: Option<i64>,
    people: Vec<(PersonId, Subject)>,
    emails: Vec<(String, Option<PersonId>)>,
    /// The spending as it was, when the batch gives or reverses anything.
    spent: Option<HashMap<SpendKey, i64>>,
}

enum Step {
    Appended,
    Replayed(Box<Event>),
}

struct Planner<'s> {
    snap: &'s Snapshot,
    org: OrgId,
    /// `None`: the organization does not exist; the first event is refused.
    next_seq: Option<i64>,
    people: HashMap<PersonId, Subject>,
    /// Email -> person for the people in `people` (may be outdated; verified on use).
    emails: HashMap<String, PersonId>,
    /// Targets reversed by this plan (the snapshot holds the stored ones).
    reversed: HashSet<EventId>,
    /// Points the plan's recognition (less its reversals) adds to each spending key,
    /// on top of the snapshot's.
    spent: HashMap<SpendKey, i64>,
    /// Validations planned, as (target, validator) -> index in `out`.
    validated: HashMap<(EventId, PersonId), usize>,
    /// Validations withdrawn (reversed) by this plan, as (target, validator) -> index
    /// in `out` of the reversal.
    withdrawn: HashMap<(EventId, PersonId), usize>,
    out: Vec<PlannedEvent>,
    by_id: HashMap<EventId, usize>,
    /// Idempotency keys of planned events -> index in `out`.
    keys: HashMap<String, usize>,
    touched: Vec<PersonId>,
    claims: Vec<PlannedClaim>,
    /// (scope, key) of planned claims -> index in `claims`.
    claimed: HashMap<(String, String), usize>,
    revoke: Vec<PersonId>,
    missing: Vec<PersonId>,
}

impl Planner<'_> {
    fn batch(&mut self, j: usize, b: &AppendBatch, grouped: bool) -> Outcome {
        // A claim alone (no events) is kept: a request whose writes are not ledger
        // events (posting an opportunity) still holds its Idempotency-Key.
        if b.events.is_empty() && b.claim.is_none() {
            return Outcome::Failed(ValidationError::single("events", "must contain at least one event").into());
        }
        if let Some(c) = &b.claim {
            let k = (c.scope.clone(), c.key.clone());
            let done = match self.claimed.get(&k) {
                Some(&n) => {
                    let planned = &self.claims[n];
                    let events = planned.event_ids.iter().filter_map(|id| self.by_id.get(id).map(|&i| self.out[i].event.clone())).collect();
                    Some((planned.fingerprint.as_str(), events))
                }
                None => self.snap.claims.get(&k).map(|s| (s.fingerprint.as_str(), s.events.clone())),
            };
            if let Some((fingerprint, events)) = done {
                if fingerprint != c.fingerprint {
                    return Outcome::Failed(StoreError::Conflict {
                        field: "Idempotency-Key".into(),
                        reason: "was already used with a different request".into(),
                    });
                }
                return Outcome::Replayed(events);
            }
        }
        let n = b.events.len();
        // A repeated event key replays the stored event only when that is unambiguous:
        // a lone event with no request-level claim (e.g. a re-run import line).
        let may_replay = n == 1 && b.claim.is_none();
        // A lone batch needs no undo: when it fails, nothing of the plan is written.
        let mark = grouped.then(|| self.mark(&b.events));
        let start = self.out.len();
        for (i, e) in b.events.iter().enumerate() {
            let step = self.event(Origin { batch: j, index: i }, b.org_id, e.clone(), may_replay);
            match step {
                Ok(Step::Appended) => {}
                // Only a lone event replays: nothing of the batch was planned.
                Ok(Step::Replayed(e)) => return Outcome::Replayed(vec![*e]),
                Err(e) => return self.fail(mark, at(n, i, e)),
            }
        }
        if let Err((i, e)) = self.refold(start) {
            return self.fail(mark, at(n, i, e));
        }
        let appended = start..self.out.len();
        if let Some(c) = &b.claim {
            self.claimed.insert((c.scope.clone(), c.key.clone()), self.claims.len());
            self.claims.push(PlannedClaim {
                batch: j,
                scope: c.scope.clone(),
                key: c.key.clone(),
                fingerprint: c.fingerprint.clone(),
                event_ids: self.out[appended.clone()].iter().map(|e| e.event.id).collect(),
            });
        }
        for e in &self.out[appended.clone()] {
            if matches!(e.event.body, EventBody::Departure(_)) && !self.revoke.contains(&e.event.subject) {
                self.revoke.push(e.event.subject);
            }
        }
        Outcome::Appended(appended)
    }

    fn fail(&mut self, mark: Option<Mark>, e: StoreError) -> Outcome {
        if let Some(m) = mark {
            self.rollback(m);
        }
        Outcome::Failed(e)
    }

    /// The subject's state, read from the snapshot the first time.
    fn load(&mut self, id: PersonId) -> &mut Subject {
        let (snap, org) = (self.snap, self.org);
        let emails = &mut self.emails;
        self.people.entry(id).or_insert_with(|| {
            let person = snap.people.get(&id).filter(|p| p.org_id == org).cloned();
            if let Some(p) = &person {
                emails.insert(p.email.clone(), id);
            }
            let stored = person.as_ref().map(|p| (p.name.clone(), p.email.clone(), p.manager_id));
            Subject { person, stale: false, touched: false, last: Origin { batch: 0, index: 0 }, stored }
        })
    }

    fn event(&mut self, origin: Origin, org: OrgId, mut e: NewEvent, may_replay: bool) -> StoreResult<Step> {
        if e.org_id != org || org != self.org {
            return Err(ValidationError::single("org_id", "does not match the organization of the request").into());
        }
        e.occurred_at = truncate(e.occurred_at);
        e.recorded_at = truncate(e.recorded_at);
        if let Some(key) = &e.idempotency_key {
            let existing = self.keys.get(key).map(|&i| &self.out[i].event).or_else(|| self.snap.keyed.get(key));
            if let Some(existing) = existing {
                if may_replay {
                    return Ok(Step::Replayed(Box::new(existing.clone())));
                }
                return Err(StoreError::Conflict { field: "idempotency_key".into(), reason: "was already used for another event".into() });
            }
        }
        self.load(e.subject);
        let target = e.body.target().map(|t| {
            let ev = self.by_id.get(&t).map(|&j| &self.out[j].event).or_else(|| self.snap.targets.get(&t));
            (ev, self.reversed.contains(&t) || self.snap.reversed.contains(&t))
        });
        let ctx = AppendContext {
            subject: self.people[&e.subject].person.as_ref(),
            target: target.as_ref().and_then(|(t, _)| *t),
            target_reversed: target.as_ref().is_some_and(|(_, r)| *r),
        };
        projection::check_append(&e, &ctx)?;
        if let (EventBody::Validation(v), Some(actor)) = (&e.body, e.actor)
            && self.validation_in_force(v.target, actor)
        {
            return Err(Constraint::ValidatedOnce.conflict());
        }
        let reversed_points = match (&e.body, ctx.target) {
            (EventBody::Reversal(_), Some(t)) => spending_of(t),
            _ => None,
        };
        match &e.body {
            EventBody::Hired(h) => self.check_email(&h.email, e.subject)?,
            EventBody::ProfileUpdated(u) => {
                if let Some(m) = &u.email {
                    self.check_email(m, e.subject)?;
                }
            }
            _ => {}
        }
        if let EventBody::Recognition(r) = &e.body {
            self.spend(&e, r)?;
        }
        if let Some((keys, points)) = reversed_points {
            // A reversal gives the points back to the giver's allowance.
            for k in keys {
                *self.spent.entry(k).or_default() -= i64::from(points);
            }
        }
        // The insert would fail on the foreign key: the organization does not exist.
        let seq = self.next_seq.ok_or(StoreError::NotFound)?;
        self.next_seq = Some(seq + 1);
        let ev = e.into_event(seq);
        if let EventBody::Reversal(r) = &ev.body {
            self.reversed.insert(r.target);
            let withdrawn = self.by_id.get(&r.target).map(|&j| &self.out[j].event).or_else(|| self.snap.targets.get(&r.target));
            if let Some(Event { body: EventBody::Validation(v), actor: Some(a), .. }) = withdrawn {
                self.withdrawn.insert((v.target, *a), self.out.len());
            }
        }
        if let (EventBody::Validation(v), Some(a)) = (&ev.body, ev.actor) {
            self.validated.insert((v.target, a), self.out.len());
        }
        if let Some(k) = &ev.idempotency_key {
            self.keys.insert(k.clone(), self.out.len());
        }
        let s = self.people.get_mut(&ev.subject).ok_or_else(|| StoreError::internal("subject not loaded"))?;
        match &mut s.person {
            None => s.person = projection::hire(&ev),
            Some(_) if s.stale => {}
            Some(p) if projection::needs_refold(p, &ev) => s.stale = true,
            Some(p) => projection::apply(p, &ev),
        }
        if !s.stale
            && let Some(p) = &s.person
            && matches!(ev.body, EventBody::Hired(_) | EventBody::ProfileUpdated(_))
        {
            self.emails.insert(p.email.clone(), p.id);
        }
        if !s.touched {
            s.touched = true;
            self.touched.push(ev.subject);
        }
        s.last = origin;
        // A stale subject's email is known only after a refold, and a later event of
        // this batch may need it (an import: the email changes, then someone else
        // is hired with the old one): refold now rather than at the end of the batch.
        // (A reversal may undo an email change.)
        let email_changed = s.stale
            && match &ev.body {
                EventBody::Hired(_) | EventBody::Reversal(_) => true,
                EventBody::ProfileUpdated(u) => u.email.is_some(),
                _ => false,
            };
        let subject = ev.subject;
        self.by_id.insert(ev.id, self.out.len());
        self.out.push(PlannedEvent { event: ev, origin });
        if email_changed {
            self.refold_subjects(&[subject]).map_err(|(_, e)| e)?;
        }
        Ok(Step::Appended)
    }

    /// Refuse a recognition that would take its giver past their allowance for the
    /// period, in all or to this receiver; otherwise count its points as spent.
    fn spend(&mut self, e: &NewEvent, r: &Recognition) -> StoreResult<()> {
        let Some(a) = &r.allowance else { return Ok(()) };
        let Some(giver) = e.actor else {
            return Err(ValidationError::single("actor", "recognition with an allowance needs a giver").into());
        };
        if e.occurred_at < a.period_start || e.occurred_at >= a.period_end {
            return Err(ValidationError::single("occurred_at", "is outside the allowance period it draws from").into());
        }
        let [all, pair] = SpendKey::of(giver, e.subject, a);
        let used = |k: &SpendKey| (self.snap.spent.get(k).copied().unwrap_or(0) as i64 + self.spent.get(k).copied().unwrap_or(0)).max(0) as u64;
        let points = u64::from(r.points);
        let until = a.period_end.format("%Y-%m-%d %H:%M UTC");
        let (spent_all, spent_pair) = (used(&all), used(&pair));
        if spent_all + points > u64::from(a.points) {
            let left = u64::from(a.points).saturating_sub(spent_all);
            return Err(
                ValidationError::single("payload.points", format!("is more than the giver has left: {left} of {} points until {until}", a.points)).into()
            );
        }
        if spent_pair + points > u64::from(a.pair_cap) {
            let left = u64::from(a.pair_cap).saturating_sub(spent_pair);
            return Err(ValidationError::single(
                "payload.points",
                format!("is more than one giver may give one person: {left} of {} points left for this person until {until}", a.pair_cap),
            )
            .into());
        }
        for k in [all, pair] {
            *self.spent.entry(k).or_default() += i64::from(r.points);
        }
        Ok(())
    }

    /// Whether `validator` has a validation of `target` in force: planned and not
    /// withdrawn since, or stored (the snapshot's `validated`) and not withdrawn by
    /// this plan. The `validations` table is the backstop behind this check.
    fn validation_in_force(&self, target: EventId, validator: PersonId) -> bool {
        let k = (target, validator);
        match (self.validated.get(&k), self.withdrawn.get(&k)) {
            (Some(v), Some(w)) => v > w,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => self.snap.validated.contains(&k),
        }
    }

    /// Refuse an email another person of the org has; people the plan has loaded are
    /// authoritative over their (possibly outdated) stored row.
    fn check_email(&self, email: &str, subject: PersonId) -> StoreResult<()> {
        let conflict = || StoreError::Conflict { field: "payload.email".into(), reason: "is already used by another person".into() };
        if let Some(&id) = self.emails.get(email)
            && let Some(s) = self.people.get(&id)
            && s.person.as_ref().is_some_and(|p| p.email == email)
            && id != subject
        {
            return Err(conflict());
        }
        match self.snap.emails.get(email) {
            Some(&id) if id != subject && !self.people.contains_key(&id) => Err(conflict()),
            _ => Ok(()),
        }
    }

    /// Refold the subjects the batch that planned `out[start..]` left stale, from
    /// their stored history and the plan's events. Errors carry the index of the
    /// subject's last event in the batch.
    fn refold(&mut self, start: usize) -> Result<(), (usize, StoreError)> {
        let mut stale: Vec<PersonId> = Vec::new();
        for e in &self.out[start..] {
            if self.people.get(&e.event.subject).is_some_and(|s| s.stale) && !stale.contains(&e.event.subject) {
                stale.push(e.event.subject);
            }
        }
        self.refold_subjects(&stale)
    }

    /// Refold `stale` subjects from their stored history and the plan's events; a
    /// subject whose history the snapshot lacks is listed as missing (the backend
    /// loads it and the plan is made again).
    fn refold_subjects(&mut self, stale: &[PersonId]) -> Result<(), (usize, StoreError)> {
        if stale.is_empty() {
            return Ok(());
        }
        let mut histories: HashMap<PersonId, Vec<Event>> = HashMap::new();
        for id in stale {
            match self.snap.histories.get(id) {
                Some(h) => {
                    histories.insert(*id, h.clone());
                }
                None if !self.missing.contains(id) => self.missing.push(*id),
                None => {}
            }
        }
        if histories.is_empty() {
            return Ok(());
        }
        for e in &self.out {
            if let Some(h) = histories.get_mut(&e.event.subject) {
                h.push(e.event.clone());
            }
        }
        for (id, events) in histories {
            let Some(s) = self.people.get_mut(&id) else { continue };
            s.person = projection::fold(&events);
            s.stale = false;
            let Some(p) = &s.person else {
                return Err((s.last.index, StoreError::internal(format!("no hire in force for {id} after refold"))));
            };
            self.emails.insert(p.email.clone(), id);
        }
        Ok(())
    }

    /// Remember what planning `events` may change (see [`Planner::rollback`]).
    fn mark(&mut self, events: &[NewEvent]) -> Mark {
        for e in events {
            self.load(e.subject);
        }
        let spends = events.iter().any(|e| matches!(e.body, EventBody::Recognition(_) | EventBody::Reversal(_)));
        let spent = spends.then(|| self.spent.clone());
        let mut m = Mark { out: self.out.len(), touched: self.touched.len(), next_seq: self.next_seq, people: Vec::new(), emails: Vec::new(), spent };
        let email = |e: &str, m: &mut Mark, emails: &HashMap<String, PersonId>| m.emails.push((e.to_string(), emails.get(e).copied()));
        for e in events {
            if !m.people.iter().any(|(id, _)| *id == e.subject)
                && let Some(s) = self.people.get(&e.subject)
            {
                if let Some(p) = &s.person {
                    email(&p.email, &mut m, &self.emails);
                }
                m.people.push((e.subject, s.clone()));
            }
            match &e.body {
                EventBody::Hired(h) => email(&h.email, &mut m, &self.emails),
                EventBody::ProfileUpdated(u) => {
                    if let Some(x) = &u.email {
                        email(x, &mut m, &self.emails);
                    }
                }
                _ => {}
            }
        }
        m
    }

    /// Undo a failed batch of a group: the state is as if it never ran.
    fn rollback(&mut self, m: Mark) {
        for e in self.out.drain(m.out..) {
            let ev = e.event;
            if self.by_id.get(&ev.id).is_some_and(|&j| j >= m.out) {
                self.by_id.remove(&ev.id);
            }
            if let EventBody::Reversal(r) = &ev.body {
                self.reversed.remove(&r.target);
            }
            if let Some(k) = &ev.idempotency_key
                && self.keys.get(k).is_some_and(|&j| j >= m.out)
            {
                self.keys.remove(k);
            }
        }
        self.validated.retain(|_, j| *j < m.out);
        self.withdrawn.retain(|_, j| *j < m.out);
        self.touched.truncate(m.touched);
        self.next_seq = m.next_seq;
        if let Some(spent) = m.spent {
            self.spent = spent;
        }
        for (id, s) in m.people {
            self.people.insert(id, s);
        }
        for (email, was) in m.emails.into_iter().rev() {
            match was {
                Some(id) => self.emails.insert(email, id),
                None => self.emails.remove(&email),
            };
        }
    }
}
