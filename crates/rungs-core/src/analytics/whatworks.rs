//! The what-works report: does micro-progression cadence, or time since the last
//! promotion, go with staying and with being promoted later — on this organization's
//! own data, with the traps guarded against:
//!
//! - **Immortal time.** Grouping people by something measured over their whole tenure
//!   (time since last promotion cannot exceed tenure) and then comparing tenure
//!   invents an effect. So groups are fixed at a **landmark** date from what happened
//!   *before* it (the 12 months before for cadence; the state at the landmark for
//!   time since progression or promotion), only people employed at the landmark with
//!   12 months of history are compared, and follow-up starts at the landmark.
//!   A unit test shows the naive comparison finding an effect in data that has none,
//!   and the landmark one not.
//! - **Censoring.** People still employed at the data's end are censored then (and,
//!   for later promotion, at their departure) — never counted as stayers forever or
//!   dropped.
//! - **Time-varying effects.** Beside the landmark curves, person-month rates use each
//!   month's state at its start: promotion hazard per win in the 12 months before,
//!   and the leaving rate by months since the last progression (Poisson regression).
//! - Every estimate says how many people or person-months it rests on.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::stats::{KmPoint, LogRank, Obs, Z95, kaplan_meier, log_rank, median, median_interval, poisson_regression, survival_at};
use super::{Member, Snapshot, Step, months};

/// Follow-up shown for a curve's "after 12 months".
const HORIZON: f64 = 12.0;

/// An estimate with its 95% interval. A number that cannot be estimated from the
/// data (no one at risk, no events: a landmark before the ledger begins) is `null`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Estimate {
    #[schema(nullable)]
    pub value: f64,
    #[schema(nullable)]
    pub lower: f64,
    #[schema(nullable)]
    pub upper: f64,
}

/// One group's Kaplan–Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Curve {
    pub group: String,
    /// People in the group at the landmark.
    pub people: usize,
    pub events: usize,
    pub censored: usize,
    /// Median months to the event, with its 95% interval (`null`: not reached).
    pub median_months: Option<f64>,
    pub median_lower: Option<f64>,
    pub median_upper: Option<f64>,
    /// Survival (share without the event) 12 months after the landmark.
    pub at_12_months: Option<Estimate>,
    /// The curve: survival after each time (months since the landmark) with an event
    /// or a censoring, with its 95% interval (Greenwood, log-log).
    pub points: Vec<KmPoint>,
}

/// Groups compared on one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Comparison {
    pub id: String,
    pub title: String,
    /// `retention` (event: leaving) or `promotion` (event: the next promotion; curves
    /// show the share not yet promoted).
    pub outcome: String,
    pub groups: Vec<Curve>,
    pub log_rank: Option<LogRank>,
    pub finding: String,
}

/// A person-month rate estimate for one track (or all).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Effect {
    pub id: String,
    pub track: String,
    pub title: String,
    pub estimate: Estimate,
    pub unit: String,
    pub person_months: f64,
    pub events: f64,
}

/// The monthly promotion rate of eligible person-months by wins in the 12 months before.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Band {
    pub wins: String,
    pub person_months: f64,
    pub promotions: f64,
    pub monthly_rate: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WhatWorksReport {
    pub as_of: DateTime<Utc>,
    pub landmark: DateTime<Utc>,
    /// People employed at the landmark with 12 months of history before it.
    pub cohort: usize,
    /// Employed at the landmark but hired less than 12 months before it: left out.
    pub excluded_short_history: usize,
    pub comparisons: Vec<Comparison>,
    /// Retention by tenure: everyone ever employed, from their hire (censored at the
    /// data's end), one group. No grouping, so no landmark is needed; this is the curve
    /// an imported HR history (a snapshot too) gives at once.
    pub tenure: Comparison,
    pub effects: Vec<Effect>,
    /// Eligible person-months (12+ months in level, below the top of the track).
    pub promotion_by_recent_wins: Vec<Band>,
    pub conclusion: Vec<String>,
    pub caveats: Vec<String>,
}

/// The report for everyone in the snapshot, landmark `landmark`, data ending `now`.
pub fn what_works(snap: &Snapshot, now: DateTime<Utc>, landmark: DateTime<Utc>) -> WhatWorksReport {
    let history = landmark - Months::new(12);
    let employed: Vec<&Member> = snap.members.iter().filter(|m| m.active_at(landmark)).collect();
    let cohort: Vec<&Member> = employed.iter().copied().filter(|m| m.hired <= history).collect();
    let follow = |m: &Member, promotion: bool| -> Obs {
        let end = m.ended.unwrap_or(now).min(now);
        if promotion {
            let next =
                snap.steps(m).0.iter().map(|x| (super::from_day(x >> 2), x & 3)).find(|(d, k)| *k == Step::Promotion as u32 && *d >= landmark && *d < end);
            match next {
                Some((d, _)) => Obs { time: months(landmark, d), event: true },
                None => Obs { time: months(landmark, end), event: false },
            }
        } else {
            Obs { time: months(landmark, end), event: m.ended.is_some_and(|e| e <= now) }
        }
    };
    // Cadence quartiles: wins in the 12 months before the landmark.
    let wins: Vec<f64> = cohort.iter().map(|m| snap.steps(m).count(Step::Win, history, landmark) as f64).collect();
    let mut sorted = wins.clone();
    sorted.sort_by(f64::total_cmp);
    let cuts = [0.25, 0.5, 0.75].map(|q| super::quantile(&sorted, q).unwrap_or(0.0));
    let quartile = |w: f64| cuts.iter().filter(|c| w > **c).count();
    let mut cadence_labels: Vec<String> = vec![];
    for q in 0..4 {
        let xs: Vec<f64> = wins.iter().copied().filter(|w| quartile(*w) == q).collect();
        let (lo, hi) = (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        cadence_labels.push(if xs.is_empty() { format!("Q{} (nobody)", q + 1) } else { format!("Q{} ({lo:.0}–{hi:.0} wins a year)", q + 1) });
    }
    let quiet = |m: &Member| months(snap.last_progression(m, landmark), landmark);
    let in_level = |m: &Member| months(snap.level_since(m, landmark), landmark);
    let quiet_group = |x: f64| [1.0, 3.0, 6.0].iter().filter(|c| x >= **c).count();
    let level_group = |x: f64| [12.0, 24.0].iter().filter(|c| x >= **c).count();
    let quiet_labels = ["under 1 month", "1–3 months", "3–6 months", "6 months or more"].map(String::from).to_vec();
    let level_labels = ["under 12 months", "12–24 months", "24 months or more"].map(String::from).to_vec();
    let groups_by = |labels: &[String], of: &dyn Fn(usize) -> usize, promotion: bool| -> Vec<Vec<Obs>> {
        let mut g = vec![vec![]; labels.len()];
        for (i, m) in cohort.iter().enumerate() {
            g[of(i)].push(follow(m, promotion));
        }
        g
    };
    let by_cadence = |i: usize| quartile(wins[i]);
    let by_quiet = |i: usize| quiet_group(quiet(cohort[i]));
    let by_level = |i: usize| level_group(in_level(cohort[i]));
    // (id, title, group labels, group of cohort member i, outcome is promotion)
    type Spec<'a> = (&'a str, &'a str, &'a Vec<String>, &'a dyn Fn(usize) -> usize, bool);
    let specs: [Spec; 5] = [
        (
            "promotion_by_cadence",
            "Later promotion by micro-progression cadence (wins in the 12 months before the landmark)",
            &cadence_labels,
            &by_cadence,
            true,
        ),
        ("retention_by_cadence", "Retention by micro-progression cadence (wins in the 12 months before the landmark)", &cadence_labels, &by_cadence, false),
        ("retention_by_time_since_progression", "Retention by time since the last progression of any kind, at the landmark", &quiet_labels, &by_quiet, false),
        (
            "retention_by_time_since_promotion",
            "Retention by time in level (since the last promotion or the hire), at the landmark",
            &level_labels,
            &by_level,
            false,
        ),
        ("promotion_by_time_since_promotion", "Later promotion by time in level, at the landmark", &level_labels, &by_level, true),
    ];
    let comparisons: Vec<Comparison> =
        specs.iter().map(|(id, title, labels, of, promotion)| compare(id, title, labels, &groups_by(labels, *of, *promotion), *promotion)).collect();
    let tenure_obs: Vec<Obs> = snap
        .members
        .iter()
        .filter(|m| m.hired <= now)
        .map(|m| {
            let end = m.ended.unwrap_or(now).min(now);
            Obs { time: months(m.hired, end).max(0.0), event: m.ended.is_some_and(|e| e <= now) }
        })
        .collect();
    let mut tenure = compare("retention_by_tenure", "Retention by tenure (months since the hire), everyone", &["everyone".to_string()], &[tenure_obs], false);
    if let Some(g) = tenure.groups.first().filter(|g| g.people > 0) {
        let median = g.median_months.map_or("not reached".into(), |m| format!("{m:.1} months"));
        let at = g.at_12_months.as_ref().map_or("—".into(), |e| format!("{:.0}% [{:.0}–{:.0}%]", e.value * 100.0, e.lower * 100.0, e.upper * 100.0));
        tenure.finding = format!(
            "Retention by tenure: of {} people ever employed ({} left, {} still here and censored today), {at} stay 12 months; median tenure {median}.",
            g.people, g.events, g.censored
        );
    }
    let (effects, bands) = person_months(snap, now, landmark);
    let mut conclusion: Vec<String> = comparisons.iter().map(|c| c.finding.clone()).collect();
    conclusion.extend(effects.iter().filter(|e| e.track == "all tracks").map(|e| {
        format!(
            "{}: {:.4} [{:.4}, {:.4}] {} ({:.0} person-months, {:.0} events).",
            e.title, e.estimate.value, e.estimate.lower, e.estimate.upper, e.unit, e.person_months, e.events
        )
    }));
    WhatWorksReport {
        as_of: now,
        landmark,
        cohort: cohort.len(),
        excluded_short_history: employed.len() - cohort.len(),
        comparisons,
        tenure,
        effects,
        promotion_by_recent_wins: bands,
        conclusion,
        caveats: vec![
            "Observational data: these are associations in this organization, not causes. People who log many wins may differ in other ways (role, manager, workload) that also drive promotion and staying.".into(),
            "Groups are fixed at the landmark from what happened before it, and follow-up starts there, so nobody's group depends on their future (no immortal time). The price: people hired in the 12 months before the landmark, and later hires, are not in the curves.".into(),
            "People still employed at the end of the data are censored then; for later promotion, leavers are censored at leaving (leaving and promotion compete: a group that leaves more is promoted less for that reason too).".into(),
            "Wins are what people logged: a team that logs less is not necessarily progressing less. Departments, managers and levels are today's, not the landmark's.".into(),
            "The person-month rates assume the monthly promotion rate rises in proportion to recent wins, and the leaving rate by a constant factor per month without progression; the bands table shows where that holds.".into(),
        ],
    }
}

fn compare(id: &str, title: &str, labels: &[String], groups: &[Vec<Obs>], promotion: bool) -> Comparison {
    let curves: Vec<Curve> = labels.iter().zip(groups).map(|(l, g)| curve(l, g)).collect();
    let lr = log_rank(groups);
    let shown: Vec<&Curve> = curves.iter().filter(|c| c.people > 0).collect();
    let finding = match (&lr, shown.first(), shown.last()) {
        (Some(t), Some(a), Some(b)) if shown.len() >= 2 => {
            let what = if promotion { "promoted" } else { "still employed" };
            let share = |c: &Curve| {
                c.at_12_months.as_ref().map_or("—".to_string(), |e| {
                    let (v, lo, hi) = if promotion { (1.0 - e.value, 1.0 - e.upper, 1.0 - e.lower) } else { (e.value, e.lower, e.upper) };
                    format!("{:.0}% [{:.0}–{:.0}%]", v * 100.0, lo * 100.0, hi * 100.0)
                })
            };
            let verdict = if t.p_value < 0.05 { "differ" } else { "do not clearly differ" };
            format!(
                "{title}: the groups {verdict} (log-rank χ² = {:.1}, {} df, p {}). Twelve months after the landmark, {} of “{}” (n = {}) vs {} of “{}” (n = {}) were {what}.",
                t.chi_square,
                t.degrees_of_freedom,
                p_text(t.p_value),
                share(a),
                a.group,
                a.people,
                share(b),
                b.group,
                b.people
            )
        }
        _ => format!("{title}: not enough people or events to compare."),
    };
    Comparison { id: id.into(), title: title.into(), outcome: if promotion { "promotion" } else { "retention" }.into(), groups: curves, log_rank: lr, finding }
}

impl WhatWorksReport {
    /// The landmark comparisons, then retention by tenure.
    pub fn all_comparisons(&self) -> impl Iterator<Item = &Comparison> {
        self.comparisons.iter().chain(std::iter::once(&self.tenure))
    }
}

/// A p-value in words: "< 0.001" or "= 0.042".
pub fn p_text(p: f64) -> String {
    if p < 0.001 { "< 0.001".into() } else { format!("= {p:.3}") }
}

fn curve(label: &str, obs: &[Obs]) -> Curve {
    let points = kaplan_meier(obs);
    let (lo, hi) = median_interval(&points);
    let at = survival_at(&points, HORIZON).map(|p| Estimate { value: p.survival, lower: p.lower, upper: p.upper });
    let followed = obs.iter().any(|o| o.time >= HORIZON);
    Curve {
        group: label.into(),
        people: obs.len(),
        events: obs.iter().filter(|o| o.event).count(),
        censored: obs.iter().filter(|o| !o.event).count(),
        median_months: median(&points),
        median_lower: lo,
        median_upper: hi,
        at_12_months: if obs.is_empty() || !followed { None } else { at.or(Some(Estimate { value: 1.0, lower: 1.0, upper: 1.0 })) },
        points,
    }
}

/// Wins counted per eligible person-month, bands of the promotion table.
const BANDS: [(usize, usize, &str); 5] = [(0, 0, "0"), (1, 5, "1–5"), (6, 10, "6–10"), (11, 15, "11–15"), (16, usize::MAX, "16 or more")];
/// The per-win promotion estimate uses person-months with at most this many wins,
/// where the bands table shows the rate rising in proportion (it levels off above).
const LINEAR_UP_TO: usize = 15;

#[derive(Default)]
struct TrackAcc {
    /// Eligible person-months with ≤ LINEAR_UP_TO wins: promotions, wins, months.
    promoted: f64,
    wins: f64,
    eligible: f64,
    /// Leaving by months since the last progression, in quarter-month cells.
    leaving: BTreeMap<i64, (f64, f64)>,
}

/// Person-month estimates over the months from the landmark to `now`, each month's
/// covariates taken at its start.
fn person_months(snap: &Snapshot, now: DateTime<Utc>, landmark: DateTime<Utc>) -> (Vec<Effect>, Vec<Band>) {
    let mut tracks: BTreeMap<String, TrackAcc> = BTreeMap::new();
    let mut bands = vec![(0.0, 0.0); BANDS.len()];
    let mut k = 0;
    loop {
        let from = landmark + Months::new(k);
        let to = (landmark + Months::new(k + 1)).min(now);
        if from >= now {
            break;
        }
        k += 1;
        for m in &snap.members {
            if m.hired >= from || m.ended.is_some_and(|e| e < from) {
                continue;
            }
            let steps = snap.steps(m);
            let left = f64::from(u8::from(m.ended.is_some_and(|e| e < to)));
            let quiet = months(snap.last_progression(m, from), from);
            let acc = tracks.entry(m.track.clone()).or_default();
            let cell = acc.leaving.entry((quiet * 4.0).floor() as i64).or_default();
            cell.0 += 1.0;
            cell.1 += left;
            let below_top = snap.level_rank_at(m, from).is_some_and(|r| r + 1 < m.levels_in_track);
            if below_top && snap.level_since(m, from) <= from - Months::new(12) {
                let w = steps.count(Step::Win, from - Months::new(12), from);
                let y = steps.count(Step::Promotion, from, to) as f64;
                let b = BANDS.iter().position(|(lo, hi, _)| w >= *lo && w <= *hi).unwrap_or(0);
                bands[b].0 += 1.0;
                bands[b].1 += y;
                if w <= LINEAR_UP_TO {
                    acc.promoted += y;
                    acc.wins += w as f64;
                    acc.eligible += 1.0;
                }
            }
        }
    }
    let mut all = TrackAcc::default();
    for t in tracks.values() {
        all.promoted += t.promoted;
        all.wins += t.wins;
        all.eligible += t.eligible;
        for (x, (n, y)) in &t.leaving {
            let c = all.leaving.entry(*x).or_default();
            c.0 += n;
            c.1 += y;
        }
    }
    let mut effects = vec![];
    for (track, acc) in std::iter::once(("all tracks".to_string(), &all)).chain(tracks.iter().map(|(k, v)| (k.clone(), v))) {
        if acc.wins > 0.0 && acc.promoted > 0.0 {
            let beta = acc.promoted / acc.wins;
            let se = acc.promoted.sqrt() / acc.wins;
            effects.push(Effect {
                id: "promotion_hazard_per_recent_win".into(),
                track: track.clone(),
                title: format!("Monthly promotion rate per win in the 12 months before ({track})"),
                estimate: Estimate { value: beta, lower: (beta - Z95 * se).max(0.0), upper: beta + Z95 * se },
                unit: "per win, per month (12+ months in level, up to 15 wins)".into(),
                person_months: acc.eligible,
                events: acc.promoted,
            });
        }
        let cells: Vec<super::stats::Cell> = acc.leaving.iter().map(|(x, (n, y))| super::stats::Cell { x: (*x as f64 + 0.5) / 4.0, n: *n, y: *y }).collect();
        if let Some(f) = poisson_regression(&cells) {
            let n: f64 = cells.iter().map(|c| c.n).sum();
            let y: f64 = cells.iter().map(|c| c.y).sum();
            effects.push(Effect {
                id: "leaving_growth_per_month_without_progression".into(),
                track: track.clone(),
                title: format!("Growth of the monthly leaving rate per month without progression ({track})"),
                estimate: Estimate { value: f.b, lower: f.b - Z95 * f.se_b, upper: f.b + Z95 * f.se_b },
                unit: "log rate ratio per month (e^value × per month)".into(),
                person_months: n,
                events: y,
            });
            effects.push(Effect {
                id: "leaving_rate_just_after_progression".into(),
                track,
                title: "Monthly leaving rate right after a progression (the regression's intercept)".into(),
                estimate: Estimate { value: f.a.exp(), lower: (f.a - Z95 * f.se_a).exp(), upper: (f.a + Z95 * f.se_a).exp() },
                unit: "per month".into(),
                person_months: n,
                events: y,
            });
        }
    }
    let bands = BANDS
        .iter()
        .zip(bands)
        .map(|((_, _, label), (n, y))| {
            let r = if n > 0.0 { y / n } else { 0.0 };
            let se = if n > 0.0 { y.max(1.0).sqrt() / n } else { 0.0 };
            Band {
                wins: (*label).into(),
                person_months: n,
                promotions: y,
                monthly_rate: Estimate { value: r, lower: (r - Z95 * se).max(0.0), upper: r + Z95 * se },
            }
        })
        .collect();
    (effects, bands)
}

/// The default landmark: 18 months before `now` (whole days), or as late as leaves
/// 12 months of history after the first hire, whichever is later — never after `now`.
pub fn default_landmark(snap: &Snapshot, now: DateTime<Utc>) -> DateTime<Utc> {
    let first = snap.members.iter().map(|m| m.hired).min().unwrap_or(now);
    (now - Months::new(18)).max(first + Months::new(12)).min(now)
}

#[cfg(test)]
mod tests;
