//! The webhook API: the people team subscribes (the secret shown once, never
//! listed), bad input is a 422 naming each field and saves nothing, other roles get
//! 403; the delivery log fills as events are appended and fanned out, and a replay
//! puts a delivery back to pending.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn the_people_team_subscribes_reads_the_log_and_replays() {
    let app = TestApp::new().await;
    let bad = json!({"url": "ftp://x", "kinds": ["promotion", "nope"]});
    let res = app.post_json("/api/v1/webhooks", &app.admin, &bad).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, ["url", "kinds[1]"]);
    assert_eq!(app.get("/api/v1/webhooks", &app.admin).await.json(), json!([]));

    let t = app.team().await;
    let good = json!({"url": "http://127.0.0.1:9/hook", "kinds": ["micro_progression"], "description": "HRIS"});
    app.post_json("/api/v1/webhooks", &t.manager, &good).await.assert_status(StatusCode::FORBIDDEN);
    app.get("/api/v1/webhooks/deliveries", &t.report).await.assert_status(StatusCode::FORBIDDEN);

    let res = app.post_json("/api/v1/webhooks", &app.admin, &good).await;
    res.assert_status(StatusCode::CREATED);
    let created = res.json();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let list = app.get("/api/v1/webhooks", &app.admin).await.json();
    assert_eq!(list[0]["url"], "http://127.0.0.1:9/hook");
    assert_eq!(list[0]["kinds"], json!(["micro_progression"]));
    assert!(list[0].get("secret").is_none(), "the secret is never listed");

    let me = app.admin_id;
    let win = json!({"subject": me, "kind": "micro_progression", "payload": {"category": "skill", "magnitude": "nano", "title": "shipped"}});
    app.post_json("/api/v1/events", &app.admin, &win).await.assert_status(StatusCode::CREATED);
    app.store.fan_out(chrono::Utc::now(), 100).await.unwrap();
    let log = app.get("/api/v1/webhooks/deliveries", &app.admin).await.json();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!((log[0]["status"].as_str(), log[0]["kind"].as_str()), (Some("pending"), Some("micro_progression")));
    app.get("/api/v1/webhooks/deliveries?limit=0", &app.admin).await.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let id = log[0]["id"].as_str().unwrap();
    let replayed = app.post_json(&format!("/api/v1/webhooks/deliveries/{id}/replay"), &app.admin, &json!({})).await;
    replayed.assert_status(StatusCode::OK);
    assert_eq!(replayed.json()["status"], "pending");
    let sub = created["subscription"]["id"].as_str().unwrap();
    let del = app.delete(&format!("/api/v1/webhooks/{sub}"), &app.admin).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/webhooks/deliveries", &app.admin).await.json(), json!([]));
}
