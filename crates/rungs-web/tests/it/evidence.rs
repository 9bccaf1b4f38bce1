//! Evidence from work systems over HTTP: deliveries signed as GitHub, GitLab and the
//! generic form sign them (payloads in the senders' published shapes) become
//! suggested wins; forged, unsigned and stale ones and unknown senders are refused
//! with problem+json and counted in `/metrics`; a retried delivery is recorded once;
//! the person accepts or dismisses through the API, once.

use axum::http::{Method, StatusCode};
use rungs_core::evidence::verify::{generic_signature, github_signature};
use serde_json::{Value, json};

use crate::support::{TestApp, hire_body};

const GITHUB: &[u8] = include_bytes!("../../../rungs-core/src/evidence/fixtures/github_pull_request_merged.json");
const GITLAB: &[u8] = include_bytes!("../../../rungs-core/src/evidence/fixtures/gitlab_merge_request_merged.json");
const GENERIC: &[u8] = include_bytes!("../../../rungs-core/src/evidence/fixtures/generic_course_completed.json");

async fn source(app: &TestApp, kind: &str) -> (String, String) {
    let res = app.post_json("/api/v1/evidence/sources", &app.admin, &json!({"kind": kind, "name": format!("acme {kind}")})).await;
    res.assert_status(StatusCode::CREATED);
    let v = res.json();
    (v["path"].as_str().unwrap().to_string(), v["secret"].as_str().unwrap().to_string())
}

async fn deliver(app: &TestApp, path: &str, body: &[u8], headers: &[(&str, &str)]) -> crate::support::TestResponse {
    app.send(Method::POST, path, None, Some(body.to_vec()), headers).await
}

fn metric(text: &str, line: &str) -> u64 {
    text.lines().find_map(|l| l.strip_prefix(line).map(|n| n.trim().parse().unwrap_or(0))).unwrap_or(0)
}

#[tokio::test]
async fn signed_deliveries_from_three_senders_become_suggestions_once() {
    let app = TestApp::new().await;
    // Hired before the fixtures' merges (a merge before the hire is refused, as any win).
    let hire = |name: &str| {
        let mut body = hire_body(name, None);
        body["occurred_at"] = json!("2024-01-02T09:00:00Z");
        body
    };
    let res = app.post_json("/api/v1/people", &app.admin, &hire("Ada Lovelace")).await;
    res.assert_status(StatusCode::CREATED);
    let ada: rungs_core::ids::PersonId = res.json()["id"].as_str().unwrap().parse().unwrap();
    let res = app.post_json("/api/v1/people", &app.admin, &hire("Alice")).await;
    res.assert_status(StatusCode::CREATED);
    let alice: rungs_core::ids::PersonId = res.json()["id"].as_str().unwrap().parse().unwrap();
    let ada_token = app.token_for(ada, rungs_core::person::Role::Employee).await;
    let mapping = json!({
        "rules": "repository acme/api -> system-design : project_completed\nlabel reliability -> operations : skill\ncourse rust-101 -> code-quality : learning",
        "accounts": "github octocat ada.lovelace@example.com\ngitlab ada ada.lovelace@example.com",
        "auto_accept": false
    });
    app.put_json("/api/v1/evidence/mapping", &app.admin, &mapping).await.assert_status(StatusCode::OK);

    let (gh, gh_secret) = source(&app, "github").await;
    let sig = github_signature(&gh_secret, GITHUB);
    let headers = [("X-GitHub-Event", "pull_request"), ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"), ("X-Hub-Signature-256", sig.as_str())];
    let res = deliver(&app, &gh, GITHUB, &headers).await;
    res.assert_status(StatusCode::ACCEPTED);
    assert_eq!(res.json()["outcome"], "suggested");
    // GitHub's "Redeliver": same delivery id, recorded once.
    let again = deliver(&app, &gh, GITHUB, &headers).await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.json()["duplicate"], true);

    let (gl, gl_token) = source(&app, "gitlab").await;
    let headers =
        [("X-Gitlab-Event", "Merge Request Hook"), ("X-Gitlab-Event-UUID", "0d8e1a3c-5e1f-4e02-9a56-d1bd9d2a7f11"), ("X-Gitlab-Token", gl_token.as_str())];
    deliver(&app, &gl, GITLAB, &headers).await.assert_status(StatusCode::ACCEPTED);
    // A GitLab retry carries the same Idempotency-Key (and a new event UUID).
    let retry = [("X-Gitlab-Event", "Merge Request Hook"), ("Idempotency-Key", "k-1"), ("X-Gitlab-Token", gl_token.as_str())];
    deliver(&app, &gl, GITLAB, &retry).await.assert_status(StatusCode::ACCEPTED);
    deliver(&app, &gl, GITLAB, &retry).await.assert_status(StatusCode::OK);

    let (lms, lms_secret) = source(&app, "generic").await;
    let now = chrono::Utc::now().timestamp();
    let sig = generic_signature(&lms_secret, now, GENERIC);
    let res = deliver(&app, &lms, GENERIC, &[("Rungs-Evidence-Signature", sig.as_str())]).await;
    res.assert_status(StatusCode::ACCEPTED);
    assert_eq!(res.json()["outcome"], "suggested", "alice@example.com is Alice");

    let mine = app.get("/api/v1/me/suggestions", &ada_token).await.json();
    let titles: Vec<&str> = mine.as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 3, "GitHub once, GitLab twice (two distinct delivery ids): {titles:?}");
    assert!(titles.contains(&"Merged: Paginate the orders endpoint with cursors"));
    let alices = app.get("/api/v1/me/suggestions", &app.token_for(alice, rungs_core::person::Role::Employee).await).await.json();
    assert_eq!(alices[0]["competencies"], json!(["code-quality"]));

    // Accept the GitHub one with an edited title; dismiss a GitLab one; each once.
    let gh_one = mine.as_array().unwrap().iter().find(|s| s["source_kind"] == "github").unwrap()["id"].as_str().unwrap().to_string();
    let res = app.post_json(&format!("/api/v1/me/suggestions/{gh_one}/accept"), &ada_token, &json!({"title": "Cursor pagination"})).await;
    res.assert_status(StatusCode::OK);
    let accepted = res.json();
    assert_eq!(accepted["event"]["kind"], "micro_progression");
    assert_eq!(accepted["event"]["payload"]["title"], "Cursor pagination");
    assert_eq!(accepted["event"]["evidence"], json!(["https://github.com/acme/api/pull/1347"]));
    app.post_json(&format!("/api/v1/me/suggestions/{gh_one}/accept"), &ada_token, &json!({})).await.assert_status(StatusCode::CONFLICT);
    app.post_json(&format!("/api/v1/me/suggestions/{gh_one}/dismiss"), &ada_token, &json!({})).await.assert_status(StatusCode::CONFLICT);
    // The people team cannot accept for her.
    app.post_json(&format!("/api/v1/me/suggestions/{gh_one}/accept"), &app.admin, &json!({})).await.assert_status(StatusCode::NOT_FOUND);
    let left = app.get("/api/v1/me/suggestions", &ada_token).await.json();
    assert_eq!(left.as_array().unwrap().len(), 2);
    let all = app.get("/api/v1/me/suggestions?state=all", &ada_token).await.json();
    assert_eq!(all.as_array().unwrap().len(), 3);
    app.get("/api/v1/me/suggestions?state=nope", &ada_token).await.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let metrics = app.get_anonymous("/metrics").await.text();
    assert_eq!(metric(&metrics, "rungs_evidence_received_total{source=\"github\",outcome=\"suggested\"}"), 1, "{metrics}");
    assert_eq!(metric(&metrics, "rungs_evidence_received_total{source=\"github\",outcome=\"duplicate\"}"), 1);
}

#[tokio::test]
async fn forged_unsigned_stale_and_unknown_deliveries_are_refused_and_counted() {
    let app = TestApp::new().await;
    let (gh, gh_secret) = source(&app, "github").await;
    let (_, other_secret) = source(&app, "github").await;
    let forged = github_signature(&other_secret, GITHUB);
    let ev = ("X-GitHub-Event", "pull_request");
    let id = ("X-GitHub-Delivery", "d-1");
    let res = deliver(&app, &gh, GITHUB, &[ev, id, ("X-Hub-Signature-256", forged.as_str())]).await;
    let p = res.problem(StatusCode::FORBIDDEN);
    assert!(p["detail"].as_str().unwrap().contains("does not match"), "{p}");
    deliver(&app, &gh, GITHUB, &[ev, id]).await.problem(StatusCode::UNAUTHORIZED);
    // Signed right, body changed in transit.
    let good = github_signature(&gh_secret, GITHUB);
    let mut tampered = GITHUB.to_vec();
    tampered.extend_from_slice(b" ");
    deliver(&app, &gh, &tampered, &[ev, id, ("X-Hub-Signature-256", good.as_str())]).await.problem(StatusCode::FORBIDDEN);
    // Nobody: an id no source has, or not an id at all.
    deliver(&app, "/hooks/v1/evidence/0190f5e4-0000-7000-8000-000000000000", GITHUB, &[ev, id, ("X-Hub-Signature-256", good.as_str())])
        .await
        .problem(StatusCode::UNAUTHORIZED);
    deliver(&app, "/hooks/v1/evidence/nope", GITHUB, &[ev]).await.problem(StatusCode::UNAUTHORIZED);
    // Signed, but not GitHub's shape: 400 naming the field.
    let broken = br#"{"action":"closed","pull_request":{"title":"x"}}"#;
    let sig = github_signature(&gh_secret, broken);
    let p = deliver(&app, &gh, broken, &[ev, id, ("X-Hub-Signature-256", sig.as_str())]).await.problem(StatusCode::BAD_REQUEST);
    assert!(p["errors"][0]["field"].as_str().unwrap().starts_with("pull_request"), "{p}");
    // The generic form outside its replay window.
    let (lms, lms_secret) = source(&app, "generic").await;
    let stale = generic_signature(&lms_secret, chrono::Utc::now().timestamp() - 600, GENERIC);
    deliver(&app, &lms, GENERIC, &[("Rungs-Evidence-Signature", stale.as_str())]).await.problem(StatusCode::FORBIDDEN);
    // A GitLab token that is not the source's.
    let (gl, _) = source(&app, "gitlab").await;
    deliver(&app, &gl, GITLAB, &[("X-Gitlab-Event", "Merge Request Hook"), ("X-Gitlab-Token", "guess")]).await.problem(StatusCode::FORBIDDEN);

    assert!(app.store.suggestions(app.org, None, None, 10).await.unwrap().is_empty(), "nothing refused was recorded");
    let m = app.get_anonymous("/metrics").await.text();
    assert_eq!(metric(&m, "rungs_evidence_refused_total{source=\"github\",reason=\"bad_signature\"}"), 2, "{m}");
    assert_eq!(metric(&m, "rungs_evidence_refused_total{source=\"github\",reason=\"unsigned\"}"), 1);
    assert_eq!(metric(&m, "rungs_evidence_refused_total{source=\"unknown\",reason=\"unknown_sender\"}"), 2);
    assert_eq!(metric(&m, "rungs_evidence_refused_total{source=\"github\",reason=\"malformed\"}"), 1);
    assert_eq!(metric(&m, "rungs_evidence_refused_total{source=\"generic\",reason=\"stale\"}"), 1);
    assert_eq!(metric(&m, "rungs_evidence_refused_total{source=\"gitlab\",reason=\"bad_signature\"}"), 1);
}

#[tokio::test]
async fn sources_and_the_mapping_are_the_people_teams() {
    let app = TestApp::new().await;
    let t = app.team().await;
    for token in [&t.manager, &t.report] {
        app.get("/api/v1/evidence/sources", token).await.assert_status(StatusCode::FORBIDDEN);
        app.post_json("/api/v1/evidence/sources", token, &json!({"kind": "github", "name": "x"})).await.assert_status(StatusCode::FORBIDDEN);
        app.put_json("/api/v1/evidence/mapping", token, &json!({"rules": "", "accounts": "", "auto_accept": true})).await.assert_status(StatusCode::FORBIDDEN);
    }
    let res = app.post_json("/api/v1/evidence/sources", &app.admin, &json!({"kind": "slack", "name": ""})).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["kind", "name"]);
    let (_, secret) = source(&app, "github").await;
    assert!(secret.starts_with("rungs_evidence_") && secret.len() > 64);
    let list = app.get("/api/v1/evidence/sources", &app.admin).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none() && list[0].get("secret_hash").is_none(), "no secret is ever listed: {list}");
    let bad = json!({"rules": "repository a/b -> nope : skill\nbranch main -> x : skill", "accounts": "github x nobody@example.com", "auto_accept": false});
    let res = app.put_json("/api/v1/evidence/mapping", &app.admin, &bad).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["rules[line 2]", "accounts"]);
    let m: Value = app.get("/api/v1/evidence/mapping", &app.admin).await.json();
    assert_eq!(m, json!({"rules": "", "accounts": "", "auto_accept": false}));
    let id = list[0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/evidence/sources/{id}"), &app.admin).await.status, StatusCode::NO_CONTENT);
}
