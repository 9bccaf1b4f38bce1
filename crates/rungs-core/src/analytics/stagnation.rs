//! Stagnation risk: people with no progression of any kind for `N` days *and* longer
//! in their level than three in four of their peers (same track and level, everyone
//! employed in the organization; the whole track when the level has fewer than
//! [`MIN_PEERS`]). Ranked by days without progression, then by how far past the
//! peers' 75th percentile; each with the reasons in words.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Snapshot, quantile};
use crate::PersonId;

/// Fewest peers a level needs to be its own peer group.
pub const MIN_PEERS: usize = 5;
/// Default `N`: days without progression before anyone is flagged.
pub const DEFAULT_DAYS: u32 = 90;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RiskRow {
    pub rank: usize,
    pub person_id: PersonId,
    pub name: String,
    pub title: String,
    pub department: Option<String>,
    pub manager_id: Option<PersonId>,
    /// Last progression of any kind (`null`: none since the hire).
    pub last_progression_at: Option<DateTime<Utc>>,
    pub days_without_progression: i64,
    pub days_in_level: i64,
    /// "engineering e3", or "engineering" when the level had too few people.
    pub peer_group: String,
    pub peers: usize,
    /// 75th percentile of days in level among the peers.
    pub peer_p75_days: i64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StagnationReport {
    pub as_of: DateTime<Utc>,
    pub threshold_days: u32,
    /// Active people the viewer may see, all considered.
    pub considered: usize,
    pub rows: Vec<RiskRow>,
    /// How the list is made, in words.
    pub method: String,
}

/// Stagnation risk among `who` (member indexes) at `now`, with peers taken from the
/// whole organization.
pub fn stagnation(snap: &Snapshot, who: &[usize], now: DateTime<Utc>, threshold_days: u32) -> StagnationReport {
    // Peers: days in level of everyone employed, by (track, level) and by track.
    let mut by_level: HashMap<(&str, &str), Vec<f64>> = HashMap::new();
    let mut by_track: HashMap<&str, Vec<f64>> = HashMap::new();
    for m in snap.members.iter().filter(|m| m.active_at(now)) {
        let d = (now - snap.level_since(m, now)).num_days() as f64;
        by_level.entry((&m.track, &m.level)).or_default().push(d);
        by_track.entry(&m.track).or_default().push(d);
    }
    let p75 = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (quantile(v, 0.75).unwrap_or(0.0), v.len())
    };
    let level_p75: HashMap<(&str, &str), (f64, usize)> = by_level.iter_mut().map(|(k, v)| (*k, p75(v))).collect();
    let track_p75: HashMap<&str, (f64, usize)> = by_track.iter_mut().map(|(k, v)| (*k, p75(v))).collect();
    let mut considered = 0;
    let mut rows = vec![];
    for &i in who {
        let m = &snap.members[i];
        if !m.active_at(now) {
            continue;
        }
        considered += 1;
        let last = snap.steps(m).last_before(None, now).filter(|d| *d >= m.hired.date_naive().and_time(chrono::NaiveTime::MIN).and_utc());
        let quiet = (now - last.unwrap_or(m.hired)).num_days();
        let in_level = (now - snap.level_since(m, now)).num_days();
        let ((p, peers), group) = match level_p75.get(&(m.track.as_str(), m.level.as_str())) {
            Some(&(p, n)) if n >= MIN_PEERS => ((p, n), format!("{} {}", m.track, m.level)),
            _ => (track_p75.get(m.track.as_str()).copied().unwrap_or((0.0, 0)), m.track.clone()),
        };
        if quiet < i64::from(threshold_days) || (in_level as f64) <= p {
            continue;
        }
        let since = last.map_or_else(|| "since their hire".to_string(), |d| format!("since {}", d.format("%Y-%m-%d")));
        rows.push(RiskRow {
            rank: 0,
            person_id: m.id,
            name: m.name.clone(),
            title: m.title.clone(),
            department: m.department.clone(),
            manager_id: m.manager_id,
            last_progression_at: last,
            days_without_progression: quiet,
            days_in_level: in_level,
            peer_group: group.clone(),
            peers,
            peer_p75_days: p.round() as i64,
            reasons: vec![
                format!(
                    "no progression of any kind (win, micro-promotion, promotion or lateral move) for {quiet} days {since}; the threshold is {threshold_days}"
                ),
                format!("{in_level} days in level, above the 75th percentile of {peers} peers in {group} ({:.0} days)", p),
            ],
        });
    }
    rows.sort_by(|a, b| {
        (b.days_without_progression, b.days_in_level - b.peer_p75_days, &a.name).cmp(&(a.days_without_progression, a.days_in_level - a.peer_p75_days, &b.name))
    });
    for (k, r) in rows.iter_mut().enumerate() {
        r.rank = k + 1;
    }
    StagnationReport {
        as_of: now,
        threshold_days,
        considered,
        rows,
        method: format!(
            "Active people with no progression of any kind for at least {threshold_days} days and more days in their level than the 75th percentile of their peers (same track and level across the organization; the whole track when a level has fewer than {MIN_PEERS} people). Ranked by days without progression, then by days past the peers' 75th percentile. In this organization's own data, see the what-works report for how stagnation relates to leaving."
        ),
    }
}
