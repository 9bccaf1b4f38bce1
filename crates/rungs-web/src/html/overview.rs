//! The people team's overview on the home page: the organization at a glance —
//! people, who may be stalled, the department × level heat map, time in level,
//! stalled by department — and what waits on them (promotion cases, proposals). The
//! counts come from one grouped query (`rungs_app::shape::organization`: at most
//! departments × levels × 5 rows, whatever the headcount); the waiting lists are
//! each bounded by their use case.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rungs_core::store::Store;

use super::HtmlError;
use super::shape_charts::{bars, heat};
use crate::extract::Session;

/// Departments drawn in "stalled by department", most stalled first.
const STALLED_SHOWN: usize = 8;

/// The overview's context, or `None` for anyone whose reports do not cover everyone.
pub async fn context(store: &dyn Store, s: &Session, now: DateTime<Utc>) -> Result<Option<minijinja::Value>, HtmlError> {
    if !rungs_app::access::Capabilities::of(s.viewer.role).metrics_everyone {
        return Ok(None);
    }
    let shape = rungs_app::shape::organization(store, &s.viewer, now).await?;
    let departments: Vec<String> = {
        let mut d: Vec<String> = shape.cells.iter().map(|c| c.0.clone()).collect();
        d.dedup();
        d
    };
    let levels: Vec<String> = shape.levels.iter().map(|(l, _)| l.clone()).collect();
    let grid: BTreeMap<(&str, &str), u64> = shape.cells.iter().map(|(d, l, n, _)| ((d.as_str(), l.as_str()), *n)).collect();
    let count = |d: &str, l: &str| grid.get(&(d, l)).copied().unwrap_or(0);
    let heat_desc = format!(
        "Active people by department and level: {}.",
        shape.cells.iter().map(|(d, l, n, _)| format!("{d} {}: {n}", l.to_uppercase())).collect::<Vec<_>>().join(", ")
    );
    let heat_svg = heat("org-heat", "People by department and level", &heat_desc, &departments, &levels, count);
    let heat_rows: Vec<_> = departments
        .iter()
        .map(|d| minijinja::context! { department => d, cells => levels.iter().map(|l| count(d, l)).collect::<Vec<_>>(), total => levels.iter().map(|l| count(d, l)).sum::<u64>() })
        .collect();

    let til: Vec<(String, u64)> = rungs_app::shape::BUCKETS.iter().zip(shape.time_in_level).map(|(b, n)| ((*b).to_string(), n)).collect();
    let til_desc = format!(
        "Time in their current level of {}: {}.",
        rungs_core::text::count(shape.people, "person"),
        til.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", ")
    );

    let mut stalled_by: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (d, _, n, st) in &shape.cells {
        let e = stalled_by.entry(d.as_str()).or_default();
        e.0 += n;
        e.1 += st;
    }
    let mut stalled_rows: Vec<(String, u64)> = stalled_by.iter().filter(|(_, (_, st))| *st > 0).map(|(d, (_, st))| ((*d).to_string(), *st)).collect();
    stalled_rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let stalled_more = stalled_rows.len().saturating_sub(STALLED_SHOWN);
    stalled_rows.truncate(STALLED_SHOWN);
    let stalled_desc =
        format!("People who may be stalled, by department: {}.", stalled_rows.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join(", "));

    let cases = rungs_app::promotions::inbox(store, &s.viewer).await?.len();
    let proposals = rungs_app::proposals::inbox(store, &s.viewer).await?.len();
    let table = |rows: &[(String, u64)]| rows.iter().map(|(l, n)| minijinja::context! { label => l, n }).collect::<Vec<_>>();
    Ok(Some(minijinja::context! {
        people => shape.people,
        stalled => shape.stalled,
        stalled_pct => (shape.stalled * 100 + shape.people / 2).checked_div(shape.people).unwrap_or(0),
        departments => departments.len(),
        levels => levels.iter().map(|l| l.to_uppercase()).collect::<Vec<_>>(),
        heat_svg, heat_rows,
        til_svg => bars("org-til", "Everyone by time in their current level", &til_desc, &til, &[false, false, false, true, true]),
        til_rows => table(&til),
        stalled_svg => (!stalled_rows.is_empty()).then(|| bars("org-stalled", "People who may be stalled, by department", &stalled_desc, &stalled_rows, &vec![true; stalled_rows.len()])),
        stalled_rows => table(&stalled_rows),
        stalled_more,
        cases, proposals,
        stall_days => rungs_app::people::STALL_AFTER.num_days(),
    }))
}
