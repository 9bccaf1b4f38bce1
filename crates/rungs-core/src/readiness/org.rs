//! Organization-wide readiness: the score and the top gap of many people at once,
//! from one bulk read of the events readiness looks at ([`Fact`]s, read in ledger order
//! by `Store::readiness_facts`). The framework is compiled once into a plan (the
//! criteria toward each level, competencies interned as numbers, categories as bit
//! masks), so each person costs one pass of each criterion over their own wins and no
//! strings are built unless they have a gap. The answer is the one
//! [`readiness`](super::readiness) + [`recommend`](super::recommend) give — score,
//! checkable count and first-ranked gap — which a test checks on random ledgers
//! (`rungs_app::org_readiness`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Months, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{RECENT_DAYS, RuleProgress, missing_text, recognition, score, weight};
use crate::event::{Category, Event, EventBody, EventKind};
use crate::framework::{Criterion, EvidenceRule, Framework, Level, MilestoneModule, RecognitionRule};
use crate::person::Position;
use crate::{EventId, PersonId};

/// The kinds of event readiness reads: wins, their validations, reversals, milestone
/// completions and recognition (for recognition criteria). Nothing else changes a score.
pub const FACT_KINDS: [EventKind; 5] =
    [EventKind::MicroProgression, EventKind::Validation, EventKind::Reversal, EventKind::MilestoneCompleted, EventKind::Recognition];

/// One ledger event reduced to what readiness needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub seq: i64,
    pub id: EventId,
    pub subject: PersonId,
    pub occurred_at: DateTime<Utc>,
    pub body: FactBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FactBody {
    /// A micro-progression and the competencies it evidences.
    Win {
        category: Category,
        competencies: Vec<String>,
    },
    Validation {
        target: EventId,
    },
    /// A reversal of any event (a win, a validation, a completion, or another kind).
    Reversal {
        target: EventId,
    },
    MilestoneCompleted {
        track: String,
        milestone: String,
    },
    /// Recognition from `giver` (none when imported without one), with its
    /// competencies and whether it came from another team.
    Recognition {
        giver: Option<PersonId>,
        competencies: Vec<String>,
        across_teams: bool,
    },
}

impl Fact {
    /// The fact of an event, `None` for kinds readiness does not read ([`FACT_KINDS`]).
    pub fn from_event(e: &Event) -> Option<Fact> {
        let body = match &e.body {
            EventBody::MicroProgression(m) => FactBody::Win { category: m.category, competencies: e.competencies.clone() },
            EventBody::Validation(v) => FactBody::Validation { target: v.target },
            EventBody::Reversal(r) => FactBody::Reversal { target: r.target },
            EventBody::MilestoneCompleted(m) => FactBody::MilestoneCompleted { track: m.track.clone(), milestone: m.milestone.clone() },
            EventBody::Recognition(r) => {
                FactBody::Recognition { giver: e.actor, competencies: e.competencies.clone(), across_teams: r.across_teams.unwrap_or(false) }
            }
            _ => return None,
        };
        Some(Fact { seq: e.seq, id: e.id, subject: e.subject, occurred_at: e.occurred_at, body })
    }
}

/// The gap whose closing raises readiness most (rank 1 of `recommend`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Gap {
    pub competency: String,
    pub name: String,
    /// Coverage of its criterion now, 0–1.
    pub coverage: f64,
    /// Readiness points gained by closing it: `100 × (1 − coverage) / checkable`.
    pub gain: f64,
    /// What is missing, in words (as in the full readiness answer).
    pub missing: String,
}

/// A person's readiness in brief: the score toward the next level and the top gap.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Summary {
    /// `None` at the top of the track.
    pub next_level: Option<String>,
    pub next_title: Option<String>,
    /// 0–100, as in the full readiness answer.
    pub score: u8,
    /// Expectations with a criterion (the score's denominator).
    pub checkable: usize,
    /// `None` when nothing checkable is open.
    pub top_gap: Option<Gap>,
}

/// An evidence rule with its competencies and categories precomputed.
struct RulePlan<'a> {
    rule: &'a EvidenceRule,
    comps: Vec<u32>,
    /// Bit `c` set when category number `c` counts; all bits when the list is empty.
    categories: u8,
}

enum Check<'a> {
    Evidence(RulePlan<'a>),
    /// Index into the level's modules.
    Milestone(usize),
    /// A recognition rule and the competency's number.
    Recognition(&'a RecognitionRule, u32),
}

struct Item<'a> {
    competency: &'a str,
    name: &'a str,
    /// `None`: a person judges it, or it names a module outside this transition.
    check: Option<Check<'a>>,
}

struct LevelPlan<'a> {
    next: &'a Level,
    modules: Vec<(&'a MilestoneModule, RulePlan<'a>)>,
    items: Vec<Item<'a>>,
}

/// A win as the plan sees it.
struct WinFact {
    id: EventId,
    at: DateTime<Utc>,
    category: u8,
    /// Index into the interned competency sets.
    set: u32,
}

/// One person's facts, as they arrive.
#[derive(Default)]
struct Facts {
    wins: Vec<WinFact>,
    /// (validation id, target).
    validations: Vec<(EventId, EventId)>,
    reversed: Vec<EventId>,
    /// (completion id, track, module key).
    milestones: Vec<(EventId, String, String)>,
    thanks: Vec<ThanksFact>,
}

/// A recognition as the plan sees it.
struct ThanksFact {
    id: EventId,
    at: DateTime<Utc>,
    giver: PersonId,
    /// Index into the interned competency sets.
    set: u32,
    across_teams: bool,
}

/// The framework compiled for many people, and their facts. Build it with
/// [`OrgReadiness::new`], feed it with [`OrgReadiness::add`] (any order), then ask
/// [`OrgReadiness::summary`] for each person (from several threads if you like: it is
/// `Sync`).
pub struct OrgReadiness<'a> {
    fw: &'a Framework,
    competency_ids: HashMap<String, u32>,
    set_ids: HashMap<Vec<String>, u32>,
    sets: Vec<Vec<u32>>,
    levels: HashMap<(&'a str, &'a str), LevelPlan<'a>>,
    people: HashMap<PersonId, Facts>,
}

fn category_bit(c: Category) -> u8 {
    1 << Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

impl<'a> OrgReadiness<'a> {
    pub fn new(fw: &'a Framework) -> Self {
        let mut me =
            OrgReadiness { fw, competency_ids: HashMap::new(), set_ids: HashMap::new(), sets: Vec::new(), levels: HashMap::new(), people: HashMap::new() };
        for track in &fw.tracks {
            for pair in track.levels.windows(2) {
                let plan = me.level_plan(&track.key, &pair[1]);
                me.levels.insert((track.key.as_str(), pair[0].key.as_str()), plan);
            }
        }
        me
    }

    fn intern(&mut self, key: &str) -> u32 {
        let next = self.competency_ids.len() as u32;
        *self.competency_ids.entry(key.to_string()).or_insert(next)
    }

    fn rule_plan(&mut self, rule: &'a EvidenceRule, comps: &[String]) -> RulePlan<'a> {
        let categories = if rule.categories.is_empty() { u8::MAX } else { rule.categories.iter().fold(0, |m, c| m | category_bit(*c)) };
        RulePlan { rule, comps: comps.iter().map(|c| self.intern(c)).collect(), categories }
    }

    fn level_plan(&mut self, track: &'a str, next: &'a Level) -> LevelPlan<'a> {
        let fw = self.fw;
        let modules: Vec<_> = fw.milestones_into(track, &next.key).map(|m| (m, self.rule_plan(&m.criterion, &m.competencies))).collect();
        let mut items = Vec::new();
        for x in fw.expectations_for(track, &next.key) {
            let check = match &x.criterion {
                Some(Criterion::Evidence(rule)) => Some(Check::Evidence(self.rule_plan(rule, std::slice::from_ref(&x.competency)))),
                Some(Criterion::Milestone(k)) => modules.iter().position(|(m, _)| &m.key == k).map(Check::Milestone),
                Some(Criterion::Recognition(rule)) => Some(Check::Recognition(rule, self.intern(&x.competency))),
                None => None,
            };
            let name = fw.competency(&x.competency).map_or(x.competency.as_str(), |c| c.name.as_str());
            items.push(Item { competency: &x.competency, name, check });
        }
        LevelPlan { next, modules, items }
    }

    fn set_of(&mut self, competencies: Vec<String>) -> u32 {
        match self.set_ids.get(competencies.as_slice()) {
            Some(&s) => s,
            None => {
                let ids = competencies.iter().map(|c| self.intern(c)).collect();
                let s = self.sets.len() as u32;
                self.sets.push(ids);
                self.set_ids.insert(competencies, s);
                s
            }
        }
    }

    /// Take in one fact.
    pub fn add(&mut self, fact: Fact) {
        let body = match fact.body {
            FactBody::Win { category, competencies } => {
                let set = self.set_of(competencies);
                let facts = self.people.entry(fact.subject).or_default();
                facts.wins.push(WinFact { id: fact.id, at: fact.occurred_at, category: category_bit(category), set });
                return;
            }
            FactBody::Recognition { giver, competencies, across_teams } => {
                // Readiness counts recognition from someone else only (as `thanks`).
                let Some(giver) = giver.filter(|g| *g != fact.subject) else { return };
                let set = self.set_of(competencies);
                let facts = self.people.entry(fact.subject).or_default();
                facts.thanks.push(ThanksFact { id: fact.id, at: fact.occurred_at, giver, set, across_teams });
                return;
            }
            other => other,
        };
        let facts = self.people.entry(fact.subject).or_default();
        match body {
            FactBody::Validation { target } => facts.validations.push((fact.id, target)),
            FactBody::Reversal { target } => facts.reversed.push(target),
            FactBody::MilestoneCompleted { track, milestone } => facts.milestones.push((fact.id, track, milestone)),
            FactBody::Win { .. } | FactBody::Recognition { .. } => {}
        }
    }

    /// Take in one event, if readiness reads its kind.
    pub fn add_event(&mut self, e: &Event) {
        if let Some(f) = Fact::from_event(e) {
            self.add(f);
        }
    }

    /// Everyone who has at least one fact.
    pub fn people(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.people.keys().copied()
    }

    /// Readiness in brief of `person` at `position`, at `now`.
    pub fn summary(&self, person: PersonId, position: &Position, now: DateTime<Utc>) -> Summary {
        let Some(plan) = self.levels.get(&(position.track.as_str(), position.level.as_str())) else {
            // Top of the track, or a position the framework does not know: as `readiness`.
            return Summary { next_level: None, next_title: None, score: 100, checkable: 0, top_gap: None };
        };
        let empty = Facts::default();
        let f = self.people.get(&person).unwrap_or(&empty);
        let reversed: HashSet<EventId> = f.reversed.iter().copied().collect();
        let validated: HashSet<EventId> = f.validations.iter().filter(|(id, _)| !reversed.contains(id)).map(|(_, t)| *t).collect();
        let wins: Vec<(&WinFact, bool)> = f.wins.iter().filter(|w| !reversed.contains(&w.id) && w.at <= now).map(|w| (w, validated.contains(&w.id))).collect();
        let recorded: HashSet<&str> =
            f.milestones.iter().filter(|(id, track, _)| !reversed.contains(id) && *track == position.track).map(|(_, _, k)| k.as_str()).collect();
        let recent_from = now - Duration::days(RECENT_DAYS);
        let points = |r: &RulePlan<'_>| {
            let since = r.rule.within_months.map(|m| now.checked_sub_months(Months::new(m)).unwrap_or(DateTime::<Utc>::MIN_UTC));
            let mut points = 0.0;
            for (w, validated) in &wins {
                if r.categories & w.category == 0
                    || since.is_some_and(|s| w.at < s)
                    || (r.rule.validated_only && !validated)
                    || !self.sets[w.set as usize].iter().any(|c| r.comps.contains(c))
                {
                    continue;
                }
                points += weight(*validated, w.at >= recent_from);
            }
            points
        };
        let coverage = |points: f64, r: &RulePlan<'_>| (points / f64::from(r.rule.min_events.max(1))).min(1.0);
        let modules: Vec<(f64, f64)> = plan
            .modules
            .iter()
            .map(|(m, r)| {
                let p = points(r);
                (p, if recorded.contains(m.key.as_str()) { 1.0 } else { coverage(p, r) })
            })
            .collect();
        let (mut sum, mut n) = (0.0, 0usize);
        // (item, points, coverage) of each checkable item.
        let mut open = Vec::new();
        for item in &plan.items {
            let (p, c) = match &item.check {
                Some(Check::Evidence(r)) => {
                    let p = points(r);
                    (p, coverage(p, r))
                }
                Some(Check::Milestone(i)) => modules[*i],
                Some(Check::Recognition(rule, comp)) => {
                    let since = recognition::since(rule, now);
                    let gifts = f
                        .thanks
                        .iter()
                        .filter(|t| !reversed.contains(&t.id) && t.at <= now && since.is_none_or(|s| t.at >= s) && self.sets[t.set as usize].contains(comp))
                        .map(|t| (t.giver, t.across_teams));
                    let p = recognition::points_of(rule, gifts);
                    (p, (p / f64::from(rule.distinct_givers.max(1))).min(1.0))
                }
                None => continue,
            };
            sum += c;
            n += 1;
            if c < 1.0 {
                open.push((item, p, c));
            }
        }
        // Rank as `recommend` does: largest gain first, then competency key.
        let gain = |c: f64| 100.0 * (1.0 - c) / n as f64;
        let top = open.into_iter().min_by(|a, b| gain(b.2).total_cmp(&gain(a.2)).then_with(|| a.0.competency.cmp(b.0.competency)));
        let top_gap = top.map(|(item, p, c)| Gap {
            competency: item.competency.to_string(),
            name: item.name.to_string(),
            coverage: c,
            gain: gain(c),
            missing: match &item.check {
                Some(Check::Evidence(r)) => {
                    let progress = RuleProgress { points: p, required: r.rule.min_events, coverage: c, counted: vec![], unvalidated: vec![] };
                    missing_text(r.rule, &progress, item.name)
                }
                Some(Check::Milestone(i)) => format!("complete the milestone “{}”", plan.modules[*i].0.title),
                Some(Check::Recognition(rule, _)) => {
                    let progress = RuleProgress { points: p, required: rule.distinct_givers, coverage: c, counted: vec![], unvalidated: vec![] };
                    recognition::missing_text(rule, &progress, item.name)
                }
                None => String::new(),
            },
        });
        Summary { next_level: Some(plan.next.key.clone()), next_title: Some(plan.next.title.clone()), score: score(sum, n), checkable: n, top_gap }
    }
}
