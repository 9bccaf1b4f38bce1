//! Every page and every GET API route for a manager of thousands and for the people
//! team (issue 14: team, home, timeline and `/api/v1/me` in ≤ 100 ms at p99 for a
//! manager with 10,000 people below them; nothing per request may grow with the org).
//!
//! A real `rungs serve` on loopback (in-process) over a demo database; one client
//! asks each page `--requests` times in turn (fewer once a page has taken
//! `--budget-ms` in all, at least 3), signed in (session cookie, or bearer token for
//! the API) as each viewer measured: the person at the top of the org chart (the CEO,
//! everyone below) and the director with the largest department, both as managers,
//! and the head of people as the people team. `--only TEXT` measures only the routes
//! containing TEXT. A page a viewer may not see is listed with its status (403/404).
//! The **baseline** is the raw recursive query that resolves a subtree, run on the
//! same file with rusqlite (docs/BENCHMARKS.md prints it): what any page that needs
//! the whole team cannot go below.
//!
//! Run: `cargo bench -p rungs --bench pages -- [--db PATH] [--people N] [--requests N]`
//! (default 2,000 people, 200 requests per page, 4,000 ms per page). The organization is the demo's,
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
    // A page slower than this in all stops being asked (at least 3 timed requests).
    let budget = std::time::Duration::from_millis(arg("--budget-ms", 4_000) as u64);
    let only = common::arg_str("--only");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let dir = tempfile::tempdir()?;
        let (store, path) = demo_store(dir.path(), people).await?;
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
        let org = store.default_org().await?.expect("the demo made an organization");
        let all = store.all_people(org.id).await?;
        let active = all.iter().filter(|p| p.status == PersonStatus::Active).count();
        println!("{active} active people ({} ever), {} events in the ledger", all.len(), store.stats().await?.events);

        // Who to measure: the top of the chart, the director of the largest department,
        // and the head of people (the people team).
        let ceo = all.iter().find(|p| p.manager_id.is_none() && p.status == PersonStatus::Active).expect("a CEO");
        let mut directors: Vec<(usize, &rungs_core::person::Person)> = vec![];
        for d in all.iter().filter(|p| p.manager_id == Some(ceo.id) && p.status == PersonStatus::Active) {
            directors.push((store.reports(org.id, d.id).await?.len(), d));
        }
        directors.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        let hr = all.iter().find(|p| p.position.title == "Head of People" && p.status == PersonStatus::Active).unwrap_or(ceo);
        let mut who = vec![("top of the chart", Role::Manager, store.reports(org.id, ceo.id).await?.len(), ceo)];
        if let Some((n, d)) = directors.first().copied() {
            who.push(("largest director", Role::Manager, n, d));
        }
        who.push(("people team (head of people)", Role::Admin, store.reports(org.id, hr.id).await?.len(), hr));

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

        // Ids for the pages about one thing, asked of the API as the people team.
        let (_, admin_token) = rungs_app::tokens::create(store.as_ref(), org.id, hr.id, Role::Admin, "bench ids").await?;
        let api = |path: String| {
            let client = client.clone();
            let url = format!("{base}{path}");
            let token = admin_token.clone();
            async move { client.get(url).bearer_auth(token).send().await?.json::<serde_json::Value>().await.map_err(anyhow::Error::from) }
        };
        let cycle = first(&api("/api/v1/cycles".into()).await?, "id").unwrap_or_default();
        let case = first(&api("/api/v1/cases".into()).await?, "id").unwrap_or_default();
        let opportunity = first(&api("/api/v1/opportunities".into()).await?, "id").unwrap_or_default();
        let proposal = first(&api("/api/v1/proposals".into()).await?, "id").unwrap_or_default();
        let badge = first(&api("/api/v1/badges".into()).await?, "key").unwrap_or_default();

        println!();
        println!("| as | people below | page | status | p50 ms | p99 ms | max ms | n | KB |");
        println!("|---|---|---|---|---|---|---|---|---|");
        for (name, role, below, m) in who {
            // A session as this person, with this role, as the web sign-in makes it.
            rungs_app::accounts::set_password(store.as_ref(), org.id, &m.email, Some(role), "bench-password-123").await?;
            let throttle = rungs_app::accounts::LoginThrottle::default();
            let signed =
                rungs_app::accounts::login(store.as_ref(), &throttle, &m.email, "bench-password-123", None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let cookie = format!("rungs_session={}", signed.secret);
            let (_, token) = rungs_app::tokens::create(store.as_ref(), org.id, m.id, role, "bench").await?;
            let report = all.iter().find(|p| p.manager_id == Some(m.id) && p.status == PersonStatus::Active).unwrap_or(m).id;
            let event = first(&api(format!("/api/v1/people/{report}/events?limit=1")).await?, "id").unwrap_or_default();

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
            println!(
                "| {name} | {below} | *baseline: raw subtree query* | — | {:.2} | {:.2} | {:.2} | {requests} | — |",
                pct(&times, 0.5),
                pct(&times, 0.99),
                pct(&times, 1.0)
            );

            let last_page = below.div_ceil(50).max(1);
            let ids = [
                ("{me}", m.id.to_string()),
                ("{report}", report.to_string()),
                ("{cycle}", cycle.clone()),
                ("{case}", case.clone()),
                ("{opportunity}", opportunity.clone()),
                ("{proposal}", proposal.clone()),
                ("{badge}", badge.clone()),
                ("{event}", event),
                ("{mid}", (last_page / 2 + 1).to_string()),
            ];
            for page in PAGES.iter().chain(API) {
                if only.as_deref().is_some_and(|o| !page.contains(o)) {
                    continue;
                }
                let mut url = (*page).to_string();
                for (k, v) in &ids {
                    url = url.replace(k, v);
                }
                let mut times = Vec::with_capacity(requests);
                let mut size = 0;
                let mut status = reqwest::StatusCode::OK;
                let started = Instant::now();
                for i in 0..requests + 2 {
                    let req = client.get(format!("{base}{url}"));
                    let req = if url.starts_with("/api/") { req.bearer_auth(&token) } else { req.header("cookie", &cookie).header("accept", "text/html") };
                    let t = Instant::now();
                    let res = req.send().await?;
                    status = res.status();
                    let body = res.bytes().await?;
                    let took = t.elapsed();
                    size = body.len();
                    // The first two warm the caches (framework, statements, snapshots).
                    if i >= 2 {
                        times.push(took);
                    }
                    if times.len() >= 3 && started.elapsed() > budget {
                        break;
                    }
                }
                times.sort();
                println!(
                    "| {name} | {below} | `{page}` | {} | {:.2} | {:.2} | {:.2} | {} | {:.0} |",
                    status.as_u16(),
                    pct(&times, 0.5),
                    pct(&times, 0.99),
                    pct(&times, 1.0),
                    times.len(),
                    size as f64 / 1024.0
                );
            }
        }
        let _ = stop_tx.send(());
        let _ = server.await;
        Ok(())
    })
}

/// The first string (or number) under `key` anywhere in `v`, depth first.
fn first(v: &serde_json::Value, key: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(o) => o
            .get(key)
            .and_then(|x| x.as_str().map(String::from).or_else(|| x.as_i64().map(|n| n.to_string())))
            .or_else(|| o.values().find_map(|x| first(x, key))),
        serde_json::Value::Array(a) => a.iter().find_map(|x| first(x, key)),
        _ => None,
    }
}

/// Every GET page of `rungs_web::html::routes` (path ids filled in per viewer).
const PAGES: &[&str] = &[
    "/",
    "/wins/new",
    "/recognition",
    "/recognition/collusion",
    "/badges",
    "/badges/admin",
    "/badges/{badge}/image.svg",
    "/people/{report}/badges",
    "/timeline",
    "/people/{report}/timeline",
    "/progress",
    "/people/{report}/progress",
    "/people/{report}/packet",
    "/export",
    "/team",
    "/team?sort=last_progression&dir=desc&page={mid}",
    "/analytics",
    "/analytics/what-works",
    "/analytics/equity",
    "/analytics/metrics.csv",
    "/analytics/stagnation.csv",
    "/analytics/what-works.csv",
    "/analytics/equity.csv",
    "/analytics/what-works.svg",
    "/analytics/equity.svg",
    "/people",
    "/people?q=an",
    "/framework",
    "/framework.yaml",
    "/people/import",
    "/opportunities",
    "/opportunities/new",
    "/opportunities/{opportunity}",
    "/promotions",
    "/cycles/{cycle}/nominate",
    "/cycles/{cycle}/board",
    "/cases/{case}",
    "/scim-tokens",
    "/proposals",
    "/approval-routes",
    "/webhooks",
    "/evidence",
    "/notifications",
    "/notifications/settings",
];

/// Every GET operation of the OpenAPI document (`crates/rungs-web/tests/it/snapshots/openapi.json`).
const API: &[&str] = &[
    "/api/v1/me",
    "/api/v1/me/delegation",
    "/api/v1/me/suggestions",
    "/api/v1/people",
    "/api/v1/people?q=an",
    "/api/v1/people/{report}",
    "/api/v1/people/{report}/badges",
    "/api/v1/people/{report}/events",
    "/api/v1/people/{report}/packet",
    "/api/v1/people/{report}/readiness",
    "/api/v1/people/{report}/recommendations",
    "/api/v1/people/{report}/timeline",
    "/api/v1/readiness",
    "/api/v1/analytics/metrics",
    "/api/v1/analytics/metrics.svg",
    "/api/v1/analytics/stagnation",
    "/api/v1/analytics/what-works",
    "/api/v1/analytics/what-works.svg",
    "/api/v1/analytics/equity",
    "/api/v1/analytics/equity.svg",
    "/api/v1/approvals",
    "/api/v1/badges",
    "/api/v1/badges/{badge}/image.svg",
    "/api/v1/cases",
    "/api/v1/cases/{case}",
    "/api/v1/cycles",
    "/api/v1/cycles/{cycle}/board",
    "/api/v1/events/{event}",
    "/api/v1/evidence/mapping",
    "/api/v1/evidence/sources",
    "/api/v1/framework",
    "/api/v1/framework/diff",
    "/api/v1/framework/suggest?text=testing",
    "/api/v1/framework/versions",
    "/api/v1/framework/yaml",
    "/api/v1/notifications",
    "/api/v1/notifications/preferences",
    "/api/v1/opportunities",
    "/api/v1/opportunities/{opportunity}",
    "/api/v1/proposals",
    "/api/v1/proposals/{proposal}",
    "/api/v1/recognition",
    "/api/v1/recognition/balance",
    "/api/v1/recognition/collusion",
    "/api/v1/recognition/policy",
    "/api/v1/routes",
    "/api/v1/tokens",
    "/api/v1/webhooks",
    "/api/v1/webhooks/deliveries",
    "/api/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
];
