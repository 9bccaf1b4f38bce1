//! What the page and readiness benchmarks share: their arguments and the demo
//! database they measure against (generated once, or reused with `--db`).

use std::time::Instant;

use chrono::Utc;
use rungs_core::store::Store;

pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The demo store at `--db` (or in `dir`), with a demo of `people` generated into
/// it when it is empty (seed 42, ending now); and the database file's path.
pub async fn demo_store(dir: &std::path::Path, people: usize) -> anyhow::Result<(rungs_store::SqliteStore, std::path::PathBuf)> {
    let path = arg_str("--db").map_or_else(|| dir.join("bench.db"), std::path::PathBuf::from);
    let store = rungs_store::open_sqlite(&path).await?;
    if store.default_org().await?.is_none() {
        let t = Instant::now();
        rungs::demo::generate(&store, people, 42, Utc::now()).await?;
        println!("demo of {people} people generated in {:.1}s into {}", t.elapsed().as_secs_f64(), path.display());
    }
    Ok((store, path))
}

/// The `p` quantile of sorted durations, in milliseconds.
pub fn pct(sorted: &[std::time::Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}
