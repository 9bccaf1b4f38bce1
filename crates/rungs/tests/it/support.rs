//! Running the binary and waiting for a server without sleeping blindly.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn rungs() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rungs"));
    c.env_remove("RUNGS_DB").env_remove("RUNGS_LISTEN").env_remove("RUNGS_PUBLIC_URL").env_remove("RUNGS_ISSUER_KEY").env("RUNGS_LOG", "warn");
    c
}

/// Run to completion; panics with both streams if the exit status is not `want`.
pub fn run(args: &[&str], want: i32) -> Output {
    let out = rungs().args(args).output().expect("the rungs binary runs");
    assert_eq!(
        out.status.code(),
        Some(want),
        "rungs {args:?}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn db(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

/// `rungs init` into `db`; returns the admin token.
pub fn init(db: &str) -> String {
    let out = run(&["init", "--db", db, "--admin-email", "admin@acme.test", "--org-name", "Acme"], 0);
    stdout(&out).lines().last().expect("a token line").trim().to_string()
}

/// A free localhost port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A `rungs serve` child process, killed on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn start(db: &str) -> Server {
        Server::start_with(db, &[], None)
    }

    /// With extra environment, and stderr (the logs) to `log` when given.
    pub fn start_with(db: &str, env: &[(&str, &str)], log: Option<&Path>) -> Server {
        let port = free_port();
        let stderr = match log {
            Some(p) => Stdio::from(std::fs::File::create(p).expect("log file")),
            None => Stdio::null(),
        };
        let child = rungs()
            .args(["serve", "--db", db, "--listen", &format!("127.0.0.1:{port}")])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("rungs serve starts");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        server.wait_healthy();
        server
    }

    /// Poll `/healthz` until it answers (at most 30 s).
    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(mut s) = std::net::TcpStream::connect(self.base.trim_start_matches("http://")) {
                use std::io::{Read, Write};
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("rungs serve did not become healthy at {}", self.base);
    }

    /// SIGKILL: no shutdown hooks, no flushing.
    pub fn kill_9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh PostgreSQL database under `RUNGS_TEST_PG_URL`, dropped with this guard;
/// `None` (after a loud message) when the variable is not set.
pub struct PgDb {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDb {
    pub async fn new() -> Option<PgDb> {
        let Some(admin) = std::env::var("RUNGS_TEST_PG_URL").ok().filter(|u| !u.trim().is_empty()) else {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: PostgreSQL tests (set RUNGS_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test) ***\n");
            return None;
        };
        let name = format!("rungs_test_{}", uuid::Uuid::now_v7().simple());
        pg_exec(&admin, &format!("CREATE DATABASE {name}")).await;
        let (base, query) = admin.split_once('?').map_or((admin.as_str(), None), |(b, q)| (b, Some(q)));
        let host_end = base.rfind('/').filter(|&i| i > base.find("://").map_or(0, |j| j + 2)).unwrap_or(base.len());
        let url = format!("{}/{name}{}", &base[..host_end], query.map(|q| format!("?{q}")).unwrap_or_default());
        Some(PgDb { admin, name, url })
    }

    /// A raw connection, for looking at tables the Store trait does not expose.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await.expect("connect");
        tokio::spawn(conn);
        client
    }
}

async fn pg_exec(url: &str, sql: &str) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect to RUNGS_TEST_PG_URL");
    let task = tokio::spawn(conn);
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    drop(client);
    let _ = task.await;
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin, sql) = (self.admin.clone(), format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(pg_exec(&admin, &sql));
        })
        .join();
    }
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
