//! Recognition as evidence for readiness (docs/READINESS.md, "Recognition"): a
//! criterion `recognition: {distinct_givers: N, outside_team: true, within_months: M}`
//! counts the recognition in force that is tagged with the expectation's competency.
//! Breadth weighs more than repetition: each distinct giver counts once — a full point
//! from another team, half a point from the person's own team (nothing when the rule
//! asks for people outside the team) — and further recognition from the same giver
//! adds nothing. Whether giver and receiver were in one team is stamped on the event
//! when it is given (`payload.across_teams`); recognition without the stamp (imported
//! history) counts as from the same team.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Months, Utc};

use super::{Counted, RECENT_DAYS, RuleProgress};
use crate::event::{Event, EventBody};
use crate::framework::RecognitionRule;
use crate::{EventId, PersonId};

/// What a distinct giver from another team counts for.
pub const OTHER_TEAM_POINTS: f64 = 1.0;
/// What a distinct giver from the person's own team counts for (when allowed).
pub const SAME_TEAM_POINTS: f64 = 0.5;

/// A recognition in force as readiness sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Thanks {
    pub id: EventId,
    pub giver: PersonId,
    pub occurred_at: DateTime<Utc>,
    pub competencies: Vec<String>,
    /// Giver and receiver were in different teams when it was given.
    pub across_teams: bool,
    pub message: String,
}

/// The recognition in force among a subject's events: not reversed, from a person
/// other than the subject, not after `now`.
pub fn thanks(events: &[Event], now: DateTime<Utc>) -> Vec<Thanks> {
    let reversed: HashSet<EventId> = events.iter().filter_map(|e| if let EventBody::Reversal(r) = &e.body { Some(r.target) } else { None }).collect();
    events
        .iter()
        .filter(|e| !reversed.contains(&e.id) && e.occurred_at <= now)
        .filter_map(|e| match (&e.body, e.actor) {
            (EventBody::Recognition(r), Some(giver)) if giver != e.subject => Some(Thanks {
                id: e.id,
                giver,
                occurred_at: e.occurred_at,
                competencies: e.competencies.clone(),
                across_teams: r.across_teams.unwrap_or(false),
                message: r.message.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The points of one giver: breadth, not repetition.
pub fn giver_points(rule: &RecognitionRule, across_teams: bool) -> f64 {
    match (across_teams, rule.outside_team) {
        (true, _) => OTHER_TEAM_POINTS,
        (false, false) => SAME_TEAM_POINTS,
        (false, true) => 0.0,
    }
}

/// The start of the rule's window at `now`, if it has one.
pub fn since(rule: &RecognitionRule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    rule.within_months.map(|m| now.checked_sub_months(Months::new(m)).unwrap_or(DateTime::<Utc>::MIN_UTC))
}

/// Points of a set of (giver, across teams) pairs already filtered by competency and
/// window: each giver once, at their best (another team if any of theirs was).
pub fn points_of(rule: &RecognitionRule, gifts: impl IntoIterator<Item = (PersonId, bool)>) -> f64 {
    let mut best: BTreeMap<PersonId, bool> = BTreeMap::new();
    for (giver, across) in gifts {
        let b = best.entry(giver).or_insert(across);
        *b |= across;
    }
    best.values().map(|a| giver_points(rule, *a)).sum::<f64>() + 0.0
}

/// Check `rule` over the recognition tagged with `competency`. Each counted line is
/// one giver (their newest recognition), saying how many more recognitions from them
/// added nothing; givers who do not count (own team under `outside_team`) are listed
/// in `unvalidated` so the explanation can say why they did not count.
pub fn check_recognition(rule: &RecognitionRule, competency: &str, thanks: &[Thanks], now: DateTime<Utc>) -> RuleProgress {
    let since = since(rule, now);
    let recent_from = now - Duration::days(RECENT_DAYS);
    let mut by_giver: BTreeMap<PersonId, Vec<&Thanks>> = BTreeMap::new();
    for t in thanks {
        if t.competencies.iter().any(|c| c == competency) && since.is_none_or(|s| t.occurred_at >= s) {
            by_giver.entry(t.giver).or_default().push(t);
        }
    }
    let (mut counted, mut not_counted) = (Vec::new(), Vec::new());
    for gifts in by_giver.values() {
        // The giver's newest recognition from another team if any, else their newest.
        let across = gifts.iter().any(|t| t.across_teams);
        let Some(t) = gifts.iter().filter(|t| t.across_teams == across).max_by_key(|t| (t.occurred_at, t.id.0)) else { continue };
        let weight = giver_points(rule, across);
        let team = if across { "from another team" } else { "from their own team" };
        let repeats = gifts.len() - 1;
        let more = match repeats {
            0 => String::new(),
            1 => " (1 more from the same person adds nothing)".to_string(),
            n => format!(" ({n} more from the same person add nothing)"),
        };
        let c = Counted {
            id: t.id,
            title: format!("Recognition {team}: “{}”{more}", truncate(&t.message, 80)),
            occurred_at: t.occurred_at,
            validated: false,
            recent: t.occurred_at >= recent_from,
            weight,
        };
        if weight > 0.0 { counted.push(c) } else { not_counted.push(c) }
    }
    counted.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.0.cmp(&b.id.0)));
    not_counted.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.0.cmp(&b.id.0)));
    let points: f64 = counted.iter().map(|c| c.weight).sum::<f64>() + 0.0;
    let coverage = (points / f64::from(rule.distinct_givers.max(1))).min(1.0);
    RuleProgress { points, required: rule.distinct_givers, coverage, counted, unvalidated: not_counted }
}

/// What is missing, in words.
pub fn missing_text(rule: &RecognitionRule, p: &RuleProgress, name: &str) -> String {
    let left = f64::from(p.required) - p.points;
    let window = rule.within_months.map(|m| format!(" in the last {m} months")).unwrap_or_default();
    if rule.outside_team {
        let people = left.ceil() as u64;
        let who = if people == 1 { "1 more person".to_string() } else { format!("{people} more people") };
        format!("recognition for {name} from {who} outside your team{window}")
    } else {
        format!("{left:.2} more points of recognition for {name}{window} (a person from another team counts 1, from your own team 0.5; repeats add nothing)")
    }
}

/// At most `max` characters of `s`, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max).collect::<String>().trim_end()) }
}
