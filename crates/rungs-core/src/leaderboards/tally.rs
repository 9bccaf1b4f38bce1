//! The ledger folded for leaderboards (wins with their validations, recognition with
//! its giver and receiver, reversals applied) and the scores computed from it. Fed
//! the same facts as the badge evaluator (`badges::BadgeFact`), in seq order, so the
//! job keeps one per organization and folds only what was appended since its last
//! run; facts older than the previous year (the oldest period a board compares to)
//! are dropped.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{Board, MAX_EVENTS, PeriodKind, Score};
use crate::badges::{BadgeFact, FactBody};
use crate::{EventId, PersonId};

/// A person as the boards see them: their team, and whether they may be ranked (the
/// access table: not after leaving).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub department: Option<String>,
    pub manager: Option<PersonId>,
    pub ranked: bool,
}

#[derive(Debug, Clone)]
struct Win {
    subject: PersonId,
    occurred_at: DateTime<Utc>,
    validations: u32,
    reversed: bool,
}

#[derive(Debug, Clone)]
struct Gift {
    giver: PersonId,
    receiver: PersonId,
    occurred_at: DateTime<Utc>,
    reversed: bool,
}

/// The folded ledger.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The last ledger seq folded in.
    pub cursor: i64,
    wins: HashMap<EventId, Win>,
    gifts: HashMap<EventId, Gift>,
    /// Validation id → the win it validates (a reversed validation unvalidates).
    validations: HashMap<EventId, EventId>,
}

/// Do two people share a team: the same manager, or one manages the other?
fn same_team(a: PersonId, b: PersonId, members: &HashMap<PersonId, Member>) -> bool {
    let (ma, mb) = (members.get(&a).and_then(|m| m.manager), members.get(&b).and_then(|m| m.manager));
    (ma.is_some() && ma == mb) || ma == Some(b) || mb == Some(a)
}

/// The Monday (local date) of the week `t` falls in.
fn week_of(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let d = t.with_timezone(&tz).date_naive();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The longest run of consecutive weeks in `weeks`, and where it ends.
fn longest_run(weeks: &BTreeSet<NaiveDate>) -> (i64, Option<NaiveDate>) {
    let (mut best, mut best_end, mut run, mut last): (i64, Option<NaiveDate>, i64, Option<NaiveDate>) = (0, None, 0, None);
    for w in weeks {
        run = if last.is_some_and(|l| *w - l == Duration::days(7)) { run + 1 } else { 1 };
        if run > best {
            best = run;
            best_end = Some(*w);
        }
        last = Some(*w);
    }
    (best, best_end)
}

#[derive(Default)]
struct Acc {
    /// Validated wins (occurred_at, id), this period and the one before.
    validated: [Vec<(DateTime<Utc>, EventId)>; 2],
    /// Every win in force this period.
    wins: Vec<(DateTime<Utc>, EventId)>,
    weeks: [BTreeSet<NaiveDate>; 2],
    receivers: [HashSet<PersonId>; 2],
    /// Recognition given this period (occurred_at, id, receiver).
    gifts: Vec<(DateTime<Utc>, EventId, PersonId)>,
}

fn newest(mut v: Vec<(DateTime<Utc>, EventId)>) -> Vec<EventId> {
    v.sort_by(|a, b| b.cmp(a));
    v.into_iter().take(MAX_EVENTS).map(|(_, id)| id).collect()
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Fold facts in (seq order, after the cursor).
    pub fn apply(&mut self, facts: &[BadgeFact]) {
        for f in facts {
            self.cursor = self.cursor.max(f.seq);
            match &f.body {
                FactBody::Win { .. } => {
                    self.wins.entry(f.id).or_insert(Win { subject: f.subject, occurred_at: f.occurred_at, validations: 0, reversed: false });
                }
                FactBody::Recognition { .. } => {
                    if let Some(giver) = f.actor {
                        self.gifts.entry(f.id).or_insert(Gift { giver, receiver: f.subject, occurred_at: f.occurred_at, reversed: false });
                    }
                }
                FactBody::Validation { target } => {
                    if let Some(w) = self.wins.get_mut(target) {
                        w.validations += 1;
                        self.validations.insert(f.id, *target);
                    }
                }
                FactBody::Reversal { target } => {
                    if let Some(win) = self.validations.remove(target) {
                        if let Some(w) = self.wins.get_mut(&win) {
                            w.validations = w.validations.saturating_sub(1);
                        }
                    } else if let Some(w) = self.wins.get_mut(target) {
                        w.reversed = true;
                    } else if let Some(g) = self.gifts.get_mut(target) {
                        g.reversed = true;
                    }
                }
                _ => {}
            }
        }
    }

    /// Events kept (wins and recognition).
    pub fn len(&self) -> usize {
        self.wins.len() + self.gifts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget what no board can count any more: events before `before` (the start
    /// of the previous year), and reversed ones.
    pub fn prune(&mut self, before: DateTime<Utc>) {
        self.wins.retain(|_, w| !w.reversed && w.occurred_at >= before);
        self.gifts.retain(|_, g| !g.reversed && g.occurred_at >= before);
        let wins = &self.wins;
        self.validations.retain(|_, w| wins.contains_key(w));
    }

    /// Every score of every board for the periods `now` falls in, for the people
    /// `members` says may be ranked; only scores above zero.
    pub fn scores(&self, members: &HashMap<PersonId, Member>, now: DateTime<Utc>, tz: Tz) -> Vec<Score> {
        let mut out = vec![];
        for period in PeriodKind::ALL {
            let (cur, prev) = period.window(now, tz);
            let slot = |t: DateTime<Utc>| {
                if cur.contains(t) {
                    Some(0)
                } else if prev.contains(t) {
                    Some(1)
                } else {
                    None
                }
            };
            let mut acc: HashMap<PersonId, Acc> = HashMap::new();
            for (id, w) in &self.wins {
                let Some(i) = slot(w.occurred_at).filter(|_| !w.reversed) else { continue };
                let a = acc.entry(w.subject).or_default();
                if w.validations > 0 {
                    a.validated[i].push((w.occurred_at, *id));
                }
                a.weeks[i].insert(week_of(w.occurred_at, tz));
                if i == 0 {
                    a.wins.push((w.occurred_at, *id));
                }
            }
            for (id, g) in &self.gifts {
                let Some(i) = slot(g.occurred_at).filter(|_| !g.reversed) else { continue };
                let a = acc.entry(g.giver).or_default();
                a.receivers[i].insert(g.receiver);
                if i == 0 {
                    a.gifts.push((g.occurred_at, *id, g.receiver));
                }
            }
            for (person, a) in acc {
                let Some(m) = members.get(&person).filter(|m| m.ranked) else { continue };
                let row = |board: Board, value: i64, previous: i64, extra: i64, events: Vec<EventId>| Score {
                    board,
                    period,
                    person,
                    value,
                    previous,
                    extra,
                    department: m.department.clone(),
                    manager: m.manager,
                    window: cur,
                    events,
                };
                let (now_v, prev_v) = (a.validated[0].len() as i64, a.validated[1].len() as i64);
                if now_v > 0 {
                    out.push(row(Board::Wins, now_v, prev_v, a.wins.len() as i64, newest(a.validated[0].clone())));
                }
                if now_v > prev_v {
                    out.push(row(Board::MostImproved, now_v - prev_v, prev_v, now_v, newest(a.validated[0].clone())));
                }
                if let (run @ 1.., Some(end)) = longest_run(&a.weeks[0]) {
                    let (prev_run, _) = longest_run(&a.weeks[1]);
                    // The events of the run: the wins in its weeks.
                    let first = end - Duration::days(7 * (run - 1));
                    let in_run: Vec<_> = a.wins.iter().filter(|(t, _)| (first..=end).contains(&week_of(*t, tz))).copied().collect();
                    out.push(row(Board::Streaks, run, prev_run, a.weeks[0].len() as i64, newest(in_run)));
                }
                if !a.receivers[0].is_empty() {
                    let outside = a.receivers[0].iter().filter(|r| !same_team(person, **r, members)).count() as i64;
                    let gifts: Vec<_> = a.gifts.iter().map(|(t, id, _)| (*t, *id)).collect();
                    out.push(row(Board::Breadth, a.receivers[0].len() as i64, a.receivers[1].len() as i64, outside, newest(gifts)));
                }
            }
        }
        out.sort_by_key(super::Score::key);
        out
    }
}

/// The start of the oldest period any board compares to: the previous year.
pub fn horizon(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    PeriodKind::Year.window(now, tz).1.start
}
