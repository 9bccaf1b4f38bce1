//! Readiness benchmarks (PRODUCT.md: a person's readiness p99 ≤ 10 ms; issue 6: one
//! person and the whole organization):
//!
//! * `compute`: the pure function alone (`readiness` + `recommend`) over each active
//!   person's events, already in memory: p50/p99 and the total for everyone.
//! * `request`: the use case `rungs_app::readiness::get` as the people team (access
//!   check, person, ledger, framework and versions read from SQLite, then compute),
//!   p50/p99 over random people.
//! * `org`: the use case for every active person in turn: total wall time.
//!
//! Run: `cargo bench -p rungs --bench readiness -- [--people N] [--requests N]`
//! (default 2,000 people, 2,000 requests). The organization is the demo's, generated
//! into a temporary SQLite file. Results go to standard output; copy them into
//! docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use chrono::Utc;
use rand::{Rng, SeedableRng};
use rungs_core::person::{PersonStatus, Role};
use rungs_core::readiness::{readiness, recommend};
use rungs_core::store::Store;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let people = arg("--people", 2_000);
    let requests = arg("--requests", 2_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let dir = tempfile::tempdir()?;
        let store = rungs_store::open_sqlite(&dir.path().join("bench.db")).await?;
        let t = Instant::now();
        rungs::demo::generate(&store, people, 42, Utc::now()).await?;
        println!("demo of {people} people generated in {:.1}s", t.elapsed().as_secs_f64());
        let org = store.default_org().await?.expect("the demo made an organization");
        let fw = store.framework(org.id).await?;
        let all: Vec<_> = store.all_people(org.id).await?.into_iter().filter(|p| p.status == PersonStatus::Active).collect();
        let now = Utc::now();

        // compute: the pure function, events in memory.
        let mut ledgers = Vec::with_capacity(all.len());
        for p in &all {
            ledgers.push(store.subject_events(org.id, p.id).await?);
        }
        let events: usize = ledgers.iter().map(Vec::len).sum();
        let mut times = Vec::with_capacity(all.len());
        let total = Instant::now();
        for (p, ev) in all.iter().zip(&ledgers) {
            let t = Instant::now();
            let r = readiness(&fw, &p.position, ev, now);
            std::hint::black_box(recommend(&r));
            times.push(t.elapsed());
        }
        let total = total.elapsed();
        times.sort();
        println!(
            "compute  | {} people, {events} events | p50 {:.3} ms | p99 {:.3} ms | all {:.0} ms",
            all.len(),
            pct(&times, 0.5),
            pct(&times, 0.99),
            total.as_secs_f64() * 1000.0
        );

        // request: the use case, random people.
        let admin = all.iter().find(|p| p.position.track == "operations").unwrap_or(&all[0]);
        let viewer = rungs_app::Viewer { org_id: org.id, person_id: Some(admin.id), role: Role::Admin, token_id: None };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let p = &all[rng.gen_range(0..all.len())];
            let t = Instant::now();
            std::hint::black_box(rungs_app::readiness::get(&store, &viewer, p.id).await?);
            times.push(t.elapsed());
        }
        times.sort();
        println!("request  | {requests} requests | p50 {:.3} ms | p99 {:.3} ms", pct(&times, 0.5), pct(&times, 0.99));

        // org: everyone through the use case.
        let t = Instant::now();
        for p in &all {
            std::hint::black_box(rungs_app::readiness::get(&store, &viewer, p.id).await?);
        }
        println!("org      | {} people | {:.2} s", all.len(), t.elapsed().as_secs_f64());
        anyhow::Ok(())
    })
}
