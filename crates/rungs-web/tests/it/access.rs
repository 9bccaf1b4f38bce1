//! The access rules of PRODUCT.md, exercised through HTTP. The rules themselves live
//! (and are tested as a matrix) in rungs-app; this proves the API applies them.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{TestApp, win};

#[tokio::test]
async fn an_employee_cannot_see_a_colleagues_person_timeline_or_events() {
    let app = TestApp::new().await;
    let t = app.team().await;
    for path in ["", "/timeline", "/events"] {
        app.get(&format!("/api/v1/people/{}{path}", t.outsider_id), &t.report).await.problem(StatusCode::NOT_FOUND);
    }
    app.get(&format!("/api/v1/people/{}/timeline", t.report_id), &t.report).await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn an_employee_cannot_promote_even_themself_and_nothing_is_recorded() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.counts().await;
    let promote = json!({"subject": t.report_id, "kind": "promotion", "payload": {"to": {"track": "engineering", "level": "e3", "title": "Senior Engineer"}}});
    app.record(&t.report, &promote).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn an_employee_logs_their_own_win_but_not_someone_elses() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.report, &win(t.report_id, "learned Rust")).await.assert_status(StatusCode::CREATED);
    let before = app.counts().await;
    app.record(&t.report, &win(t.outsider_id, "not mine to log")).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_manager_reads_a_reports_timeline_and_records_a_micro_promotion() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.get(&format!("/api/v1/people/{}/timeline", t.report_id), &t.manager).await.assert_status(StatusCode::OK);
    let res = app.record(&t.manager, &json!({"subject": t.report_id, "kind": "micro_promotion", "payload": {"scope": "team coordinator"}})).await;
    res.assert_status(StatusCode::CREATED);
    let person = app.get(&format!("/api/v1/people/{}", t.report_id), &t.manager).await.json();
    assert_eq!(person["scope"], "team coordinator");
}

#[tokio::test]
async fn a_manager_cannot_see_or_act_for_someone_outside_their_team() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.get(&format!("/api/v1/people/{}/timeline", t.outsider_id), &t.manager).await.problem(StatusCode::NOT_FOUND);
    let before = app.counts().await;
    app.record(&t.manager, &json!({"subject": t.outsider_id, "kind": "micro_promotion", "payload": {"scope": "lead"}}))
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(app.counts().await, before);
    let listed = app.get("/api/v1/people", &t.manager).await.json();
    let mut ids: Vec<_> = listed["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    let mut want = vec![t.manager_id.to_string(), t.report_id.to_string()];
    want.sort();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn pay_is_for_the_people_team_and_the_person_sensitive_attributes_for_the_people_team_only() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let path = format!("/api/v1/people/{}", t.report_id);
    let admin_view = app.get(&path, &app.admin).await.json();
    assert_eq!(admin_view["pay_band"], "B2");
    assert_eq!(admin_view["sensitive"], json!({"gender": "f"}));
    let manager_view = app.get(&path, &t.manager).await.json();
    assert_eq!(manager_view["pay_band"], json!(null));
    assert_eq!(manager_view["sensitive"], json!({}));
    let own_view = app.get(&path, &t.report).await.json();
    assert_eq!(own_view["pay_band"], "B2");
    assert_eq!(own_view["sensitive"], json!({}));
    // The same redaction applies to the hire event in the timeline.
    let timeline = app.get(&format!("{path}/timeline"), &t.manager).await.json();
    let hired = timeline["items"].as_array().unwrap().iter().find(|e| e["event"]["kind"] == "hired").unwrap().clone();
    assert_eq!(hired["event"]["payload"]["pay_band"], json!(null));
    assert_eq!(hired["event"]["payload"]["sensitive"], json!({}));
}

#[tokio::test]
async fn only_the_people_team_adds_or_changes_people() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.counts().await;
    app.post_json("/api/v1/people", &t.manager, &crate::support::hire_body("New Hire", Some(t.manager_id)))
        .await
        .problem(StatusCode::FORBIDDEN);
    app.patch_json(&format!("/api/v1/people/{}", t.report_id), &t.manager, &json!({"name": "Renamed"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    // Someone the caller cannot see is a 404, not a 403: it leaks nothing.
    app.patch_json(&format!("/api/v1/people/{}", t.outsider_id), &t.manager, &json!({"name": "Renamed"}))
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(app.counts().await, before);
}
