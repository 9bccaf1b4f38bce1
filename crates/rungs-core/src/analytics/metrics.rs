//! Metrics per organization, department, track and manager over a period: promotion
//! rate, time in level, micro-progression cadence, the share who progressed lately,
//! micro-promotions and lateral moves; and the organization month by month.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Months, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Member, Snapshot, Step, months, quantile};
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
}

impl Acc {
    fn finish(self, group: String, manager_id: Option<PersonId>) -> GroupMetrics {
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
        let one = |acc: &mut Acc| {
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
    let name_of = |id: PersonId| snap.member(id).map_or_else(|| id.to_string(), |m| m.name.clone());
    let mut by_manager: Vec<GroupMetrics> = managers.into_iter().map(|(id, acc)| acc.finish(String::new(), Some(id))).collect();
    by_manager.sort_by(|a, b| a.progressed_last_90_days.total_cmp(&b.progressed_last_90_days).then(b.active.cmp(&a.active)));
    for g in &mut by_manager {
        g.group = g.manager_id.map(name_of).unwrap_or_default();
    }
    MetricsReport {
        as_of: snap.as_of,
        period_start: start,
        period_end: end,
        people,
        organization: org.finish("organization".into(), None),
        by_department: depts.into_iter().map(|(k, a)| a.finish(k, None)).collect(),
        by_track: tracks.into_iter().map(|(k, a)| a.finish(k, None)).collect(),
        by_manager,
        monthly: monthly(snap, who, end),
    }
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
