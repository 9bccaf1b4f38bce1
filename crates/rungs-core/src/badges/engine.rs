//! The incremental evaluator: everyone's facts folded as the ledger grows, and the
//! index from event shape to the rules it can change, so each new event re-evaluates
//! only the badges whose leaves could count it, for its subject only.
//!
//! Pure and single-threaded; the application holds one per organization as a cache
//! in front of the ledger (the ledger, with the awards on it, is the truth: an engine
//! rebuilt from scratch reaches the same state).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::eval::{FactBody, PersonFacts, shape_matches};
use super::{BadgeDef, FactKind, Filter, Tier};
use crate::{EventId, PersonId};

/// An award the rules say is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub subject: PersonId,
    pub badge: String,
    pub name: String,
    pub tier: Tier,
    /// The events that meet the rule, oldest first.
    pub earned_by: Vec<EventId>,
    /// The instant it was judged at.
    pub at: DateTime<Utc>,
    /// The rule in words.
    pub reason: String,
}

/// What one evaluation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    /// `cold` (everything read and judged: first run, or the rules changed) or
    /// `incremental` (only what the new events can change).
    pub mode: String,
    /// Ledger events read.
    pub facts: u64,
    /// People whose badges were judged.
    pub people_evaluated: u64,
    /// Awards appended by this run.
    pub awarded: u64,
    /// Awards found already on the ledger (another instance made them first).
    pub already_held: u64,
}

/// Who the new events touched: per person, the badges to judge and the instant to
/// judge them at (the latest recording among their new events).
pub type Touched = HashMap<PersonId, (BTreeSet<usize>, DateTime<Utc>)>;

#[derive(Debug, Clone)]
pub struct Engine {
    defs: Vec<BadgeDef>,
    /// Per kind of event: each (badge, leaf filter) that can count it.
    index: HashMap<FactKind, Vec<(usize, Filter)>>,
    pub people: HashMap<PersonId, PersonFacts>,
    /// The last ledger seq folded in.
    pub cursor: i64,
    /// The organization's time zone: streak weeks are its calendar weeks.
    pub time_zone: chrono_tz::Tz,
}

fn kind_of(body: &FactBody) -> Option<FactKind> {
    Some(match body {
        FactBody::Win { .. } => FactKind::MicroProgression,
        FactBody::Recognition { .. } => FactKind::Recognition,
        FactBody::MilestoneCompleted { .. } => FactKind::MilestoneCompleted,
        FactBody::MicroPromotion => FactKind::MicroPromotion,
        _ => return None,
    })
}

impl Engine {
    pub fn new(defs: Vec<BadgeDef>) -> Engine {
        let mut index: HashMap<FactKind, Vec<(usize, Filter)>> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            for rule in d.tiers.values() {
                for f in rule.filters() {
                    let entry = index.entry(f.kind).or_default();
                    if !entry.iter().any(|(j, g)| *j == i && *g == f) {
                        entry.push((i, f));
                    }
                }
            }
        }
        Engine { defs, index, people: HashMap::new(), cursor: 0, time_zone: chrono_tz::Tz::UTC }
    }

    pub fn defs(&self) -> &[BadgeDef] {
        &self.defs
    }

    /// The badges an event of this shape can change (empty: nothing to keep).
    fn affected(&self, body: &FactBody, out: &mut BTreeSet<usize>) {
        let Some(kind) = kind_of(body) else { return };
        for (i, f) in self.index.get(&kind).into_iter().flatten() {
            if shape_matches(body, f) {
                out.insert(*i);
            }
        }
    }

    fn keep(&self, body: &FactBody) -> bool {
        kind_of(body).is_some_and(|k| self.index.get(&k).is_some_and(|fs| fs.iter().any(|(_, f)| shape_matches(body, f))))
    }

    /// Fold facts in (ledger order, after [`Engine::cursor`]). With `track`, returns
    /// who they touched and which badges to judge for each.
    pub fn apply(&mut self, facts: &[super::BadgeFact], track: bool) -> Touched {
        let mut touched = Touched::new();
        for f in facts {
            self.cursor = self.cursor.max(f.seq);
            let relevant = match &f.body {
                FactBody::Validation { .. } | FactBody::Reversal { .. } => self.people.contains_key(&f.subject),
                FactBody::Award { .. } => true,
                body => self.keep(body),
            };
            if !relevant {
                continue;
            }
            let index = &self.index;
            let p = self.people.entry(f.subject).or_default();
            let changed = p.apply(f, |b| kind_of(b).is_some_and(|k| index.get(&k).is_some_and(|fs| fs.iter().any(|(_, g)| shape_matches(b, g)))));
            if let (true, Some(i)) = (track, changed) {
                let body = p.items[i].body.clone();
                let entry = touched.entry(f.subject).or_insert_with(|| (BTreeSet::new(), f.recorded_at));
                entry.1 = entry.1.max(f.recorded_at);
                self.affected(&body, &mut entry.0);
            }
        }
        touched
    }

    /// The awards due for what the new events touched, each judged at the instant its
    /// subject's latest new event was recorded (never later, so a window that closed
    /// since cannot hide an award).
    pub fn due_touched(&self, touched: &Touched) -> Vec<Due> {
        let mut out = Vec::new();
        for (subject, (badges, at)) in touched {
            for &b in badges {
                self.due_one(*subject, b, *at, &mut out);
            }
        }
        out
    }

    /// The awards due for everyone and every badge at `at` (cold runs).
    pub fn due_all(&self, at: DateTime<Utc>) -> Vec<Due> {
        let mut out = Vec::new();
        let mut people: Vec<_> = self.people.keys().copied().collect();
        people.sort();
        for subject in people {
            for b in 0..self.defs.len() {
                self.due_one(subject, b, at, &mut out);
            }
        }
        out
    }

    fn due_one(&self, subject: PersonId, badge: usize, at: DateTime<Utc>, out: &mut Vec<Due>) {
        let Some(p) = self.people.get(&subject) else { return };
        let d = &self.defs[badge];
        for (tier, rule) in &d.tiers {
            if p.holds(&d.key, *tier) {
                continue;
            }
            if let Some(earned_by) = super::eval::evaluate_in(rule, p, at, self.time_zone) {
                out.push(Due { subject, badge: d.key.clone(), name: d.name.clone(), tier: *tier, earned_by, at, reason: rule.describe() });
            }
        }
    }

    /// Record that `subject` holds a tier now (after its award was appended).
    pub fn mark_held(&mut self, subject: PersonId, badge: &str, tier: Tier) {
        self.people.entry(subject).or_default().held.insert((badge.to_string(), tier));
    }

    /// How many people have any fact kept.
    pub fn people_count(&self) -> usize {
        self.people.len()
    }
}
