//! The facts badge rules read (each event reduced to what a leaf can ask of it), a
//! person's facts folded for evaluation (reversals applied, validations counted), and
//! [`evaluate`]: is a rule met at an instant, and by which events.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, Utc};

use super::{FactKind, Filter, MAX_EARNED_BY, Rule, Tier};
use crate::event::{Category, Magnitude};
use crate::{EventId, PersonId};

/// One ledger event as badge rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct BadgeFact {
    pub seq: i64,
    pub id: EventId,
    pub subject: PersonId,
    pub actor: Option<PersonId>,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub body: FactBody,
}

/// The part of an event a rule can ask about.
#[derive(Debug, Clone, PartialEq)]
pub enum FactBody {
    Win {
        category: Category,
        magnitude: Magnitude,
        competencies: Vec<String>,
    },
    Recognition {
        points: u32,
        competencies: Vec<String>,
    },
    MilestoneCompleted {
        milestone: String,
    },
    MicroPromotion,
    Validation {
        target: EventId,
    },
    Reversal {
        target: EventId,
    },
    /// A badge already held (its tier slot taken, whether by the rule or by hand).
    Award {
        badge: String,
        tier: Tier,
    },
}

/// An event that can count toward a leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: EventId,
    pub occurred_at: DateTime<Utc>,
    pub actor: Option<PersonId>,
    pub body: FactBody,
    /// Validations in force.
    pub validations: u32,
    pub reversed: bool,
}

impl Item {
    /// Does this event have the shape the filter asks for (validation aside)?
    pub fn has_shape(&self, f: &Filter) -> bool {
        shape_matches(&self.body, f)
    }

    fn matches(&self, f: &Filter) -> bool {
        !self.reversed && self.has_shape(f) && (!f.validated || self.validations > 0)
    }
}

/// Does an event body have the shape a filter asks for (ignoring validation)?
pub fn shape_matches(body: &FactBody, f: &Filter) -> bool {
    match body {
        FactBody::Win { category, magnitude, competencies } => {
            f.kind == FactKind::MicroProgression
                && f.category.is_none_or(|c| c == *category)
                && f.magnitude.is_none_or(|m| m == *magnitude)
                && f.competency.as_ref().is_none_or(|c| competencies.contains(c))
        }
        FactBody::Recognition { competencies, .. } => f.kind == FactKind::Recognition && f.competency.as_ref().is_none_or(|c| competencies.contains(c)),
        FactBody::MilestoneCompleted { .. } => f.kind == FactKind::MilestoneCompleted,
        FactBody::MicroPromotion => f.kind == FactKind::MicroPromotion,
        _ => false,
    }
}

/// One person's facts, folded: the events rules can count (reversals and validations
/// applied to them) and the badge tiers they hold.
#[derive(Debug, Clone, Default)]
pub struct PersonFacts {
    pub items: Vec<Item>,
    index: HashMap<EventId, usize>,
    /// Validation id → the item it validates (to undo a reversed validation).
    validations: HashMap<EventId, usize>,
    pub held: BTreeSet<(String, Tier)>,
}

impl PersonFacts {
    /// Fold one fact in; `keep` says whether an event is worth keeping (some rule can
    /// count it). Returns the item it added or changed, if any.
    pub fn apply(&mut self, f: &BadgeFact, keep: impl Fn(&FactBody) -> bool) -> Option<usize> {
        match &f.body {
            FactBody::Validation { target } => {
                let i = *self.index.get(target)?;
                self.validations.insert(f.id, i);
                self.items[i].validations += 1;
                Some(i)
            }
            FactBody::Reversal { target } => {
                if let Some(i) = self.validations.remove(target) {
                    self.items[i].validations = self.items[i].validations.saturating_sub(1);
                    return Some(i);
                }
                let i = *self.index.get(target)?;
                self.items[i].reversed = true;
                Some(i)
            }
            FactBody::Award { badge, tier } => {
                // A reversed award keeps its slot: the event key is taken for good.
                self.held.insert((badge.clone(), *tier));
                None
            }
            body => {
                if !keep(body) || self.index.contains_key(&f.id) {
                    return None;
                }
                self.index.insert(f.id, self.items.len());
                self.items.push(Item { id: f.id, occurred_at: f.occurred_at, actor: f.actor, body: f.body.clone(), validations: 0, reversed: false });
                Some(self.items.len() - 1)
            }
        }
    }

    pub fn holds(&self, badge: &str, tier: Tier) -> bool {
        self.held.iter().any(|(b, t)| b == badge && *t == tier)
    }
}

/// Is `rule` met at `at` by these facts? `Some(events)` when it is, with the events that
/// meet it (at most [`MAX_EARNED_BY`], oldest first).
pub fn evaluate(rule: &Rule, p: &PersonFacts, at: DateTime<Utc>) -> Option<Vec<EventId>> {
    evaluate_in(rule, p, at, chrono_tz::Tz::UTC)
}

/// [`evaluate`] with streak weeks as calendar weeks (Monday to Sunday) in the
/// organization's time zone `tz`.
pub fn evaluate_in(rule: &Rule, p: &PersonFacts, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<Vec<EventId>> {
    let mut ids = eval(rule, p, at, tz)?;
    let mut seen = HashSet::new();
    ids.retain(|i| seen.insert(*i));
    ids.truncate(MAX_EARNED_BY);
    Some(ids)
}

fn in_window(it: &Item, at: DateTime<Utc>, days: Option<u32>) -> bool {
    it.occurred_at <= at && days.is_none_or(|d| it.occurred_at > at - Duration::days(i64::from(d)))
}

/// Items matching, in ledger order, within the window.
fn matching<'a>(p: &'a PersonFacts, f: &'a Filter, at: DateTime<Utc>, days: Option<u32>) -> impl Iterator<Item = &'a Item> + 'a {
    p.items.iter().filter(move |it| it.matches(f) && in_window(it, at, days))
}

fn by_time(mut items: Vec<&Item>) -> Vec<&Item> {
    items.sort_by_key(|it| it.occurred_at);
    items
}

fn eval(rule: &Rule, p: &PersonFacts, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<Vec<EventId>> {
    match rule {
        Rule::Count { filter, within_days, at_least } => {
            let found = by_time(matching(p, filter, at, *within_days).collect());
            let n = *at_least as usize;
            // The most recent `n`: the ones that make it true now.
            (found.len() >= n).then(|| found[found.len() - n..].iter().map(|it| it.id).collect())
        }
        Rule::First(filter) => by_time(matching(p, filter, at, None).collect()).first().map(|it| vec![it.id]),
        Rule::Milestone { key } => {
            let f = Filter { kind: FactKind::MilestoneCompleted, category: None, magnitude: None, competency: None, validated: false };
            let hit = by_time(
                matching(p, &f, at, None)
                    .filter(|it| match (&it.body, key) {
                        (FactBody::MilestoneCompleted { milestone }, Some(k)) => milestone == k,
                        _ => true,
                    })
                    .collect(),
            );
            hit.first().map(|it| vec![it.id])
        }
        Rule::Streak { filter, weeks } => {
            // Weeks since the Monday before the epoch (1970-01-01 was a Thursday), one
            // event per week; the day is the organization's (its time zone).
            let mut by_week: std::collections::BTreeMap<i64, EventId> = std::collections::BTreeMap::new();
            for it in by_time(matching(p, filter, at, None).collect()) {
                let d = it.occurred_at.with_timezone(&tz).date_naive();
                let week = (i64::from(d.num_days_from_ce()) - 719_163 + 3).div_euclid(7);
                by_week.entry(week).or_insert(it.id);
            }
            let (mut run, mut prev, mut best): (Vec<EventId>, Option<i64>, Option<Vec<EventId>>) = (vec![], None, None);
            for (w, id) in by_week {
                if prev.is_some_and(|p| p + 1 == w) {
                    run.push(id);
                } else {
                    run = vec![id];
                }
                prev = Some(w);
                if run.len() >= *weeks as usize {
                    best = Some(run[run.len() - *weeks as usize..].to_vec());
                }
            }
            best
        }
        Rule::PointsReceived { competency, within_days, at_least } => {
            let f = recognition(competency);
            let mut sum = 0u64;
            let mut ids = vec![];
            // Newest first until the sum is reached: the points that make it true now.
            for it in by_time(matching(p, &f, at, *within_days).collect()).into_iter().rev() {
                if let FactBody::Recognition { points, .. } = it.body
                    && points > 0
                {
                    sum += u64::from(points);
                    ids.push(it.id);
                    if sum >= u64::from(*at_least) {
                        ids.reverse();
                        return Some(ids);
                    }
                }
            }
            None
        }
        Rule::DistinctGivers { competency, within_days, at_least } => {
            let f = recognition(competency);
            let mut givers = HashSet::new();
            let mut ids = vec![];
            for it in by_time(matching(p, &f, at, *within_days).collect()).into_iter().rev() {
                if let Some(a) = it.actor
                    && givers.insert(a)
                {
                    ids.push(it.id);
                    if givers.len() >= *at_least as usize {
                        ids.reverse();
                        return Some(ids);
                    }
                }
            }
            None
        }
        Rule::All(rs) => {
            let mut ids = vec![];
            for r in rs {
                ids.extend(eval(r, p, at, tz)?);
            }
            Some(ids)
        }
        Rule::Any(rs) => rs.iter().find_map(|r| eval(r, p, at, tz)),
        Rule::NOf { n, of } => {
            let met: Vec<Vec<EventId>> = of.iter().filter_map(|r| eval(r, p, at, tz)).take(*n as usize).collect();
            (met.len() >= *n as usize).then(|| met.concat())
        }
    }
}

fn recognition(competency: &Option<String>) -> Filter {
    Filter { kind: FactKind::Recognition, category: None, magnitude: None, competency: competency.clone(), validated: false }
}
