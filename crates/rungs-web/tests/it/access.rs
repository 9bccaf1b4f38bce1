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
    app.record(&t.manager, &json!({"subject": t.outsider_id, "kind": "micro_promotion", "payload": {"scope": "lead"}})).await.problem(StatusCode::NOT_FOUND);
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
    app.post_json("/api/v1/people", &t.manager, &crate::support::hire_body("New Hire", Some(t.manager_id))).await.problem(StatusCode::FORBIDDEN);
    app.patch_json(&format!("/api/v1/people/{}", t.report_id), &t.manager, &json!({"name": "Renamed"})).await.problem(StatusCode::FORBIDDEN);
    // The role is refused before the person is looked up, so someone the caller
    // cannot see gets the very same answer: it leaks nothing.
    let seen = app.patch_json(&format!("/api/v1/people/{}", t.report_id), &t.manager, &json!({"name": "Renamed"})).await.json();
    let unseen = app.patch_json(&format!("/api/v1/people/{}", t.outsider_id), &t.manager, &json!({"name": "Renamed"})).await;
    assert_eq!(unseen.problem(StatusCode::FORBIDDEN), seen);
    assert_eq!(app.counts().await, before);
}

/// Issue 10, defect 1: a manager could reverse the people team's decisions about a
/// report (promotion, lateral move, profile change, departure) and the report dropped
/// back a level. Now each is 403 and nothing is recorded; the manager still reverses
/// a win about the report.
#[tokio::test]
async fn a_manager_cannot_undo_the_people_teams_decisions_about_a_report() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let decisions = [
        json!({"kind": "promotion", "payload": {"to": {"track": "engineering", "level": "e3", "title": "Senior Engineer"}}}),
        json!({"kind": "lateral_move", "payload": {"department": "Sales"}}),
        json!({"kind": "profile_updated", "payload": {"pay_band": "B9"}}),
        json!({"kind": "departure", "payload": {"reason": "involuntary"}}),
    ];
    for d in decisions {
        let mut e = d.clone();
        e["subject"] = json!(t.report_id);
        let recorded = app.record(&app.admin, &e).await;
        recorded.assert_status(StatusCode::CREATED);
        let target = recorded.json()["id"].clone();
        let before = app.counts().await;
        let undo = json!({"subject": t.report_id, "kind": "reversal", "payload": {"target": target, "reason": "x"}});
        let p = app.record(&t.manager, &undo).await.problem(StatusCode::FORBIDDEN);
        assert!(p["detail"].as_str().unwrap().contains(d["kind"].as_str().unwrap()), "{p}");
        assert_eq!(app.counts().await, before, "{d}");
        if d["kind"] == "departure" {
            app.record(&app.admin, &undo).await.assert_status(StatusCode::CREATED);
        }
    }
    let person = app.get(&format!("/api/v1/people/{}", t.report_id), &app.admin).await.json();
    assert_eq!((person["position"]["level"].as_str(), person["status"].as_str()), (Some("e3"), Some("active")));
    let w = app.record(&app.admin, &win(t.report_id, "shipped")).await.json();
    let undo = json!({"subject": t.report_id, "kind": "reversal", "payload": {"target": w["id"], "reason": "duplicate"}});
    app.record(&t.manager, &undo).await.assert_status(StatusCode::CREATED);
}

/// Issue 10, defect 4: after a departure the person's bearer token kept reading
/// `/api/v1/me` and recording wins. The departure now revokes it (401), and their
/// browser session ends.
#[tokio::test]
async fn a_departure_ends_the_persons_tokens_and_sessions() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let browser = app.sign_in("rex.report@example.com", rungs_core::person::Role::Employee).await;
    app.get("/api/v1/me", &t.report).await.assert_status(StatusCode::OK);
    app.page("/timeline", &browser.cookie).await.assert_status(StatusCode::OK);
    let leave = json!({"subject": t.report_id, "kind": "departure", "payload": {"reason": "voluntary"}});
    app.record(&app.admin, &leave).await.assert_status(StatusCode::CREATED);
    app.get("/api/v1/me", &t.report).await.problem(StatusCode::UNAUTHORIZED);
    let before = app.counts().await;
    app.record(&t.report, &win(t.report_id, "one more")).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.counts().await, before);
    let page = app.page("/timeline", &browser.cookie).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "signed out: {}", page.text());
    let tokens = app.get("/api/v1/tokens", &app.admin).await.json();
    let rex: Vec<_> = tokens["items"].as_array().unwrap().iter().filter(|x| x["person_id"] == json!(t.report_id)).collect();
    assert!(!rex.is_empty() && rex.iter().all(|x| x["revoked_at"].is_string()), "{rex:?}");
    app.get("/api/v1/me", &t.manager).await.assert_status(StatusCode::OK);
}

/// A reversal of an event that does not exist: `422` naming the target to someone who
/// could reverse something about the person, the usual refusal to anyone else.
#[tokio::test]
async fn a_reversal_of_an_unknown_event_is_a_field_error_only_for_who_could_reverse() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let ghost = rungs_core::EventId::new();
    let undo = |subject| json!({"subject": subject, "kind": "reversal", "payload": {"target": ghost, "reason": "x"}});
    assert_eq!(app.record(&t.manager, &undo(t.report_id)).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["payload.target"]);
    // Anyone may reverse a recognition they gave, so anyone could reverse something.
    assert_eq!(app.record(&t.report, &undo(t.outsider_id)).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["payload.target"]);
    // About someone who has left, nobody but the people team.
    app.record(&app.admin, &json!({"subject": t.outsider_id, "kind": "departure", "payload": {"reason": "voluntary"}}))
        .await
        .assert_status(StatusCode::CREATED);
    let p = app.record(&t.report, &undo(t.outsider_id)).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(p["errors"], json!([]));
}
