//! Every analytics table as CSV: the same numbers as the JSON reports, one table per
//! list a page shows (`docs/ANALYTICS.md` lists them). Numbers are written in full
//! (no rounding); an absent value is an empty cell.

use rungs_core::ValidationError;
use rungs_core::analytics::equity::EquityReport;
use rungs_core::analytics::metrics::{GroupMetrics, MetricsReport};
use rungs_core::analytics::stagnation::StagnationReport;
use rungs_core::analytics::whatworks::WhatWorksReport;

/// One table: a header and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table as CSV (RFC 4180, CRLF line ends, a header row).
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        // Writing to memory cannot fail.
        let _ = w.write_record(&self.header);
        for r in &self.rows {
            let _ = w.write_record(r);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

fn o<T: ToString>(x: Option<T>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

fn s<T: ToString>(x: T) -> String {
    x.to_string()
}

/// The tables of each report, by name (the first is the default).
pub const METRICS: &[&str] = &["groups", "monthly"];
pub const STAGNATION: &[&str] = &["people"];
pub const WHAT_WORKS: &[&str] = &["groups", "curves", "effects", "bands"];
pub const EQUITY: &[&str] = &["rates", "suppressed"];

fn unknown(names: &[&str]) -> ValidationError {
    ValidationError::single("table", format!("must be one of: {}", names.join(", ")))
}

fn group_row(kind: &str, g: &GroupMetrics) -> Vec<String> {
    let r = &g.recognition;
    let t = &g.time_in_level_months;
    vec![
        s(kind),
        s(&g.group),
        o(g.manager_id),
        s(g.active),
        s(g.person_months),
        s(g.promotions),
        s(g.promotion_rate_per_year),
        s(g.micro_progressions),
        s(g.cadence_per_person_month),
        s(g.micro_promotions),
        s(g.lateral_moves),
        o(t.median),
        o(t.p25),
        o(t.p75),
        s(g.progressed_last_30_days),
        s(g.progressed_last_90_days),
        s(r.received),
        s(r.given),
        s(r.points_received),
        s(r.share_of_received),
        s(r.share_of_given),
        s(r.people_receiving),
        s(r.people_giving),
        o(r.gini_received),
        o(r.gini_given),
        o(r.reciprocity),
        s(r.pairs),
        s(g.badges_awarded),
        s(g.milestones_completed),
    ]
}

pub fn metrics(r: &MetricsReport, table: Option<&str>) -> Result<Table, ValidationError> {
    match table.unwrap_or(METRICS[0]) {
        "groups" => Ok(Table {
            header: vec![
                "kind",
                "group",
                "manager_id",
                "active",
                "person_months",
                "promotions",
                "promotion_rate_per_year",
                "micro_progressions",
                "cadence_per_person_month",
                "micro_promotions",
                "lateral_moves",
                "time_in_level_median_months",
                "time_in_level_p25_months",
                "time_in_level_p75_months",
                "progressed_last_30_days",
                "progressed_last_90_days",
                "recognition_received",
                "recognition_given",
                "recognition_points_received",
                "share_of_received",
                "share_of_given",
                "people_receiving",
                "people_giving",
                "gini_received",
                "gini_given",
                "reciprocity",
                "recognition_pairs",
                "badges_awarded",
                "milestones_completed",
            ],
            rows: std::iter::once(group_row("organization", &r.organization))
                .chain(r.by_department.iter().map(|g| group_row("department", g)))
                .chain(r.by_track.iter().map(|g| group_row("track", g)))
                .chain(r.by_manager.iter().map(|g| group_row("manager", g)))
                .collect(),
        }),
        "monthly" => Ok(Table {
            header: vec!["month_start", "active", "promotions", "micro_progressions", "cadence_per_person_month", "departures"],
            rows: r
                .monthly
                .iter()
                .map(|m| {
                    vec![m.month_start.to_rfc3339(), s(m.active), s(m.promotions), s(m.micro_progressions), s(m.cadence_per_person_month), s(m.departures)]
                })
                .collect(),
        }),
        _ => Err(unknown(METRICS)),
    }
}

pub fn stagnation(r: &StagnationReport, table: Option<&str>) -> Result<Table, ValidationError> {
    match table.unwrap_or(STAGNATION[0]) {
        "people" => Ok(Table {
            header: vec![
                "rank",
                "person_id",
                "name",
                "title",
                "department",
                "manager_id",
                "last_progression_at",
                "days_without_progression",
                "days_in_level",
                "peer_group",
                "peers",
                "peer_p75_days",
                "reasons",
            ],
            rows: r
                .rows
                .iter()
                .map(|x| {
                    vec![
                        s(x.rank),
                        s(x.person_id),
                        s(&x.name),
                        s(&x.title),
                        o(x.department.as_ref()),
                        o(x.manager_id),
                        o(x.last_progression_at.map(|t| t.to_rfc3339())),
                        s(x.days_without_progression),
                        s(x.days_in_level),
                        s(&x.peer_group),
                        s(x.peers),
                        s(x.peer_p75_days),
                        x.reasons.join("; "),
                    ]
                })
                .collect(),
        }),
        _ => Err(unknown(STAGNATION)),
    }
}

pub fn what_works(r: &WhatWorksReport, table: Option<&str>) -> Result<Table, ValidationError> {
    match table.unwrap_or(WHAT_WORKS[0]) {
        "groups" => Ok(Table {
            header: vec![
                "comparison",
                "group",
                "people",
                "events",
                "censored",
                "median_months",
                "median_lower",
                "median_upper",
                "at_12_months",
                "at_12_months_lower",
                "at_12_months_upper",
                "log_rank_chi_square",
                "log_rank_df",
                "log_rank_p",
            ],
            rows: r
                .all_comparisons()
                .flat_map(|c| {
                    c.groups.iter().map(move |g| {
                        let a = g.at_12_months.as_ref();
                        let t = c.log_rank.as_ref();
                        vec![
                            s(&c.id),
                            s(&g.group),
                            s(g.people),
                            s(g.events),
                            s(g.censored),
                            o(g.median_months),
                            o(g.median_lower),
                            o(g.median_upper),
                            o(a.map(|e| e.value)),
                            o(a.map(|e| e.lower)),
                            o(a.map(|e| e.upper)),
                            o(t.map(|t| t.chi_square)),
                            o(t.map(|t| t.degrees_of_freedom)),
                            o(t.map(|t| t.p_value)),
                        ]
                    })
                })
                .collect(),
        }),
        "curves" => Ok(Table {
            header: vec!["comparison", "group", "months", "at_risk", "events", "censored", "survival", "lower", "upper"],
            rows: r
                .all_comparisons()
                .flat_map(|c| {
                    c.groups.iter().flat_map(move |g| {
                        g.points.iter().map(move |p| {
                            vec![s(&c.id), s(&g.group), s(p.time), s(p.at_risk), s(p.events), s(p.censored), s(p.survival), s(p.lower), s(p.upper)]
                        })
                    })
                })
                .collect(),
        }),
        "effects" => Ok(Table {
            header: vec!["id", "track", "title", "estimate", "lower", "upper", "unit", "person_months", "events"],
            rows: r
                .effects
                .iter()
                .map(|e| {
                    vec![
                        s(&e.id),
                        s(&e.track),
                        s(&e.title),
                        s(e.estimate.value),
                        s(e.estimate.lower),
                        s(e.estimate.upper),
                        s(&e.unit),
                        s(e.person_months),
                        s(e.events),
                    ]
                })
                .collect(),
        }),
        "bands" => Ok(Table {
            header: vec!["wins", "person_months", "promotions", "monthly_rate", "lower", "upper"],
            rows: r
                .promotion_by_recent_wins
                .iter()
                .map(|b| vec![s(&b.wins), s(b.person_months), s(b.promotions), s(b.monthly_rate.value), s(b.monthly_rate.lower), s(b.monthly_rate.upper)])
                .collect(),
        }),
        _ => Err(unknown(WHAT_WORKS)),
    }
}

pub fn equity(r: &EquityReport, table: Option<&str>) -> Result<Table, ValidationError> {
    match table.unwrap_or(EQUITY[0]) {
        "rates" => Ok(Table {
            header: vec![
                "attribute",
                "outcome",
                "group",
                "people",
                "selected",
                "rate",
                "ratio_to_highest",
                "below_four_fifths",
                "fisher_p",
                "chi_square",
                "chi_square_df",
                "chi_square_p",
            ],
            rows: r
                .outcomes
                .iter()
                .flat_map(|x| {
                    x.groups.iter().map(move |g| {
                        let t = x.test.as_ref();
                        vec![
                            o(r.attribute.as_ref()),
                            s(&x.outcome),
                            s(&g.group),
                            s(g.people),
                            s(g.selected),
                            s(g.rate),
                            o(g.ratio_to_highest),
                            s(g.below_four_fifths),
                            o(g.fisher_p),
                            o(t.map(|t| t.chi_square)),
                            o(t.map(|t| t.degrees_of_freedom)),
                            o(t.map(|t| t.p_value)),
                        ]
                    })
                })
                .collect(),
        }),
        "suppressed" => Ok(Table {
            header: vec!["attribute", "group", "reason"],
            rows: r.suppressed.iter().map(|x| vec![o(r.attribute.as_ref()), s(&x.group), s(&x.reason)]).collect(),
        }),
        _ => Err(unknown(EQUITY)),
    }
}
