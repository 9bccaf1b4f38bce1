//! An event answered with 2xx survives `kill -9` of the server right after.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_kill_9() {
    let dir = tempdir();
    let db = db(dir.path(), "kill.db");
    let token = init(&db);
    let server = Server::start(&db);
    let client = reqwest::Client::new();
    let me: Value = client.get(format!("{}/api/v1/me", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let subject = me["person"]["id"].as_str().expect("me.person.id").to_string();

    // 16 concurrent writers, 40 events each; keep every id the server acknowledged.
    let mut tasks = vec![];
    for w in 0..16 {
        let (client, base, token, subject) = (client.clone(), server.base.clone(), token.clone(), subject.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = vec![];
            for i in 0..40 {
                let body = json!({"subject": subject, "kind": "micro_progression",
                    "payload": {"category": "skill", "magnitude": "nano", "title": format!("win {w}-{i}")}});
                let r = client.post(format!("{base}/api/v1/events")).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 201);
                let e: Value = r.json().await.unwrap();
                acked.push(e["id"].as_str().unwrap().to_string());
            }
            acked
        }));
    }
    let mut acked = HashSet::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    server.kill_9();

    let store = rungs_store::open(&db).await.unwrap();
    let org = store.default_org().await.unwrap().unwrap();
    let mut found = HashSet::new();
    let mut after = 0;
    loop {
        let chunk = store.export_events(org.id, after, 1000).await.unwrap();
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        found.extend(chunk.into_iter().map(|e| e.id.to_string()));
    }
    assert_eq!(acked.len(), 640);
    let lost: Vec<_> = acked.difference(&found).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost after kill -9", lost.len());
    let person = store.person(org.id, subject.parse().unwrap()).await.unwrap();
    assert_eq!(person.micro_progressions, 640, "the projection committed with the events");
}

/// Another process opening and closing the same database while the server writes
/// (`rungs credential list`, `rungs backup`, a second `rungs doctor`) must not cost
/// the server its locks: if it did, that process would take itself for the last
/// connection, checkpoint and delete the WAL, and the server's later commits would
/// go into a deleted file: answered 201, seen by the server itself, invisible to
/// every other process and gone after a restart (found as "revocation visible
/// only to the server", session note of stop 22).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_after_another_process_closed_the_database_reach_the_file() {
    let dir = tempdir();
    let db = db(dir.path(), "shared.db");
    let token = init(&db);
    let server = Server::start(&db);
    let client = reqwest::Client::new();
    let me: Value = client.get(format!("{}/api/v1/me", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let subject = me["person"]["id"].as_str().expect("me.person.id").to_string();
    let post = |title: String| {
        let body = json!({"subject": subject, "kind": "micro_progression", "payload": {"category": "skill", "magnitude": "nano", "title": title}});
        client.post(format!("{}/api/v1/events", server.base)).bearer_auth(&token).json(&body).send()
    };
    let mut acked = vec![];
    for round in 0..3 {
        // A second process opens the database, reads, and exits.
        run(&["token", "list", "--db", &db], 0);
        for i in 0..5 {
            let r = post(format!("after close {round}-{i}")).await.unwrap();
            assert_eq!(r.status(), 201);
            acked.push(r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
        }
        // A third process sees every one of them while the server still runs.
        let out = run(&["export", "--db", &db], 0);
        let seen = stdout(&out);
        let missing: Vec<_> = acked.iter().filter(|id| !seen.contains(id.as_str())).collect();
        assert!(missing.is_empty(), "round {round}: {} acknowledged events invisible to another process", missing.len());
    }
    server.kill_9();
    let store = rungs_store::open(&db).await.unwrap();
    let org = store.default_org().await.unwrap().unwrap();
    let found: HashSet<String> = store.export_events(org.id, 0, 10_000).await.unwrap().into_iter().map(|e| e.id.to_string()).collect();
    let lost: Vec<_> = acked.iter().filter(|id| !found.contains(*id)).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost after a restart", lost.len());
}
