//! Pages for a manager of thousands (issue 14, item 3: team, home, timeline and
//! `/api/v1/me` in ≤ 100 ms at p99 for a manager with 10,000 people below them).
//!
//! A real `rungs serve` on loopback (in-process) over a demo database; one client
//! asks each page `--requests` times in turn, signed in (session cookie, or bearer
//! token for the API) as each of the managers measured: the person at the top of the
//! org chart (the CEO, everyone below) and the director with the largest department.
//! The **baseline** is the raw recursive query that resolves a subtree, run on the
//! same file with rusqlite (docs/BENCHMARKS.md prints it): what any page that needs
//! the whole team cannot go below.
//!
//! Run: `cargo bench -p rungs --bench pages -- [--db PATH] [--people N] [--requests N]`
//! (default 2,000 people, 200 requests per page). The organization is the demo's,
//! generated into `--db` if that file holds none (keep it to rerun: 100,000 people
//! take many minutes), else into a temporary file. Results go to standard output as a
//! Markdown table; copy them into docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

mod common;

use common::{arg, demo_store, pct};
use std::time::Instant;

use rungs_core::person::{PersonStatus, Role};
use rungs_core::store::Store;

/// The subtree query, as a page that needed the whole team would run it (the
/// recursive step as `Store::team` spells it: the row found drives the index lookup).
const SUBTREE_SQL: &str = "WITH RECURSIVE r(id) AS ( \
     SELECT id FROM people WHERE org_id = ?1 AND manager_id = ?2 \
     UNION \
     SELECT p.id FROM r CROSS JOIN people p WHERE p.org_id = ?1 AND p.manager_id = r.id \
 ) SELECT count(*) FROM r";

/// The same with a plain JOIN, as `Store::reports` had it: its plan is printed.
const SUBTREE_JOIN_SQL: &str = "WITH RECURSIVE r(id) AS ( \
     SELECT id FROM people WHERE org_id = ?1 AND manager_id = ?2 \
     UNION \
     SELECT p.id FROM people p JOIN r ON p.manager_id = r.id WHERE p.org_id = ?1 \
 ) SELECT count(*) FROM r";

fn main() -> anyhow::Result<()> {
    let people = arg("--people", 2_000);
    let requests = arg("--requests", 200).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let dir = tempfile::tempdir()?;
        let (store, path) = demo_store(dir.path(), people).await?;
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
        let org = store.default_org().await?.expect("the demo made an organization");
        let all = store.all_people(org.id).await?;
        let active = all.iter().filter(|p| p.status == PersonStatus::Active).count();
        println!("{active} active people ({} ever), {} events in the ledger", all.len(), store.stats().await?.events);

        // Who to measure: the top of the chart, and the director of the largest department.
        let ceo = all.iter().find(|p| p.manager_id.is_none() && p.status == PersonStatus::Active).expect("a CEO");
        let mut directors: Vec<(usize, &rungs_core::person::Person)> = vec![];
        for d in all.iter().filter(|p| p.manager_id == Some(ceo.id) && p.status == PersonStatus::Active) {
            directors.push((store.reports(org.id, d.id).await?.len(), d));
        }
        directors.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        let mut who = vec![(store.reports(org.id, ceo.id).await?.len(), ceo)];
        who.extend(directors.first().copied());

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(rungs_web::serve(listener, rungs_web::AppState::new(store.clone()), async {
            let _ = stop_rx.await;
        }));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let conn = rusqlite::Connection::open(&path)?;
        let version: String = conn.query_row("SELECT sqlite_version()", [], |r| r.get(0))?;
        for (what, sql) in [("plain JOIN", SUBTREE_JOIN_SQL), ("r CROSS JOIN people", SUBTREE_SQL)] {
            let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let plan: Vec<String> = st.query_map(rusqlite::params![org.id.as_bytes(), ceo.id.as_bytes()], |r| r.get(3))?.collect::<Result<_, _>>()?;
            println!("SQLite {version}, recursive step with {what}: {}", plan.join(" / "));
        }

        println!();
        println!("| manager | people below | page | p50 ms | p99 ms | max ms | KB |");
        println!("|---|---|---|---|---|---|---|");
        for (below, m) in who {
            // A session as this person, with the manager role, as the web sign-in makes it.
            rungs_app::accounts::set_password(store.as_ref(), org.id, &m.email, Some(Role::Manager), "bench-password-123").await?;
            let throttle = rungs_app::accounts::LoginThrottle::default();
            let signed =
                rungs_app::accounts::login(store.as_ref(), &throttle, &m.email, "bench-password-123", None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let cookie = format!("rungs_session={}", signed.secret);
            let (_, token) = rungs_app::tokens::create(store.as_ref(), org.id, m.id, Role::Manager, "bench").await?;

            // The baseline: the raw subtree query on the same file.
            let mut times = Vec::with_capacity(requests);
            let mut st = conn.prepare(SUBTREE_SQL)?;
            for _ in 0..requests {
                let t = Instant::now();
                let n: i64 = st.query_row(rusqlite::params![org.id.as_bytes(), m.id.as_bytes()], |r| r.get(0))?;
                times.push(t.elapsed());
                assert_eq!(n as usize, below);
            }
            times.sort();
            let name = if m.id == ceo.id { "top of the chart" } else { "largest director" };
            println!("| {name} | {below} | *baseline: raw subtree query* | {:.2} | {:.2} | {:.2} | — |", pct(&times, 0.5), pct(&times, 0.99), pct(&times, 1.0));

            let last_page = below.div_ceil(50).max(1);
            let pages = [
                "/".to_string(),
                "/team".to_string(),
                format!("/team?sort=last_progression&dir=desc&page={}", last_page / 2 + 1),
                "/timeline".to_string(),
                "/api/v1/me".to_string(),
            ];
            for page in pages {
                let mut times = Vec::with_capacity(requests);
                let mut size = 0;
                for i in 0..requests + 3 {
                    let req = client.get(format!("{base}{page}"));
                    let req = if page.starts_with("/api/") { req.bearer_auth(&token) } else { req.header("cookie", &cookie) };
                    let t = Instant::now();
                    let res = req.send().await?;
                    let status = res.status();
                    let body = res.bytes().await?;
                    let took = t.elapsed();
                    anyhow::ensure!(status.is_success(), "{page}: {status}");
                    size = body.len();
                    // The first few warm the caches (framework, statements).
                    if i >= 3 {
                        times.push(took);
                    }
                }
                times.sort();
                println!(
                    "| {name} | {below} | `{page}` | {:.2} | {:.2} | {:.2} | {:.0} |",
                    pct(&times, 0.5),
                    pct(&times, 0.99),
                    pct(&times, 1.0),
                    size as f64 / 1024.0
                );
            }
        }
        let _ = stop_tx.send(());
        let _ = server.await;
        Ok(())
    })
}
