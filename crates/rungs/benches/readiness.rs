//! Readiness benchmarks (PRODUCT.md: a person's readiness p99 ≤ 10 ms; issue 6: one
//! person and the whole organization):
//!
//! * `compute`: the pure function alone (`readiness` + `recommend`) over each active
//!   person's events, already in memory: p50/p99 and the total for everyone.
//! * `request`: the use case `rungs_app::readiness::get` as the people team (access
//!   check, person, ledger, framework and versions read from SQLite, then compute),
//!   p50/p99 over random people.
//! * `org, per person` (the **baseline**): that use case for every active person in
//!   turn — what an organization-wide view cost before `org_readiness`.
//! * `org, one scan`: `rungs_app::org_readiness::summaries` for every active person
//!   (one streaming read of the ledger's wins, validations, reversals and completions,
//!   then each person's score and top gap on all cores), and `list` (the same plus
//!   reading everyone and sorting, what `GET /api/v1/readiness` does). Every score is
//!   checked against the baseline's.
//!
//! Run: `cargo bench -p rungs --bench readiness -- [--people N] [--requests N]
//! [--db PATH] [--skip-baseline]` (default 2,000 people, 2,000 requests). The
//! organization is the demo's, generated into `--db` if that file holds none (keep it
//! to rerun without regenerating: 100,000 people take minutes), else into a temporary
//! file. Results go to standard output; copy them into docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

mod common;

use common::{arg, demo_store, pct};
use std::time::Instant;

use chrono::Utc;
use rand::{Rng, SeedableRng};
use rungs_core::person::{PersonStatus, Role};
use rungs_core::readiness::{readiness, recommend};
use rungs_core::store::Store;

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let people = arg("--people", 2_000);
    let requests = arg("--requests", 2_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let dir = tempfile::tempdir()?;
        let (store, _) = demo_store(dir.path(), people).await?;
        let org = store.default_org().await?.expect("the demo made an organization");
        let fw = store.framework(org.id).await?;
        let all: Vec<_> = store.all_people(org.id).await?.into_iter().filter(|p| p.status == PersonStatus::Active).collect();
        let stats = store.stats().await?;
        println!("{} active people, {} events in the ledger", all.len(), stats.events);
        let now = Utc::now();

        // compute: the pure function, events in memory (a sample at most 20,000).
        let sample = &all[..all.len().min(20_000)];
        let mut ledgers = Vec::with_capacity(sample.len());
        for p in sample {
            ledgers.push(store.subject_events(org.id, p.id).await?);
        }
        let events: usize = ledgers.iter().map(Vec::len).sum();
        let mut times = Vec::with_capacity(sample.len());
        let total = Instant::now();
        for (p, ev) in sample.iter().zip(&ledgers) {
            let t = Instant::now();
            let r = readiness(&fw, &p.position, ev, now);
            std::hint::black_box(recommend(&r));
            times.push(t.elapsed());
        }
        let total = total.elapsed();
        drop(ledgers);
        times.sort();
        println!(
            "compute  | {} people, {events} events | p50 {:.3} ms | p99 {:.3} ms | all {:.0} ms",
            sample.len(),
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

        // The read alone: every fact streamed from the store, nothing done with them.
        let t = Instant::now();
        let (mut after, mut facts) = (0, 0usize);
        loop {
            let chunk = store.readiness_facts(org.id, after, 50_000).await?;
            let Some(last) = chunk.last() else { break };
            after = last.seq;
            facts += chunk.len();
        }
        println!("org read | {facts} facts | {:.2} s (the store's part of the scan)", t.elapsed().as_secs_f64());

        // org, one scan. The peak memory is measured from here (Linux: writing 5 to
        // clear_refs resets the high-water mark), so the ledgers held above do not count.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = peak_rss_mb();
        let t = Instant::now();
        let summaries = rungs_app::org_readiness::summaries(&store, org.id, fw.clone(), &all, now).await?;
        let scan = t.elapsed();
        let mem = match (before, peak_rss_mb()) {
            (Some(b), Some(a)) => format!(" | resident {b:.0} MB before, peak {a:.0} MB during"),
            _ => String::new(),
        };
        println!("org scan | {} people | {:.2} s{mem}", all.len(), scan.as_secs_f64());
        let t = Instant::now();
        let listed = rungs_app::org_readiness::list(&store, &viewer, now).await?;
        println!("org list | {} people | {:.2} s (reads everyone, scans, sorts)", listed.people.len(), t.elapsed().as_secs_f64());
        let mut hist = [0usize; 5];
        for s in summaries.iter().filter(|s| s.next_level.is_some()) {
            hist[usize::from(s.score / 20).min(4)] += 1;
        }
        println!("scores   | 0-19: {} | 20-39: {} | 40-59: {} | 60-79: {} | 80-100: {}", hist[0], hist[1], hist[2], hist[3], hist[4]);

        // org, per person: the baseline, and the check that both give the same scores.
        if !flag("--skip-baseline") {
            let t = Instant::now();
            let mut mismatches = 0;
            for (p, s) in all.iter().zip(&summaries) {
                let r = rungs_app::readiness::get_at(&store, &viewer, p.id, now).await?;
                mismatches += usize::from(r.readiness.score != s.score);
            }
            let base = t.elapsed();
            println!(
                "org loop | {} people | {:.2} s (baseline) | scan is {:.1}x faster | {mismatches} scores differ",
                all.len(),
                base.as_secs_f64(),
                base.as_secs_f64() / scan.as_secs_f64()
            );
        }
        if let Some(mb) = peak_rss_mb() {
            println!("memory   | peak resident {mb:.0} MB (includes generation when the demo was made in this run)");
        }
        anyhow::Ok(())
    })
}
