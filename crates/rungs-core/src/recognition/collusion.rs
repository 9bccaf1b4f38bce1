//! Collusion detection: pairs (A ⇄ B) and rings (A → B → C → A) trading points beyond
//! what the organization's own pattern explains (docs/RECOGNITION.md, "Collusion").
//!
//! The method, over the points in force given in a window:
//! 1. every giver → receiver flow is an edge, weighted by its points; an edge's
//!    *share* is the part of everything its giver gave that went to that receiver;
//! 2. the organization's baseline is the distribution of those numbers: the 99th
//!    percentile of points per edge, and the 95th percentile of shares (among givers
//!    with at least [`MIN_GIFTS`] gifts, so one-off gifts do not count as 100%);
//! 3. an edge is *unusual* when its points are above the 99th percentile (and at least
//!    [`MIN_POINTS`]) and its share above the median share: the giver gives that
//!    person more than 99% of givers give anyone, and more of what they give than
//!    usual. (The share is not asked to be extreme: a generous team spreads points
//!    widely, and its members' shares stay moderate even when they collude; the
//!    monthly allowance and the cap per receiver already bound any one edge.);
//! 4. a flag is a cycle of unusual edges of length 2 (a pair) to [`MAX_RING`] (a ring):
//!    points that go round and come back. A single heavy edge is not a flag (a mentor
//!    may well praise a mentee a lot); the points must come back.
//!
//! Every flag carries its edges with their numbers and the baseline, so the people
//! team reads why, and decides: a flag is evidence, not a verdict.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::Flow;
use crate::PersonId;

/// An edge needs at least this many points to be unusual, whatever the percentiles.
pub const MIN_POINTS: u64 = 20;
/// A giver's shares count toward the baseline once they gave this many times.
pub const MIN_GIFTS: u64 = 3;
/// The longest ring looked for.
pub const MAX_RING: usize = 4;

/// The organization's normal pattern in the window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Baseline {
    /// Giver → receiver edges with points.
    pub edges: u64,
    pub points: u64,
    pub edge_points_median: u64,
    /// An unusual edge has more points than this.
    pub edge_points_p99: u64,
    /// The median share (0-1) of a giver's points that goes to one receiver; an
    /// unusual edge has a larger share.
    pub share_median: f64,
    /// The 95th percentile share, for context.
    pub share_p95: f64,
}

/// One edge of a flag, with the numbers that made it unusual.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FlagEdge {
    pub giver: PersonId,
    pub receiver: PersonId,
    pub points: u64,
    pub count: u64,
    /// Part (0-1) of all the giver gave in the window.
    pub share: f64,
    /// `points` over the baseline's 99th percentile.
    pub times_p99: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Pair,
    Ring,
}

/// A pair or ring trading points beyond the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Flag {
    pub kind: FlagKind,
    /// The members in cycle order, starting with the smallest id.
    pub members: Vec<PersonId>,
    pub edges: Vec<FlagEdge>,
    /// Points on the cycle's edges above the 99th percentile, summed.
    pub excess_points: u64,
}

/// What the detector found in a window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub baseline: Baseline,
    /// Largest excess first.
    pub flags: Vec<Flag>,
}

/// The nearest-rank `q` quantile of sorted `v` (0 when empty).
fn quantile<T: Copy + Default>(v: &[T], q: f64) -> T {
    if v.is_empty() {
        return T::default();
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Detect pairs and rings among `flows` (one per giver → receiver, self-gifts ignored).
pub fn detect(flows: &[Flow], from: DateTime<Utc>, to: DateTime<Utc>) -> Report {
    let flows: Vec<&Flow> = flows.iter().filter(|f| f.giver != f.receiver && f.points > 0).collect();
    let mut given: HashMap<PersonId, (u64, u64)> = HashMap::new();
    for f in &flows {
        let g = given.entry(f.giver).or_default();
        g.0 += f.points;
        g.1 += f.count;
    }
    let share = |f: &Flow| f.points as f64 / given[&f.giver].0.max(1) as f64;
    let mut points: Vec<u64> = flows.iter().map(|f| f.points).collect();
    points.sort_unstable();
    let mut shares: Vec<f64> = flows.iter().filter(|f| given[&f.giver].1 >= MIN_GIFTS).map(|f| share(f)).collect();
    shares.sort_by(f64::total_cmp);
    let baseline = Baseline {
        edges: flows.len() as u64,
        points: points.iter().sum(),
        edge_points_median: quantile(&points, 0.5),
        edge_points_p99: quantile(&points, 0.99),
        share_median: quantile(&shares, 0.5),
        share_p95: quantile(&shares, 0.95),
    };
    let unusual: HashMap<(PersonId, PersonId), &Flow> = flows
        .iter()
        .filter(|f| f.points > baseline.edge_points_p99 && f.points >= MIN_POINTS && given[&f.giver].1 >= MIN_GIFTS && share(f) > baseline.share_median)
        .map(|f| ((f.giver, f.receiver), *f))
        .collect();
    let mut out: HashMap<PersonId, Vec<PersonId>> = HashMap::new();
    for (g, r) in unusual.keys() {
        out.entry(*g).or_default().push(*r);
    }
    for v in out.values_mut() {
        v.sort();
    }
    let mut seen: HashSet<Vec<PersonId>> = HashSet::new();
    let mut flags = Vec::new();
    let mut starts: Vec<PersonId> = out.keys().copied().collect();
    starts.sort();
    for start in starts {
        // Cycles through `start` whose other members are all larger: each found once.
        let mut path = vec![start];
        cycles(&out, start, &mut path, &mut |cycle: &[PersonId]| {
            if !seen.insert(cycle.to_vec()) {
                return;
            }
            let edges: Vec<FlagEdge> = (0..cycle.len())
                .map(|i| {
                    let (g, r) = (cycle[i], cycle[(i + 1) % cycle.len()]);
                    let f = unusual[&(g, r)];
                    FlagEdge {
                        giver: g,
                        receiver: r,
                        points: f.points,
                        count: f.count,
                        share: share(f),
                        times_p99: f.points as f64 / baseline.edge_points_p99.max(1) as f64,
                    }
                })
                .collect();
            let excess_points = edges.iter().map(|e| e.points.saturating_sub(baseline.edge_points_p99)).sum();
            let kind = if cycle.len() == 2 { FlagKind::Pair } else { FlagKind::Ring };
            flags.push(Flag { kind, members: cycle.to_vec(), edges, excess_points });
        });
    }
    // A ring's members may also form pairs; the pair is kept only when it is not the
    // same people as a larger flag (it then says something the ring does not).
    let rings: Vec<BTreeSet<PersonId>> = flags.iter().filter(|f| f.kind == FlagKind::Ring).map(|f| f.members.iter().copied().collect()).collect();
    flags.retain(|f| f.kind == FlagKind::Ring || !rings.iter().any(|r| f.members.iter().all(|m| r.contains(m)) && r.len() == f.members.len()));
    flags.sort_by(|a, b| b.excess_points.cmp(&a.excess_points).then_with(|| a.members.cmp(&b.members)));
    Report { from, to, baseline, flags }
}

fn cycles(out: &HashMap<PersonId, Vec<PersonId>>, start: PersonId, path: &mut Vec<PersonId>, found: &mut impl FnMut(&[PersonId])) {
    let Some(&last) = path.last() else { return };
    for &next in out.get(&last).map(Vec::as_slice).unwrap_or_default() {
        if next == start && path.len() >= 2 {
            found(path);
        } else if next > start && !path.contains(&next) && path.len() < MAX_RING {
            path.push(next);
            cycles(out, start, path, found);
            path.pop();
        }
    }
}

impl Flag {
    /// The flag in one sentence, with its numbers and the baseline.
    pub fn explain(&self, baseline: &Baseline, name: impl Fn(PersonId) -> String) -> String {
        let edges: Vec<String> = self
            .edges
            .iter()
            .map(|e| {
                format!(
                    "{} → {}: {} points in {} recognitions ({:.0}% of what {} gave, {:.1}× the 99th percentile)",
                    name(e.giver),
                    name(e.receiver),
                    e.points,
                    e.count,
                    e.share * 100.0,
                    name(e.giver),
                    e.times_p99
                )
            })
            .collect();
        format!(
            "{}; here one giver gives one person at most {} points in 99% of cases (median {}), and {:.0}% of what they give in a typical case (95th percentile {:.0}%).",
            edges.join("; "),
            baseline.edge_points_p99,
            baseline.edge_points_median,
            baseline.share_median * 100.0,
            baseline.share_p95 * 100.0
        )
    }
}
