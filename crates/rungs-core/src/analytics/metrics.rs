//! Metrics per organization, department, track and manager over a period: promotion
//! rate, time in level, micro-progression cadence, the share who progressed lately,
//! micro-promotions and lateral moves; recognition (how evenly it is given and
//! received, the Gini coefficient, reciprocity) and credentials (badges, milestones);
//! and the organization month by month.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Months, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::inequality::{gini, reciprocity};
use super::{Credential, Member, Snapshot, Step, day, months, quantile};
use crate::PersonId;

/// A distribution of months, with a histogram.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Distribution {
    pub median: Option<f64>,
    pub p25: Option<f64>,
    pub p75: Option<f64>,
    /// People per bucket: `[0, 6)`, `[6, 12)`, `[12, 24)`, `[24, 36)`, 36 months or more.
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Bucket {
    pub label: String,
    pub count: usize,
}

const BUCKETS: [(f64, &str); 5] =
    [(6.0, "under 6 months"), (12.0, "6–12 months"), (24.0, "1–2 years"), (36.0, "2–3 years"), (f64::INFINITY, "3 years or more")];

fn distribution(mut xs: Vec<f64>) -> Distribution {
    xs.sort_by(f64::total_cmp);
    let mut buckets: Vec<Bucket> = BUCKETS.iter().map(|(_, l)| Bucket { label: (*l).to_string(), count: 0 }).collect();
    for x in &xs {
        let i = BUCKETS.iter().position(|(top, _)| x < top).unwrap_or(BUCKETS.len() - 1);
        buckets[i].count += 1;
    }
    Distribution { median: quantile(&xs, 0.5), p25: quantile(&xs, 0.25), p75: quantile(&xs, 0.75), buckets }
}

/// The metrics of one group over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupMetrics {
    /// "organization", a department, a track, or a manager's name.
    pub group: String,
    /// The manager, for a manager's team (their direct reports).
    pub manager_id: Option<PersonId>,
    /// People employed at the end of the period.
    pub active: usize,
    /// Months employed within the period, summed over people.
    pub person_months: f64,
    pub promotions: usize,
    /// Promotions per person-year employed in the period.
    pub promotion_rate_per_year: f64,
    pub micro_progressions: usize,
    /// Micro-progressions (not reversed) per person-month employed in the period.
    pub cadence_per_person_month: f64,
    pub micro_promotions: usize,
    pub lateral_moves: usize,
    /// Of the people employed at the end of the period: time in their current level.
    pub time_in_level_months: Distribution,
    /// Share of them with any progression in the 30 / 90 days before the period's end.
    pub progressed_last_30_days: f64,
    pub progressed_last_90_days: f64,
    pub recognition: RecognitionMetrics,
    /// Badges awarded to the group's people in the period (not reversed).
    pub badges_awarded: usize,
    /// Milestones (credentials for a level) completed in the period.
    pub milestones_completed: usize,
}

/// How recognition is shared among a group's people in the period (everyone employed
/// in it, those who gave or got none included).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RecognitionMetrics {
    /// Recognitions the group's people received, and gave.
    pub received: usize,
    pub given: usize,
    pub points_received: u64,
    /// The group's part of all recognition received (given) by the people in view.
    pub share_of_received: f64,
    pub share_of_given: f64,
    /// Share of the group's people who received (gave) at least one.
    pub people_receiving: f64,
    pub people_giving: f64,
    /// Gini coefficient of recognitions received (given) per person: 0 when all got
    /// the same, near 1 when a few got it all; `null` when there was none.
    pub gini_received: Option<f64>,
    pub gini_given: Option<f64>,
    /// Of the distinct giver → receiver pairs with the receiver in the group, the
    /// share the receiver returned in the period (`null`: no pair).
    pub reciprocity: Option<f64>,
    pub pairs: usize,
}

#[derive(Default)]
struct Acc {
    active: usize,
    person_months: f64,
    promotions: usize,
    wins: usize,
    micro_promotions: usize,
    laterals: usize,
    in_level: Vec<f64>,
    p30: usize,
    p90: usize,
    people: usize,
    received: Vec<f64>,
    given: Vec<f64>,
    points: u64,
    pairs: Vec<(PersonId, PersonId)>,
    badges: usize,
    milestones: usize,
}

/// Per person over the period: recognitions given, received, points received, badges,
/// milestones.
type Counts = HashMap<PersonId, [u64; 5]>;

impl Acc {
    fn finish(self, group: String, manager_id: Option<PersonId>, totals: (u64, u64)) -> GroupMetrics {
        let (rec, giv): (f64, f64) = (self.received.iter().sum(), self.given.iter().sum());
        let of = |x: f64, t: u64| if t == 0 { 0.0 } else { x / t as f64 };
        let per = |xs: &[f64]| if self.people == 0 { 0.0 } else { xs.iter().filter(|x| **x > 0.0).count() as f64 / self.people as f64 };
        let recip = reciprocity(self.pairs.iter().copied());
        let recognition = RecognitionMetrics {
            received: rec as usize,
            given: giv as usize,
            points_received: self.points,
            share_of_received: of(rec, totals.0),
            share_of_given: of(giv, totals.1),
            people_receiving: per(&self.received),
            people_giving: per(&self.given),
            gini_received: gini(&self.received),
            gini_given: gini(&self.given),
            reciprocity: recip.map(|r| r.0),
            pairs: recip.map_or(0, |r| r.1),
        };
        let pm = self.person_months.max(f64::MIN_POSITIVE);
        let share = |n: usize| if self.active == 0 { 0.0 } else { n as f64 / self.active as f64 };
        GroupMetrics {
            group,
            manager_id,
            active: self.active,
            person_months: self.person_months,
            promotions: self.promotions,
            promotion_rate_per_year: if self.person_months > 0.0 { self.promotions as f64 * 12.0 / pm } else { 0.0 },
            micro_progressions: self.wins,
            cadence_per_person_month: if self.person_months > 0.0 { self.wins as f64 / pm } else { 0.0 },
            micro_promotions: self.micro_promotions,
            lateral_moves: self.laterals,
            progressed_last_30_days: share(self.p30),
            progressed_last_90_days: share(self.p90),
            time_in_level_months: distribution(self.in_level),
            recognition,
            badges_awarded: self.badges,
            milestones_completed: self.milestones,
        }
    }
}

/// One month of the organization (of the people in view).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthMetrics {
    pub month_start: DateTime<Utc>,
    /// Employed at the month's start.
    pub active: usize,
    pub promotions: usize,
    pub micro_progressions: usize,
    pub cadence_per_person_month: f64,
    pub departures: usize,
}

/// The metrics report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetricsReport {
    pub as_of: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// People the report covers (everyone employed at some time in the period).
    pub people: usize,
    pub organization: GroupMetrics,
    pub by_department: Vec<GroupMetrics>,
    pub by_track: Vec<GroupMetrics>,
    /// Each manager's direct reports among the people covered, smallest 90-day share first.
    pub by_manager: Vec<GroupMetrics>,
    /// The twelve months before the period's end.
    pub monthly: Vec<MonthMetrics>,
}

/// Metrics of `who` (indexes into the snapshot's members) over `[start, end)`.
pub fn metrics(snap: &Snapshot, who: &[usize], start: DateTime<Utc>, end: DateTime<Utc>) -> MetricsReport {
    let mut org = Acc::default();
    let (mut depts, mut tracks, mut managers): (BTreeMap<String, Acc>, BTreeMap<String, Acc>, BTreeMap<PersonId, Acc>) = Default::default();
    let mut people = 0;
    let (counts, in_view) = per_person(snap, who, start, end);
    let totals = in_view.values().fold((0, 0), |(r, g), c| (r + c[1], g + c[0]));
    for &i in who {
        let m = &snap.members[i];
        let (from, to) = (m.hired.max(start), m.ended.unwrap_or(end).min(end));
        if from >= to {
            continue;
        }
        people += 1;
        let steps = snap.steps(m);
        let active = m.active_at(end);
        let last = steps.last_before(None, end);
        let c = counts.get(&m.id).copied().unwrap_or_default();
        let one = |acc: &mut Acc| {
            acc.people += 1;
            acc.given.push(c[0] as f64);
            acc.received.push(c[1] as f64);
            acc.points += c[2];
            acc.badges += c[3] as usize;
            acc.milestones += c[4] as usize;
            acc.person_months += months(from, to);
            acc.promotions += steps.count(Step::Promotion, from, to);
            acc.wins += steps.count(Step::Win, from, to);
            acc.micro_promotions += steps.count(Step::MicroPromotion, from, to);
            acc.laterals += steps.count(Step::Lateral, from, to);
            if active {
                acc.active += 1;
                acc.in_level.push(months(snap.level_since(m, end), end));
                acc.p30 += usize::from(last.is_some_and(|l| l >= day_of(end - Duration::days(30))));
                acc.p90 += usize::from(last.is_some_and(|l| l >= day_of(end - Duration::days(90))));
            }
        };
        let each = |acc: &mut Acc| one(acc);
        each(&mut org);
        each(depts.entry(m.department.clone().unwrap_or_else(|| "(no department)".into())).or_default());
        each(tracks.entry(m.track.clone()).or_default());
        if let Some(boss) = m.manager_id {
            each(managers.entry(boss).or_default());
        }
    }
    // Who thanked whom, for reciprocity: each pair in its receiver's groups.
    let (from_day, to_day) = (day(start), super::day_bound(end));
    for t in snap.progressions.thanks_between(from_day, to_day).iter().filter(|t| in_view.contains_key(&t.giver)) {
        let Some(m) = in_view.get(&t.receiver).and_then(|_| snap.member(t.receiver)) else { continue };
        let pair = (t.giver, t.receiver);
        org.pairs.push(pair);
        depts.entry(m.department.clone().unwrap_or_else(|| "(no department)".into())).or_default().pairs.push(pair);
        tracks.entry(m.track.clone()).or_default().pairs.push(pair);
        if let Some(boss) = m.manager_id {
            managers.entry(boss).or_default().pairs.push(pair);
        }
    }
    let name_of = |id: PersonId| snap.member(id).map_or_else(|| id.to_string(), |m| m.name.clone());
    let mut by_manager: Vec<GroupMetrics> = managers.into_iter().map(|(id, acc)| acc.finish(String::new(), Some(id), totals)).collect();
    by_manager.sort_by(|a, b| a.progressed_last_90_days.total_cmp(&b.progressed_last_90_days).then(b.active.cmp(&a.active)));
    for g in &mut by_manager {
        g.group = g.manager_id.map(name_of).unwrap_or_default();
    }
    MetricsReport {
        as_of: snap.as_of,
        period_start: start,
        period_end: end,
        people,
        organization: org.finish("organization".into(), None, totals),
        by_department: depts.into_iter().map(|(k, a)| a.finish(k, None, totals)).collect(),
        by_track: tracks.into_iter().map(|(k, a)| a.finish(k, None, totals)).collect(),
        by_manager,
        monthly: monthly(snap, who, end),
    }
}

/// Recognition and credentials per person over `[start, end)`, and the same for the
/// people in view only (employed in the period), whose totals the shares divide by.
fn per_person(snap: &Snapshot, who: &[usize], start: DateTime<Utc>, end: DateTime<Utc>) -> (Counts, Counts) {
    // Whole days, as the steps: the period's first day, up to the day its end has begun.
    let (a, b) = (day(start), super::day_bound(end));
    let mut counts = Counts::new();
    for t in snap.progressions.thanks_between(a, b) {
        counts.entry(t.giver).or_default()[0] += 1;
        let r = counts.entry(t.receiver).or_default();
        r[1] += 1;
        r[2] += u64::from(t.points);
    }
    for (p, _, k) in snap.progressions.credentials_between(a, b) {
        counts.entry(*p).or_default()[if *k == Credential::Badge { 3 } else { 4 }] += 1;
    }
    let in_view = who
        .iter()
        .map(|&i| &snap.members[i])
        .filter(|m| m.hired.max(start) < m.ended.unwrap_or(end).min(end))
        .map(|m| (m.id, counts.get(&m.id).copied().unwrap_or_default()))
        .collect();
    (counts, in_view)
}

/// Midnight of `t`'s day: steps are kept by day.
fn day_of(t: DateTime<Utc>) -> DateTime<Utc> {
    super::from_day(super::day(t))
}

fn monthly(snap: &Snapshot, who: &[usize], end: DateTime<Utc>) -> Vec<MonthMetrics> {
    (0..12u32)
        .rev()
        .map(|k| {
            let from = end - Months::new(k + 1);
            let to = end - Months::new(k);
            let (mut active, mut promotions, mut wins, mut departures, mut pm) = (0, 0, 0, 0, 0.0);
            for &i in who {
                let m: &Member = &snap.members[i];
                let steps = snap.steps(m);
                let (a, b) = (m.hired.max(from), m.ended.unwrap_or(to).min(to));
                if a < b {
                    pm += months(a, b);
                    promotions += steps.count(Step::Promotion, a, b);
                    wins += steps.count(Step::Win, a, b);
                }
                active += usize::from(m.active_at(from));
                departures += usize::from(m.ended.is_some_and(|e| e >= from && e < to));
            }
            MonthMetrics {
                month_start: from,
                active,
                promotions,
                micro_progressions: wins,
                cadence_per_person_month: if pm > 0.0 { wins as f64 / pm } else { 0.0 },
                departures,
            }
        })
        .collect()
}
