//! The binary on PostgreSQL: several `rungs serve` instances on one database (one
//! killed with `kill -9` mid-stream), and `migrate-store` from SQLite. Each test gets
//! a fresh database; without RUNGS_TEST_PG_URL they skip loudly.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rungs_core::jobs::NewJob;
use serde_json::{Value, json};

use crate::support::*;

const JOB_ENV: &[(&str, &str)] =
    &[("RUNGS_LOG", "info"), ("RUNGS_LOG_FORMAT", "json"), ("RUNGS_JOB_POLL_MS", "50"), ("RUNGS_JOB_LEASE_SECS", "2"), ("RUNGS_SWEEP_EVERY_SECS", "1")];

/// Ids of the jobs an instance's log says it finished (with its fencing token held).
fn finished_jobs(log: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "job finished")
        .filter_map(|v| v["fields"]["job"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_one_killed_lose_and_duplicate_nothing() {
    let Some(pg) = PgDb::new().await else { return };
    let dir = tempdir();
    let token = init(&pg.url);
    let logs: Vec<_> = (0..3).map(|i| path(dir.path(), &format!("serve{i}.log"))).collect();
    let mut servers: Vec<Option<Server>> = logs.iter().map(|l| Some(Server::start_with(&pg.url, JOB_ENV, Some(l)))).collect();
    let bases: Vec<String> = servers.iter().map(|s| s.as_ref().unwrap().base.clone()).collect();

    // One-off jobs beside the periodic sweep: every one must run, none twice.
    let store = rungs_store::open(&pg.url).await.unwrap();
    let mut one_offs = HashSet::new();
    for _ in 0..30 {
        let id = uuid::Uuid::now_v7();
        let job = NewJob { id, kind: "sweep".into(), payload: json!({}), run_at: chrono::Utc::now(), every_secs: None, unique_key: None };
        assert!(store.enqueue_job(&job).await.unwrap());
        one_offs.insert(id.to_string());
    }

    let client = reqwest::Client::new();
    let me: Value = client.get(format!("{}/api/v1/me", bases[0])).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let subject = me["person"]["id"].as_str().expect("me.person.id").to_string();
    let acked_count = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for w in 0..12 {
        let (client, base, token, subject, count) = (client.clone(), bases[w % 3].clone(), token.clone(), subject.clone(), acked_count.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = vec![];
            for i in 0..40 {
                let body = json!({"subject": subject, "kind": "micro_progression",
                    "payload": {"category": "skill", "magnitude": "nano", "title": format!("win {w}-{i}")}});
                // The killed instance's writers stop at their first failure.
                let Ok(r) = client.post(format!("{base}/api/v1/events")).bearer_auth(&token).json(&body).send().await else { break };
                if r.status() != 201 {
                    break;
                }
                let Ok(e) = r.json::<Value>().await else { break };
                acked.push(e["id"].as_str().unwrap().to_string());
                count.fetch_add(1, Ordering::Relaxed);
            }
            (w, acked)
        }));
    }
    // kill -9 the third instance mid-stream.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked_count.load(Ordering::Relaxed) < 120 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    servers[2].take().unwrap().kill_9();
    let mut acked = HashSet::new();
    let mut survivors_acked = 0;
    for t in tasks {
        let (w, ids) = t.await.unwrap();
        if w % 3 != 2 {
            assert_eq!(ids.len(), 40, "writer {w} talks to a live instance and completes");
            survivors_acked += ids.len();
        }
        acked.extend(ids);
    }
    assert_eq!(survivors_acked, 320);

    // No acknowledged event lost, none duplicated.
    let mut found = Vec::new();
    let mut after = 0;
    loop {
        let org = store.default_org().await.unwrap().unwrap();
        let chunk = store.export_events(org.id, after, 1000).await.unwrap();
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        found.extend(chunk);
    }
    let ids: HashSet<String> = found.iter().map(|e| e.id.to_string()).collect();
    let lost: Vec<_> = acked.difference(&ids).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost", lost.len());
    let mut titles: HashMap<String, usize> = HashMap::new();
    for e in &found {
        if let rungs_core::event::EventBody::MicroProgression(m) = &e.body {
            *titles.entry(m.title.clone()).or_default() += 1;
        }
    }
    assert!(titles.values().all(|&n| n == 1), "an event was recorded twice");
    assert!(found.windows(2).all(|w| w[1].seq == w[0].seq + 1), "seqs are gapless and ordered");

    // Projections equal a rebuild.
    let org = store.default_org().await.unwrap().unwrap();
    let person = store.person(org.id, subject.parse().unwrap()).await.unwrap();
    assert_eq!(person.micro_progressions as usize, titles.len(), "the projection committed with the events");
    drop(store);
    let out = run(&["rebuild", "--db", &pg.url], 0);
    assert!(stdout(&out).contains("equals the live state"), "{}", stdout(&out));

    // Background work: every one-off job ran (the killed instance's leases expired
    // and were taken over), none was finished twice, and the periodic sweep exists
    // once and keeps being rescheduled by the survivors.
    let client = pg.client().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left: i64 = client.query_one("SELECT count(*) FROM jobs WHERE every_secs IS NULL", &[]).await.unwrap().get(0);
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{left} one-off jobs never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let periodic: i64 = client.query_one("SELECT count(*) FROM jobs WHERE kind = 'sweep' AND every_secs IS NOT NULL", &[]).await.unwrap().get(0);
    assert_eq!(periodic, 1, "three instances registered the periodic sweep once");
    let before: chrono::DateTime<chrono::Utc> =
        client.query_one("SELECT run_at FROM jobs WHERE kind = 'sweep' AND every_secs IS NOT NULL", &[]).await.unwrap().get(0);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later: chrono::DateTime<chrono::Utc> =
        client.query_one("SELECT run_at FROM jobs WHERE kind = 'sweep' AND every_secs IS NOT NULL", &[]).await.unwrap().get(0);
    assert!(later > before, "the survivors keep running the periodic sweep");
    drop(servers);
    let mut finished: HashMap<String, usize> = HashMap::new();
    for log in &logs {
        for id in finished_jobs(log) {
            *finished.entry(id).or_default() += 1;
        }
    }
    for id in &one_offs {
        assert!(finished.get(id).copied().unwrap_or(0) <= 1, "job {id} was finished twice");
    }
    let by_survivors: usize = logs[..2].iter().map(|l| finished_jobs(l).iter().filter(|id| one_offs.contains(*id)).count()).sum();
    let by_killed = finished_jobs(&logs[2]).iter().filter(|id| one_offs.contains(*id)).count();
    assert_eq!(by_survivors + by_killed, 30, "every one-off job finished exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_store_round_trips_the_demo_organization() {
    let Some(pg) = PgDb::new().await else { return };
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    run(&["demo", "--no-serve", "--people", "300", "--db", &a], 0);
    // One credential revoked before the copy (the demo issues some).
    let listed = stdout(&run(&["credential", "list", "--db", &a], 0));
    let revoked = listed.split_whitespace().next().expect("the demo issued credentials").to_string();
    run(&["credential", "revoke", "--db", &a, &revoked, "--reason", "before the move"], 0);
    let out = run(&["migrate-store", "--from", &format!("sqlite://{a}"), "--to", &pg.url], 0);
    let text = stdout(&out);
    assert!(text.contains("the target equals the source"), "{text}");
    let digests: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("ledger sha256 ")).collect();
    assert_eq!(digests.len(), 2, "{text}");
    assert_eq!(digests[0], digests[1]);

    // Compared independently of the command's own check.
    let (src, dst) = (rungs_store::open(&a).await.unwrap(), rungs_store::open(&pg.url).await.unwrap());
    let org = src.default_org().await.unwrap().unwrap();
    assert_eq!(dst.default_org().await.unwrap(), Some(org.clone()));
    assert_eq!(src.all_people(org.id).await.unwrap(), dst.all_people(org.id).await.unwrap());
    assert_eq!(src.export_events(org.id, 0, 10_000).await.unwrap(), dst.export_events(org.id, 0, 10_000).await.unwrap());
    assert_eq!(src.tokens(org.id, None).await.unwrap(), dst.tokens(org.id, None).await.unwrap());
    assert_eq!(src.framework(org.id).await.unwrap(), dst.framework(org.id).await.unwrap());
    // The opportunity board, every status and evidence link included.
    let board = |s: &std::sync::Arc<dyn rungs_core::store::Store>| {
        let s = s.clone();
        async move {
            let q = rungs_core::opportunity::OpportunityQuery { limit: 1000, ..Default::default() };
            let opps = s.opportunities(org.id, &q).await.unwrap().items;
            let apps = s.applications(org.id, &Default::default()).await.unwrap();
            (opps, apps)
        }
    };
    let (from, to) = (board(&src).await, board(&dst).await);
    assert!(from.0.len() >= 7 && from.1.iter().any(|a| a.evidence.is_some()), "the demo has a board: {from:?}");
    assert_eq!(from, to);
    assert!(text.contains("board sha256"), "{text}");
    // The issued credentials, as signed, revoked as at the source.
    let issued = |s: &std::sync::Arc<dyn rungs_core::store::Store>| {
        let s = s.clone();
        async move { s.credentials_page(org.id, None, 1000).await.unwrap() }
    };
    let (from, to) = (issued(&src).await, issued(&dst).await);
    assert!(!from.is_empty());
    assert_eq!(from, to);
    let moved: uuid::Uuid = revoked.parse().unwrap();
    assert_eq!(dst.credential(moved).await.unwrap().revoke_reason.as_deref(), Some("before the move"));
    assert_eq!(src.credential_cursor(org.id).await.unwrap(), dst.credential_cursor(org.id).await.unwrap());
    drop(dst);

    // A non-empty target is refused.
    let out = run(&["migrate-store", "--from", &a, "--to", &pg.url], 1);
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    // And the copy serves: a rebuild on PostgreSQL equals its live state.
    run(&["rebuild", "--db", &pg.url], 0);
}

/// `rungs demo --db postgres://…` end to end: it generates, seeds the board, writes
/// the truths to `./rungs-demo.truths.json` (a URL is not a path), prints the three
/// logins and serves them. It used to stop after generating, writing
/// `postgres://…/db.truths.json` as a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_end_to_end_on_postgres_and_serves_its_logins() {
    use std::io::{BufRead, BufReader};
    let Some(pg) = PgDb::new().await else { return };
    let dir = tempdir();
    let port = free_port();
    let mut child = rungs()
        .current_dir(dir.path())
        .args(["demo", "--db", &pg.url, "--people", "40", "--seed", "3", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("rungs demo starts");
    // Read stdout on a thread until the banner ends (the server is then listening).
    let pipe = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            if line.contains("Stop with Ctrl-C") {
                break;
            }
        }
        let _ = tx.send(text);
    });
    let text = match rx.recv_timeout(Duration::from_secs(180)) {
        Ok(t) if t.contains("Stop with Ctrl-C") => t,
        other => {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("the demo did not come up: {other:?}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
        }
    };
    let tokens: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("token: ")).collect();
    assert_eq!(tokens.len(), 3, "three logins: {text}");
    assert_eq!(text.matches("password: ").count(), 3, "{text}");

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for t in &tokens {
        let res = client.get(format!("{base}/api/v1/me")).bearer_auth(t).send().await.unwrap();
        assert_eq!(res.status(), 200, "the printed token signs in");
    }
    let board: Value = client.get(format!("{base}/api/v1/opportunities")).bearer_auth(tokens[0]).send().await.unwrap().json().await.unwrap();
    assert!(board["items"].as_array().is_some_and(|a| !a.is_empty()), "the board is seeded: {board}");
    let _ = child.kill();
    let _ = child.wait();

    let truths: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("rungs-demo.truths.json")).expect("the truths file in the current directory")).unwrap();
    assert_eq!(truths["seed"], 3, "{truths}");

    // Run again: the database is kept and served as it is, with fresh logins; an
    // explicit --truths is not needed then (nothing new is generated).
    let out = rungs().current_dir(dir.path()).args(["demo", "--db", &pg.url, "--no-serve"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stderr(&out).contains("already holds"), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("token: rungs_").count(), 3, "{}", stdout(&out));
}

/// A TCP proxy to PostgreSQL that can be taken down (every connection cut, the port
/// refusing) and brought back on the same port: "the database is unreachable" for
/// one server without stopping the shared PostgreSQL.
struct Proxy {
    port: u16,
    target: String,
    tasks: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(target: &str) -> Proxy {
        let mut p = Proxy { port: 0, target: target.to_string(), tasks: Arc::default() };
        p.up().await;
        p
    }

    async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.expect("proxy port");
        self.port = listener.local_addr().unwrap().port();
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(conn.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// Cut every connection and stop listening.
    async fn down(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `postgres://user@host:port/db?q` → (`host:port`, a function putting another
/// `host:port` in its place).
fn authority(url: &str) -> (String, impl Fn(&str) -> String + '_) {
    let start = url.find("://").unwrap() + 3;
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    let host_start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    let hostport = url[host_start..end].to_string();
    let hostport = if hostport.contains(':') { hostport } else { format!("{hostport}:5432") };
    (hostport, move |new: &str| format!("{}{new}{}", &url[..host_start], &url[end..]))
}

/// PostgreSQL unreachable, then read-only, under a running `rungs serve`: writes
/// answer 503 `unavailable` with `Retry-After` naming the cause (they were 500
/// `internal-error`), pages a 503 page, `/readyz` 503 while `/healthz` stays 200,
/// and all recover when the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unreachable_or_read_only_answers_503_and_readiness_follows() {
    let Some(pg) = PgDb::new().await else { return };
    let token = init(&pg.url);
    let (target, with) = authority(&pg.url);
    let mut proxy = Proxy::start(&target).await;
    let url = with(&format!("127.0.0.1:{}", proxy.port));
    let server = Server::start_with(&url, &[("RUNGS_READY_PROBE_SECS", "0")], None);
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let me: Value = client.get(format!("{base}/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let win = |title: &str| json!({"subject": me["person"]["id"], "kind": "micro_progression", "payload": {"category": "skill", "magnitude": "micro", "title": title}, "competencies": ["testing"]});
    let post = |title: String| {
        let (client, base, token, body) = (client.clone(), base.clone(), token.clone(), win(&title));
        async move { client.post(format!("{base}/api/v1/events")).bearer_auth(token).json(&body).send().await.unwrap() }
    };
    let ready = || {
        let (client, base) = (client.clone(), base.clone());
        async move { client.get(format!("{base}/readyz")).send().await.unwrap() }
    };
    assert_eq!(ready().await.status(), 200);
    let res = post("before".into()).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    // Unreachable.
    proxy.down().await;
    let res = post("while down".into()).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "urn:rungs:problem:unavailable", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("PostgreSQL"), "{problem}");
    let res = ready().await;
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("PostgreSQL"));
    assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200, "alive though not ready");
    // A page says so too, in HTML (the session lookup needs the database).
    let res = client.get(format!("{base}/")).header("cookie", format!("rungs_session={}", "ab".repeat(32))).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(res.text().await.unwrap().contains("Temporarily unavailable"));

    // Back: readiness returns once a probe write succeeds, and writes work.
    proxy.up().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while ready().await.status() != 200 {
        assert!(Instant::now() < deadline, "readiness came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(post("after".into()).await.status(), 201);

    // Read-only (as on a standby): SQLSTATE 25006 on every write.
    let admin = pg.client().await;
    let db = pg.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    admin.batch_execute(&format!("ALTER DATABASE {db} SET default_transaction_read_only = on")).await.unwrap();
    admin.batch_execute(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let problem = loop {
        let res = post("read-only".into()).await;
        assert_eq!(res.status(), 503, "a write to a read-only database");
        let p: Value = res.json().await.unwrap();
        if p["detail"].as_str().unwrap().contains("read-only") {
            break p;
        }
        assert!(Instant::now() < deadline, "{p}");
    };
    assert!(problem["detail"].as_str().unwrap().contains("25006"), "{problem}");
    let res = ready().await;
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("read-only"));
    drop(server);
    admin.batch_execute(&format!("ALTER DATABASE {db} RESET default_transaction_read_only")).await.unwrap();
}
