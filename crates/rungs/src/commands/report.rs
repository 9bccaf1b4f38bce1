//! `rungs report metrics|stagnation|what-works|equity [--json | --csv TABLE]`: the
//! analytics as the people team sees them (the same use cases as
//! `GET /api/v1/analytics/…`). `--json` prints the whole report: every curve point
//! with its interval, the test statistics, p-values and group sizes; `--csv` one of
//! its tables, as the API's `?format=csv`.

use chrono::{TimeZone, Utc};
use rungs_app::Viewer;
use rungs_app::analytics::{self, Cache, tables};
use rungs_core::analytics::whatworks::p_text;

use super::{open_store, the_org};
use crate::cli::ReportWhat;

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Print `--json` or `--csv`; `true` when done so (nothing else to print).
fn machine<R: serde::Serialize>(
    r: &R,
    json: bool,
    csv: Option<&str>,
    pick: impl FnOnce(&R, Option<&str>) -> Result<tables::Table, rungs_core::ValidationError>,
) -> anyhow::Result<bool> {
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(true);
    }
    if let Some(t) = csv {
        print!("{}", pick(r, Some(t)).map_err(|e| anyhow::anyhow!("--csv: {e}"))?.to_csv());
        return Ok(true);
    }
    Ok(false)
}

fn opt(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{v:.1}"))
}

pub async fn run(db: &str, what: ReportWhat) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let (cache, viewer, now) = (Cache::default(), Viewer::system(org.id), Utc::now());
    // The snapshot first (what a server does once, then incrementally), then the report
    // from it (what every request does): both timed on standard error.
    let started = std::time::Instant::now();
    cache.snapshot(store.as_ref(), org.id, now).await?;
    let read = started.elapsed();
    let started = std::time::Instant::now();
    let result = print(store.as_ref(), &cache, &viewer, now, what).await;
    eprintln!(
        "ledger read into the snapshot in {:.0} ms; report computed and printed in {:.0} ms",
        read.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
    result
}

async fn print(store: &dyn rungs_core::store::Store, cache: &Cache, viewer: &Viewer, now: chrono::DateTime<Utc>, what: ReportWhat) -> anyhow::Result<()> {
    match what {
        ReportWhat::Metrics { months, json, csv } => {
            let r = analytics::metrics_report(store, cache, viewer, now, Some(months)).await?;
            if machine(&r, json, csv.as_deref(), tables::metrics)? {
                return Ok(());
            }
            println!("{} people, {} to {}", r.people, r.period_start.date_naive(), r.period_end.date_naive());
            println!(
                "group\tactive\tpromotions/yr\twins/person-month\tmedian months in level\tprogressed 30d\tprogressed 90d\tmicro-promotions\tlateral moves"
            );
            for g in std::iter::once(&r.organization).chain(&r.by_department).chain(&r.by_track) {
                println!(
                    "{}\t{}\t{:.3}\t{:.2}\t{}\t{}\t{}\t{}\t{}",
                    g.group,
                    g.active,
                    g.promotion_rate_per_year,
                    g.cadence_per_person_month,
                    opt(g.time_in_level_months.median),
                    pct(g.progressed_last_30_days),
                    pct(g.progressed_last_90_days),
                    g.micro_promotions,
                    g.lateral_moves
                );
            }
            let o = &r.organization.recognition;
            println!(
                "recognition: {} received, Gini {} (received) {} (given), reciprocity {}; {} badges, {} milestones",
                o.received,
                o.gini_received.map_or("—".into(), |g| format!("{g:.3}")),
                o.gini_given.map_or("—".into(), |g| format!("{g:.3}")),
                o.reciprocity.map_or("—".into(), pct),
                r.organization.badges_awarded,
                r.organization.milestones_completed
            );
            println!("({} managers' teams, and recognition per group, in --json or --csv groups)", r.by_manager.len());
        }
        ReportWhat::Stagnation { days, json, csv } => {
            let r = analytics::stagnation_report(store, cache, viewer, now, Some(days)).await?;
            if machine(&r, json, csv.as_deref(), tables::stagnation)? {
                return Ok(());
            }
            println!("{} of {} active people at risk. {}", r.rows.len(), r.considered, r.method);
            for x in &r.rows {
                println!("{}. {} ({}): {}", x.rank, x.name, x.title, x.reasons.join("; "));
            }
        }
        ReportWhat::WhatWorks { landmark, json, csv } => {
            let landmark = landmark.and_then(|d| Utc.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single());
            let r = analytics::what_works_report(store, cache, viewer, now, landmark).await?;
            if machine(&r, json, csv.as_deref(), tables::what_works)? {
                return Ok(());
            }
            println!(
                "landmark {}: {} people employed with 12 months of history ({} more hired later left out)",
                r.landmark.date_naive(),
                r.cohort,
                r.excluded_short_history
            );
            for c in r.all_comparisons() {
                println!("\n{}", c.title);
                for g in &c.groups {
                    let at = g.at_12_months.as_ref().map_or("—".into(), |e| format!("{} [{}, {}]", pct(e.value), pct(e.lower), pct(e.upper)));
                    println!(
                        "  {:<32} n={:<6} events={:<5} censored={:<6} median={} months  S(12)={at}",
                        g.group,
                        g.people,
                        g.events,
                        g.censored,
                        opt(g.median_months)
                    );
                }
                if let Some(t) = &c.log_rank {
                    println!("  log-rank χ²={:.2}, df={}, p {}", t.chi_square, t.degrees_of_freedom, p_text(t.p_value));
                }
            }
            println!("\nperson-month estimates:");
            for e in &r.effects {
                println!(
                    "  {}: {:.4} [{:.4}, {:.4}] {} ({:.0} person-months, {:.0} events)",
                    e.title, e.estimate.value, e.estimate.lower, e.estimate.upper, e.unit, e.person_months, e.events
                );
            }
            println!("\nconclusion:");
            for c in &r.conclusion {
                println!("  - {c}");
            }
            println!("caveats:");
            for c in &r.caveats {
                println!("  - {c}");
            }
        }
        ReportWhat::Equity { attribute, months, json, csv } => {
            let r = analytics::equity_report(store, cache, viewer, now, attribute.as_deref(), Some(months)).await?;
            if machine(&r, json, csv.as_deref(), tables::equity)? {
                return Ok(());
            }
            let Some(attr) = &r.attribute else {
                println!("Nobody has a sensitive attribute recorded: nothing to compare.");
                return Ok(());
            };
            println!(
                "{} people employed on {}, by {attr} ({} without a value); attributes recorded: {}",
                r.cohort,
                r.period_start.date_naive(),
                r.not_recorded,
                r.attributes.join(", ")
            );
            for o in &r.outcomes {
                println!("\n{}", o.finding);
                println!("  group\tpeople\tselected\trate\tratio\tFisher p");
                for g in &o.groups {
                    println!(
                        "  {}\t{}\t{}\t{:.1}%\t{}{}\t{}",
                        g.group,
                        g.people,
                        g.selected,
                        g.rate * 100.0,
                        g.ratio_to_highest.map_or("—".into(), |x| format!("{x:.2}")),
                        if g.below_four_fifths { " (below 4/5)" } else { "" },
                        g.fisher_p.map_or("reference".into(), p_text)
                    );
                }
            }
            for x in &r.suppressed {
                println!("suppressed: {}: {}", x.group, x.reason);
            }
            println!("\n{}", r.method);
        }
    }
    Ok(())
}
