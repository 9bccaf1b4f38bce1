//! `rungs export --format parquet`: the files are valid Parquet in several row groups,
//! hold every event and person, and DuckDB — an independent engine, reading only the
//! files — computes the same metrics as Rungs' own dashboard (`.ci/duckdb` provides
//! DuckDB in a venv and sets `RUNGS_TEST_DUCKDB_PYTHON`; without it the DuckDB half is
//! skipped with a message).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use parquet::file::reader::{FileReader, SerializedFileReader};
use rungs_app::Viewer;
use rungs_app::analytics::{Cache, metrics_report};
use rungs_core::analytics::metrics::GroupMetrics;
use rungs_core::store::Store;
use serde_json::Value;

fn metadata(path: &Path) -> (i64, usize) {
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    (r.metadata().file_metadata().num_rows(), r.metadata().num_row_groups())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Every number DuckDB computed for a group against Rungs' report of that group.
fn same(by: &str, d: &Value, g: &GroupMetrics) {
    let int = |k: &str| d[k].as_u64().unwrap_or_else(|| panic!("{by} {}: {k} missing in {d}", g.group)) as usize;
    let what = format!("{by} {:?}", g.group);
    assert_eq!(int("active"), g.active, "{what}: active");
    assert_eq!(int("promotions"), g.promotions, "{what}: promotions");
    assert_eq!(int("micro_progressions"), g.micro_progressions, "{what}: micro-progressions");
    assert_eq!(int("micro_promotions"), g.micro_promotions, "{what}: micro-promotions");
    assert_eq!(int("lateral_moves"), g.lateral_moves, "{what}: lateral moves");
    assert_eq!(int("received"), g.recognition.received, "{what}: recognition received");
    assert_eq!(int("given"), g.recognition.given, "{what}: recognition given");
    assert_eq!(int("points_received") as u64, g.recognition.points_received, "{what}: points");
    assert_eq!(int("badges"), g.badges_awarded, "{what}: badges");
    assert_eq!(int("milestones"), g.milestones_completed, "{what}: milestones");
    assert!(close(d["person_months"].as_f64().unwrap(), g.person_months), "{what}: person-months {} vs {}", d["person_months"], g.person_months);
    match (d["median_months_in_level"].as_f64(), g.time_in_level_months.median) {
        (Some(a), Some(b)) => assert!(close(a, b), "{what}: median months in level {a} vs {b}"),
        (a, b) => assert_eq!(a, b, "{what}: median months in level"),
    }
    let share = |n: usize| if g.active == 0 { 0.0 } else { n as f64 / g.active as f64 };
    assert!(close(share(int("progressed_30")), g.progressed_last_30_days), "{what}: progressed in 30 days");
    assert!(close(share(int("progressed_90")), g.progressed_last_90_days), "{what}: progressed in 90 days");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parquet_export_reads_back_in_duckdb_with_the_dashboards_numbers() {
    let dir = crate::support::tempdir();
    let store = rungs_store::open_sqlite(&dir.path().join("demo.db")).await.unwrap();
    let end = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
    rungs::demo::generate(&store, 300, 11, end).await.unwrap();
    let org = store.default_org().await.unwrap().unwrap();

    // Small row groups, so that the export is several of them, as at 10 million events.
    let out = dir.path().join("parquet");
    let done = rungs::commands::export_parquet::export_parquet_in(&store, &out, 4_000).await.unwrap();
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut after = 0;
    loop {
        let chunk = store.export_events(org.id, after, 10_000).await.unwrap();
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        for e in &chunk {
            *kinds.entry(e.kind().as_str().to_string()).or_default() += 1;
        }
    }
    let events: u64 = kinds.values().sum();
    let people = store.all_people(org.id).await.unwrap().len() as u64;
    assert_eq!((done.events, done.people), (events, people));
    let (rows, groups) = metadata(&out.join("events.parquet"));
    assert_eq!(rows as u64, events);
    assert_eq!(groups as u64, events.div_ceil(4_000), "{events} events in row groups of 4,000");
    assert_eq!(metadata(&out.join("people.parquet")).0 as u64, people);

    let report = metrics_report(&store, &Cache::default(), &Viewer::system(org.id), end, Some(12)).await.unwrap();
    let Some(python) = std::env::var_os("RUNGS_TEST_DUCKDB_PYTHON") else {
        eprintln!("skipped: the DuckDB read-back needs RUNGS_TEST_DUCKDB_PYTHON (a Python with duckdb; `.ci/duckdb` sets it up)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/duckdb_metrics.py");
    let run =
        std::process::Command::new(python).arg(&script).arg(&out).arg(report.period_start.to_rfc3339()).arg(report.period_end.to_rfc3339()).output().unwrap();
    assert!(run.status.success(), "duckdb_metrics.py failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let duck: Value = serde_json::from_slice(&run.stdout).unwrap();

    // The ledger: every event, by kind; every person.
    let duck_kinds: BTreeMap<String, u64> = serde_json::from_value(duck["kinds"].clone()).unwrap();
    assert_eq!(duck_kinds, kinds);
    assert_eq!(duck["people_rows"].as_u64(), Some(people));

    // The dashboard: the organization, every department, track and manager's team.
    let groups = duck["groups"].as_array().unwrap();
    let of = |by: &str| groups.iter().filter(|g| g["by"] == by).collect::<Vec<_>>();
    let org_row = of("organization");
    assert_eq!(org_row[0]["people"].as_u64(), Some(report.people as u64));
    same("organization", org_row[0], &report.organization);
    for (by, mine) in [("department", &report.by_department), ("track", &report.by_track)] {
        let theirs = of(by);
        assert_eq!(theirs.len(), mine.len(), "{by}: groups");
        for g in mine {
            let d = theirs.iter().find(|d| d["grp"] == g.group.as_str()).unwrap_or_else(|| panic!("{by} {:?} missing in DuckDB", g.group));
            same(by, d, g);
        }
    }
    let theirs = of("manager");
    assert_eq!(theirs.len(), report.by_manager.len(), "managers' teams");
    for g in &report.by_manager {
        let id = g.manager_id.unwrap().to_string();
        let d = theirs.iter().find(|d| d["grp"] == id.as_str()).unwrap_or_else(|| panic!("manager {id} missing in DuckDB"));
        same("manager", d, g);
    }
    assert!(report.organization.promotions > 0 && report.organization.recognition.received > 0, "the demo has something to count");
    eprintln!(
        "DuckDB agrees on {} events ({} kinds), {} people, {} groups",
        events,
        kinds.len(),
        people,
        1 + report.by_department.len() + report.by_track.len() + report.by_manager.len()
    );
}
