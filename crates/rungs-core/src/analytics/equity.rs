//! The equity audit: promotion and recognition rates by a sensitive attribute (the
//! people team's alone). The cohort is everyone employed at the period's start; a
//! person is *selected* when promoted (or recognized) at least once in the period.
//! Each group's selection rate is compared with the highest group's: the ratio (the
//! four-fifths rule flags a ratio below 0.8) and Fisher's exact test of the 2×2 table;
//! all groups together by Pearson's χ² test. Groups of fewer than [`MIN_GROUP`] people
//! are suppressed: named, without numbers, and left out of every comparison.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::inequality::{chi_square_independence, fisher_exact};
use super::whatworks::p_text;
use super::{Snapshot, Step, day};

/// Groups smaller than this are suppressed.
pub const MIN_GROUP: usize = 5;
/// The four-fifths rule: a selection rate below this share of the highest is flagged.
pub const FOUR_FIFTHS: f64 = 0.8;

/// One group's selection rate for one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupRate {
    /// The attribute's value.
    pub group: String,
    /// People of the group in the cohort, and how many were selected.
    pub people: usize,
    pub selected: usize,
    pub rate: f64,
    /// This rate over the highest group's (`null` when nobody was selected anywhere).
    pub ratio_to_highest: Option<f64>,
    /// The ratio is below 0.8 (the four-fifths rule's sign of adverse impact).
    pub below_four_fifths: bool,
    /// Two-sided Fisher's exact p of this group against the highest (`null` for the
    /// highest group itself).
    pub fisher_p: Option<f64>,
}

/// Pearson's χ² test across every group shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndependenceTest {
    pub chi_square: f64,
    pub degrees_of_freedom: usize,
    pub p_value: f64,
    /// Some expected count is under 5: the χ² approximation is rough (Fisher's p per
    /// group is exact).
    pub small_expected_counts: bool,
}

/// One outcome compared across the groups.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OutcomeAudit {
    /// `promotion` or `recognition`.
    pub outcome: String,
    pub title: String,
    /// Groups shown (at least [`MIN_GROUP`] people), highest rate first.
    pub groups: Vec<GroupRate>,
    /// The group with the highest rate, the others' reference.
    pub reference_group: Option<String>,
    pub test: Option<IndependenceTest>,
    /// What the numbers say, in words.
    pub finding: String,
}

/// A group left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SuppressedGroup {
    pub group: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EquityReport {
    pub as_of: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The attribute compared (`null` when nobody has any sensitive attribute).
    pub attribute: Option<String>,
    /// Every sensitive attribute recorded for someone in the organization.
    pub attributes: Vec<String>,
    /// People employed at the period's start.
    pub cohort: usize,
    /// Of them, people with no value for the attribute (left out of the groups).
    pub not_recorded: usize,
    pub outcomes: Vec<OutcomeAudit>,
    pub suppressed: Vec<SuppressedGroup>,
    pub method: String,
    pub caveats: Vec<String>,
}

/// The attributes recorded for the people `who` (indexes into the snapshot).
pub fn attributes(snap: &Snapshot, who: &[usize]) -> Vec<String> {
    let set: BTreeSet<&String> = who.iter().flat_map(|&i| snap.members[i].sensitive.keys()).collect();
    set.into_iter().cloned().collect()
}

/// The audit of `who` over `[start, end)` by `attribute` (`None`: the first recorded).
pub fn equity(snap: &Snapshot, who: &[usize], attribute: Option<&str>, start: DateTime<Utc>, end: DateTime<Utc>) -> EquityReport {
    let attrs = attributes(snap, who);
    let attribute = attribute.map(str::to_string).or_else(|| attrs.first().cloned());
    let cohort: Vec<usize> = who.iter().copied().filter(|&i| snap.members[i].active_at(start)).collect();
    let (a, b) = (day(start), super::day_bound(end));
    let thanked: BTreeSet<_> = snap.progressions.thanks_between(a, b).iter().map(|t| t.receiver).collect();
    // Per group: people, promoted, recognized.
    let mut groups: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut not_recorded = 0;
    for &i in &cohort {
        let m = &snap.members[i];
        let Some(v) = attribute.as_ref().and_then(|k| m.sensitive.get(k)).filter(|v| !v.trim().is_empty()) else {
            not_recorded += 1;
            continue;
        };
        let g = groups.entry(v.trim().to_string()).or_default();
        g[0] += 1;
        g[1] += usize::from(snap.steps(m).count(Step::Promotion, start, end) > 0);
        g[2] += usize::from(thanked.contains(&m.id));
    }
    let suppressed: Vec<SuppressedGroup> = groups
        .iter()
        .filter(|(_, c)| c[0] < MIN_GROUP)
        .map(|(g, _)| SuppressedGroup {
            group: g.clone(),
            reason: format!("fewer than {MIN_GROUP} people in the cohort: their numbers are not shown and they are left out of every comparison"),
        })
        .collect();
    groups.retain(|_, c| c[0] >= MIN_GROUP);
    let outcomes = if attribute.is_some() {
        vec![
            audit("promotion", "Promoted at least once in the period", groups.iter().map(|(g, c)| (g.as_str(), c[0], c[1]))),
            audit("recognition", "Recognized at least once in the period", groups.iter().map(|(g, c)| (g.as_str(), c[0], c[2]))),
        ]
    } else {
        Vec::new()
    };
    EquityReport {
        as_of: snap.as_of,
        period_start: start,
        period_end: end,
        attribute,
        attributes: attrs,
        cohort: cohort.len(),
        not_recorded,
        outcomes,
        suppressed,
        method: format!(
            "Cohort: everyone employed at the period's start. Selected: promoted (recognized) at least once before its end, leavers counted as not selected. \
             Each group is compared with the group with the highest rate: the ratio of rates (the four-fifths rule flags a ratio below {FOUR_FIFTHS}) \
             and Fisher's exact test (two-sided) of the 2×2 table; all groups together by Pearson's χ² test of independence. \
             Groups of fewer than {MIN_GROUP} people are suppressed."
        ),
        caveats: vec![
            "A difference in rates is not by itself evidence of unfair treatment: groups can differ in level, track, tenure or role; compare within a track or level before concluding.".into(),
            "A ratio below four-fifths is a rule of thumb for a closer look, not a legal finding; with small groups, a large gap can be chance (see Fisher's p) and a real gap can miss significance.".into(),
            "Several groups and two outcomes make several tests: one p below 0.05 in many is expected by chance.".into(),
            "Attributes are as recorded; people without a value are left out.".into(),
        ],
    }
}

fn audit<'a>(outcome: &str, title: &str, rows: impl Iterator<Item = (&'a str, usize, usize)>) -> OutcomeAudit {
    let mut rows: Vec<(&str, usize, usize)> = rows.collect();
    let rate = |r: &(&str, usize, usize)| r.2 as f64 / r.1 as f64;
    // Highest rate first; among equal rates the larger group.
    rows.sort_by(|x, y| rate(y).total_cmp(&rate(x)).then(y.1.cmp(&x.1)).then(x.0.cmp(y.0)));
    let top = rows.first().copied();
    let groups: Vec<GroupRate> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let ratio = top.filter(|t| t.2 > 0).map(|t| rate(r) / rate(&t));
            GroupRate {
                group: r.0.to_string(),
                people: r.1,
                selected: r.2,
                rate: rate(r),
                ratio_to_highest: ratio,
                below_four_fifths: ratio.is_some_and(|x| x < FOUR_FIFTHS),
                fisher_p: top.filter(|_| k > 0).map(|t| fisher_exact(r.2 as u64, (r.1 - r.2) as u64, t.2 as u64, (t.1 - t.2) as u64)),
            }
        })
        .collect();
    let table: Vec<(u64, u64)> = rows.iter().map(|r| (r.2 as u64, (r.1 - r.2) as u64)).collect();
    let test = chi_square_independence(&table).map(|(chi_square, degrees_of_freedom, p_value)| {
        let (s, n): (u64, u64) = table.iter().fold((0, 0), |(s, n), r| (s + r.0, n + r.0 + r.1));
        let small = table.iter().any(|r| {
            let row = (r.0 + r.1) as f64;
            row * s as f64 / n as f64 <= 5.0 || row * (n - s) as f64 / n as f64 <= 5.0
        });
        IndependenceTest { chi_square, degrees_of_freedom, p_value, small_expected_counts: small }
    });
    let finding = finding(title, &groups, test.as_ref());
    OutcomeAudit { outcome: outcome.into(), title: title.into(), reference_group: groups.first().map(|g| g.group.clone()), groups, test, finding }
}

fn finding(title: &str, groups: &[GroupRate], test: Option<&IndependenceTest>) -> String {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    if groups.len() < 2 {
        return format!("{title}: fewer than two groups of {MIN_GROUP} or more people, so nothing to compare.");
    }
    let Some(low) = groups.iter().filter(|g| g.ratio_to_highest.is_some()).min_by(|a, b| a.rate.total_cmp(&b.rate).then(b.people.cmp(&a.people))) else {
        return format!("{title}: nobody in the cohort was, so no rates to compare.");
    };
    let top = &groups[0];
    let ratio = low.ratio_to_highest.unwrap_or(1.0);
    let flag = if low.below_four_fifths { "below four-fifths: look closer" } else { "within four-fifths" };
    let fisher = low.fisher_p.map_or(String::new(), |p| format!(", Fisher's exact p {}", p_text(p)));
    let overall = test.map_or(String::new(), |t| {
        format!(" Across all {} groups: χ² = {:.2}, {} df, p {}.", groups.len(), t.chi_square, t.degrees_of_freedom, p_text(t.p_value))
    });
    format!(
        "{title}: lowest rate {} ({} of {}, {}) against the highest, {} ({} of {}, {}): ratio {ratio:.2}, {flag}{fisher}.{overall}",
        low.group,
        low.selected,
        low.people,
        pct(low.rate),
        top.group,
        top.selected,
        top.people,
        pct(top.rate)
    )
}

#[cfg(test)]
mod tests;
