//! Readiness toward the next level, milestone progress, and the ranked next steps.
//! Pure and deterministic: the same events, framework and `now` give the same answer.
//! The formula is documented in docs/READINESS.md and pinned by `tests.rs`.

pub mod org;
pub mod recognition;
mod recommend;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Months, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::EventId;
use crate::event::{Category, Event, EventBody};
use crate::framework::{Criterion, EvidenceRule, Framework, MilestoneModule};
use crate::person::Position;

pub use recommend::{Recommendation, recommend};

/// A win counts as recent when it happened this many days before `now` or later.
pub const RECENT_DAYS: i64 = 90;
/// Weight of a plain win, and what validation and recency add to it.
pub const BASE_WEIGHT: f64 = 1.0;
pub const VALIDATED_BONUS: f64 = 0.5;
pub const RECENT_BONUS: f64 = 0.25;

/// A micro-progression (or a micro-promotion naming competencies) as readiness sees
/// it: in force (not reversed), with whether a validation in force confirms it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Win {
    pub id: EventId,
    pub title: String,
    pub category: Category,
    pub occurred_at: DateTime<Utc>,
    pub competencies: Vec<String>,
    pub validated: bool,
}

/// The wins in force among a subject's events: reversed wins and reversed validations
/// do not count, nor do events after `now`.
pub fn wins(events: &[Event], now: DateTime<Utc>) -> Vec<Win> {
    let reversed: HashSet<EventId> = events.iter().filter_map(|e| if let EventBody::Reversal(r) = &e.body { Some(r.target) } else { None }).collect();
    let validated: HashSet<EventId> = events
        .iter()
        .filter(|e| !reversed.contains(&e.id))
        .filter_map(|e| if let EventBody::Validation(v) = &e.body { Some(v.target) } else { None })
        .collect();
    events
        .iter()
        .filter(|e| !reversed.contains(&e.id) && e.occurred_at <= now)
        .filter_map(|e| match &e.body {
            EventBody::MicroProgression(m) => Some(Win {
                id: e.id,
                title: m.title.clone(),
                category: m.category,
                occurred_at: e.occurred_at,
                competencies: e.competencies.clone(),
                validated: validated.contains(&e.id),
            }),
            // An approved micro-promotion (a proposal that went through its route) is
            // evidence of the competencies it names: a validated responsibility win.
            EventBody::MicroPromotion(m) if !e.competencies.is_empty() => Some(Win {
                id: e.id,
                title: format!("Micro-promotion: {}", m.scope),
                category: Category::Responsibility,
                occurred_at: e.occurred_at,
                competencies: e.competencies.clone(),
                validated: true,
            }),
            _ => None,
        })
        .collect()
}

/// One win that counted toward a criterion, and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Counted {
    pub id: EventId,
    pub title: String,
    pub occurred_at: DateTime<Utc>,
    pub validated: bool,
    pub recent: bool,
    pub weight: f64,
}

/// How far a rule is met: the counted wins, their points and the coverage (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RuleProgress {
    pub points: f64,
    pub required: u32,
    /// `min(1, points / required)`.
    pub coverage: f64,
    pub counted: Vec<Counted>,
    /// Wins that would count if they were validated (only under `validated_only`).
    pub unvalidated: Vec<Counted>,
}

impl RuleProgress {
    pub fn met(&self) -> bool {
        self.coverage >= 1.0
    }
}

/// Weight of one win: 1, +0.5 if validated, +0.25 if recent.
pub fn weight(validated: bool, recent: bool) -> f64 {
    BASE_WEIGHT + if validated { VALIDATED_BONUS } else { 0.0 } + if recent { RECENT_BONUS } else { 0.0 }
}

/// Check `rule` over the wins evidencing any of `competencies`.
pub fn check_rule(rule: &EvidenceRule, competencies: &[String], wins: &[Win], now: DateTime<Utc>) -> RuleProgress {
    let since = rule.within_months.map(|m| now.checked_sub_months(Months::new(m)).unwrap_or(DateTime::<Utc>::MIN_UTC));
    let recent_from = now - Duration::days(RECENT_DAYS);
    let (mut counted, mut unvalidated) = (Vec::new(), Vec::new());
    for w in wins {
        let evidences = w.competencies.iter().any(|c| competencies.contains(c));
        let category_ok = rule.categories.is_empty() || rule.categories.contains(&w.category);
        let in_window = since.is_none_or(|s| w.occurred_at >= s);
        if !(evidences && category_ok && in_window) {
            continue;
        }
        let recent = w.occurred_at >= recent_from;
        let c = Counted { id: w.id, title: w.title.clone(), occurred_at: w.occurred_at, validated: w.validated, recent, weight: weight(w.validated, recent) };
        if rule.validated_only && !w.validated {
            unvalidated.push(c);
        } else {
            counted.push(c);
        }
    }
    counted.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.0.cmp(&b.id.0)));
    // `+ 0.0`: an empty f64 sum is -0.0, which would print as "-0.00".
    let points: f64 = counted.iter().map(|c| c.weight).sum::<f64>() + 0.0;
    let coverage = (points / f64::from(rule.min_events.max(1))).min(1.0);
    RuleProgress { points, required: rule.min_events, coverage, counted, unvalidated }
}

/// A milestone module of the next transition and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MilestoneProgress {
    pub key: String,
    pub title: String,
    pub competencies: Vec<String>,
    pub rule: EvidenceRule,
    /// Its rule is met now, or its completion is on the ledger.
    pub complete: bool,
    /// A `milestone_completed` event in force records it: it stays complete even
    /// when its wins later leave the rule's window.
    pub recorded: bool,
    pub progress: RuleProgress,
}

/// Progress of one module; `recorded` when the ledger already says it is complete
/// (its coverage is then 1).
pub fn milestone_progress(m: &MilestoneModule, wins: &[Win], now: DateTime<Utc>, recorded: bool) -> MilestoneProgress {
    let mut progress = check_rule(&m.criterion, &m.competencies, wins, now);
    if recorded {
        progress.coverage = 1.0;
    }
    MilestoneProgress {
        key: m.key.clone(),
        title: m.title.clone(),
        competencies: m.competencies.clone(),
        rule: m.criterion.clone(),
        complete: progress.met(),
        recorded,
        progress,
    }
}

/// Keys of the modules of `track` whose completion is on the ledger (in force).
pub fn recorded_milestones(events: &[Event], track: &str) -> HashSet<String> {
    let reversed: HashSet<EventId> = events.iter().filter_map(|e| if let EventBody::Reversal(r) = &e.body { Some(r.target) } else { None }).collect();
    events
        .iter()
        .filter(|e| !reversed.contains(&e.id))
        .filter_map(|e| match &e.body {
            EventBody::MilestoneCompleted(m) if m.track == track => Some(m.milestone.clone()),
            _ => None,
        })
        .collect()
}

/// One competency's expectation at the next level and how far it is covered.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompetencyReadiness {
    pub competency: String,
    pub name: String,
    pub category: String,
    /// The expectation in the ladder's words.
    pub expectation: String,
    /// `None` when a person judges it: it does not count toward the score.
    pub criterion: Option<Criterion>,
    /// 0–1; `None` for an expectation without a criterion.
    pub coverage: Option<f64>,
    pub progress: Option<RuleProgress>,
    /// What is still missing, in words; `None` when met or not checkable.
    pub missing: Option<String>,
}

/// Readiness of one person for the next level of their track.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Readiness {
    pub track: String,
    pub level: String,
    /// `None` at the top of the track: there is no next level.
    pub next_level: Option<String>,
    pub next_title: Option<String>,
    /// 0–100: the mean coverage of the checkable expectations, rounded.
    pub score: u8,
    /// Expectations with a criterion (the score's denominator).
    pub checkable: usize,
    pub competencies: Vec<CompetencyReadiness>,
    pub milestones: Vec<MilestoneProgress>,
}

/// Compute readiness for someone at `position`, from their events, under `fw`.
pub fn readiness(fw: &Framework, position: &Position, events: &[Event], now: DateTime<Utc>) -> Readiness {
    readiness_toward(fw, position, fw.next_level(&position.track, &position.level), events, now)
}

/// Readiness for `target`, a level of the person's track (the next one for
/// [`readiness`]; any level for a promotion packet). `None` means the top of the track.
pub fn readiness_toward(fw: &Framework, position: &Position, target: Option<&crate::framework::Level>, events: &[Event], now: DateTime<Utc>) -> Readiness {
    let wins = wins(events, now);
    let thanks = recognition::thanks(events, now);
    let next = target;
    let mut out = Readiness {
        track: position.track.clone(),
        level: position.level.clone(),
        next_level: next.map(|l| l.key.clone()),
        next_title: next.map(|l| l.title.clone()),
        score: 100,
        checkable: 0,
        competencies: Vec::new(),
        milestones: Vec::new(),
    };
    let Some(next) = next else { return out };
    let recorded = recorded_milestones(events, &position.track);
    out.milestones = fw.milestones_into(&position.track, &next.key).map(|m| milestone_progress(m, &wins, now, recorded.contains(&m.key))).collect();
    let by_key: HashMap<&str, &MilestoneProgress> = out.milestones.iter().map(|m| (m.key.as_str(), m)).collect();
    let mut sum = 0.0;
    for x in fw.expectations_for(&position.track, &next.key) {
        let comp = fw.competency(&x.competency);
        let name = comp.map_or_else(|| x.competency.clone(), |c| c.name.clone());
        let (progress, missing) = match &x.criterion {
            Some(Criterion::Evidence(rule)) => {
                let p = check_rule(rule, std::slice::from_ref(&x.competency), &wins, now);
                let m = (!p.met()).then(|| missing_text(rule, &p, &name));
                (Some(p), m)
            }
            Some(Criterion::Milestone(k)) => match by_key.get(k.as_str()) {
                Some(m) => (Some(m.progress.clone()), (!m.complete).then(|| format!("complete the milestone “{}”", m.title))),
                None => (None, None),
            },
            Some(Criterion::Recognition(rule)) => {
                let p = recognition::check_recognition(rule, &x.competency, &thanks, now);
                let m = (!p.met()).then(|| recognition::missing_text(rule, &p, &name));
                (Some(p), m)
            }
            None => (None, None),
        };
        let coverage = progress.as_ref().map(|p| p.coverage);
        if let Some(c) = coverage {
            sum += c;
            out.checkable += 1;
        }
        out.competencies.push(CompetencyReadiness {
            competency: x.competency.clone(),
            name,
            category: comp.map(|c| c.category.clone()).unwrap_or_default(),
            expectation: x.text.clone(),
            criterion: x.criterion.clone(),
            coverage,
            progress,
            missing,
        });
    }
    out.score = score(sum, out.checkable);
    out
}

/// `round(100 × sum / n)`, half away from zero; 100 when nothing is checkable.
pub fn score(sum_coverage: f64, n: usize) -> u8 {
    if n == 0 {
        return 100;
    }
    (100.0 * sum_coverage / n as f64).round().clamp(0.0, 100.0) as u8
}

fn categories_text(rule: &EvidenceRule) -> String {
    if rule.categories.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = rule.categories.iter().map(|c| crate::event::category_label(*c)).collect();
    format!(" ({})", names.join(" or "))
}

fn missing_text(rule: &EvidenceRule, p: &RuleProgress, name: &str) -> String {
    let left = f64::from(p.required) - p.points;
    let window = rule.within_months.map(|m| format!(" in the last {m} months")).unwrap_or_default();
    let validated = if rule.validated_only { "validated " } else { "" };
    format!("{left:.2} more points of {validated}wins{} evidencing {name}{window}", categories_text(rule))
}
