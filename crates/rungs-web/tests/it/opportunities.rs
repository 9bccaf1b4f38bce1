//! `/api/v1/opportunities`: post, apply, accept, complete. Completion puts a validated
//! win on the applicant's ledger exactly once and moves their readiness; the board's
//! rules (capacity, own opportunities, who decides) hold through HTTP; bad input
//! names its field and changes nothing.

use axum::http::StatusCode;
use rungs_core::person::Role;
use serde_json::{Value, json};

use crate::support::*;

fn post_body(title: &str, competencies: &[&str], capacity: u32) -> Value {
    json!({"title": title, "description": "Two hours a week for six weeks.", "competencies": competencies, "capacity": capacity})
}

async fn post(app: &TestApp, token: &str, body: &Value) -> String {
    let res = app.post_json("/api/v1/opportunities", token, body).await;
    res.assert_status(StatusCode::CREATED);
    res.json()["id"].as_str().unwrap().to_string()
}

async fn apply(app: &TestApp, token: &str, opp: &str) -> String {
    let res = app.post_json(&format!("/api/v1/opportunities/{opp}/applications"), token, &json!({"note": "I want to learn this."})).await;
    res.assert_status(StatusCode::CREATED);
    res.json()["id"].as_str().unwrap().to_string()
}

async fn act(app: &TestApp, token: &str, opp: &str, app_id: &str, action: &str) -> super::support::TestResponse {
    app.post_json(&format!("/api/v1/opportunities/{opp}/applications/{app_id}/{action}"), token, &json!({})).await
}

fn score(v: &Value) -> u64 {
    v["readiness"]["score"].as_u64().unwrap()
}

#[tokio::test]
async fn completed_work_is_a_validated_win_on_the_ledger_once_and_moves_readiness() {
    let app = TestApp::new().await;
    let t = app.team().await;
    // The outsider posts a project that builds delivery; the report applies.
    let opp = post(&app, &t.outsider, &post_body("Ship the billing export", &["delivery"], 1)).await;
    let application = apply(&app, &t.report, &opp).await;
    act(&app, &t.outsider, &opp, &application, "accept").await.assert_status(StatusCode::OK);
    let readiness = format!("/api/v1/people/{}/readiness", t.report_id);
    assert_eq!(score(&app.get(&readiness, &t.report).await.json()), 0);
    let (events_before, _) = app.counts().await;

    let done = act(&app, &t.outsider, &opp, &application, "complete").await;
    done.assert_status(StatusCode::OK);
    let done = done.json();
    assert_eq!(done["status"], "completed");
    let win_id = done["evidence"].as_str().unwrap().to_string();

    // A win and its validation, no more; a repeated completion adds nothing.
    assert_eq!(app.counts().await.0, events_before + 2);
    act(&app, &t.outsider, &opp, &application, "complete").await.assert_status(StatusCode::OK);
    assert_eq!(app.counts().await.0, events_before + 2);

    let win = app.get(&format!("/api/v1/events/{win_id}"), &t.report).await.json();
    assert_eq!(win["kind"], "micro_progression");
    assert_eq!(win["payload"]["category"], "project_completed");
    assert_eq!(win["competencies"], json!(["delivery"]));
    assert_eq!(win["actor"], json!(t.outsider_id));
    assert_eq!(win["payload"]["title"], "Completed the stretch project “Ship the billing export”");

    // Delivery at e3 needs 3 points; a recent validated win is 1.75: 0.5833 / 9 → 6.
    let after = app.get(&readiness, &t.report).await.json();
    assert_eq!(score(&after), 6);
    let delivery = after["readiness"]["competencies"].as_array().unwrap().iter().find(|c| c["competency"] == "delivery").unwrap().clone();
    assert_eq!(delivery["progress"]["counted"][0]["validated"], true, "{delivery}");
    assert_eq!(delivery["progress"]["counted"][0]["weight"], 1.75);
}

#[tokio::test]
async fn recommendations_name_matching_open_opportunities() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let opp = post(&app, &t.outsider, &post_body("Run the design review for search", &["system-design", "communication"], 2)).await;
    let own = post(&app, &t.report, &post_body("My own side project", &["system-design"], 1)).await;
    // System design at e3 counts project_completed and responsibility wins, not mentoring.
    let mut mentoring = post_body("Mentor an intern on design", &["system-design"], 1);
    mentoring["category"] = json!("mentoring");
    post(&app, &t.outsider, &mentoring).await;
    let recs = app.get(&format!("/api/v1/people/{}/recommendations", t.report_id), &t.report).await.json();
    let design = recs["items"].as_array().unwrap().iter().find(|x| x["competency"] == "system-design").unwrap().clone();
    let matched: Vec<&str> = design["opportunities"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(matched, [opp.as_str()], "one's own opportunity is not suggested: {design}");
    assert_eq!(
        design["opportunities"][0]["why"],
        "Builds System design, and Communication, another of your open gaps; completing it records a project completed win, which counts here; 2 places left of 2."
    );
    assert_ne!(own, opp);
    // Once applied, it is no longer suggested.
    apply(&app, &t.report, &opp).await;
    let recs = app.get(&format!("/api/v1/people/{}/recommendations", t.report_id), &t.report).await.json();
    assert!(recs["items"].as_array().unwrap().iter().all(|x| x["opportunities"].as_array().unwrap().is_empty()));
}

#[tokio::test]
async fn the_board_rules_hold_through_http() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let opp = post(&app, &t.manager, &post_body("Pair on the on-call runbook", &["operations"], 1)).await;
    // Not to one's own.
    let own = app.post_json(&format!("/api/v1/opportunities/{opp}/applications"), &t.manager, &json!({})).await;
    assert_eq!(own.fields(StatusCode::UNPROCESSABLE_ENTITY), ["applicant"]);
    let a = apply(&app, &t.report, &opp).await;
    let b = apply(&app, &t.outsider, &opp).await;
    let twice = app.post_json(&format!("/api/v1/opportunities/{opp}/applications"), &t.report, &json!({})).await;
    assert_eq!(twice.fields(StatusCode::CONFLICT), ["applicant"]);
    // Only the owner (or the people team) decides; an applicant cannot accept themself.
    act(&app, &t.report, &opp, &a, "accept").await.assert_status(StatusCode::FORBIDDEN);
    // Another person's application is not even visible.
    act(&app, &t.report, &opp, &b, "withdraw").await.assert_status(StatusCode::NOT_FOUND);
    act(&app, &t.manager, &opp, &a, "accept").await.assert_status(StatusCode::OK);
    assert_eq!(act(&app, &t.manager, &opp, &b, "accept").await.fields(StatusCode::CONFLICT), ["capacity"]);
    // Completing needs an accepted application; the applicant cannot complete their own.
    assert_eq!(act(&app, &t.manager, &opp, &b, "complete").await.fields(StatusCode::CONFLICT), ["status"]);
    act(&app, &t.report, &opp, &a, "complete").await.assert_status(StatusCode::FORBIDDEN);
    // The owner sees both applications; an applicant only their own.
    let as_owner = app.get(&format!("/api/v1/opportunities/{opp}"), &t.manager).await.json();
    assert_eq!(as_owner["applications"].as_array().unwrap().len(), 2);
    let as_applicant = app.get(&format!("/api/v1/opportunities/{opp}"), &t.outsider).await.json();
    assert_eq!(as_applicant["applications"].as_array().unwrap().len(), 1);
    assert_eq!(as_applicant["applications"][0]["applicant"], json!(t.outsider_id));
    // Closing: only the owner or the people team; then nobody new applies.
    app.post_json(&format!("/api/v1/opportunities/{opp}/close"), &t.outsider, &json!({})).await.assert_status(StatusCode::FORBIDDEN);
    let closed = app.post_json(&format!("/api/v1/opportunities/{opp}/close"), &app.admin, &json!({})).await;
    closed.assert_status(StatusCode::OK);
    assert_eq!(closed.json()["status"], "closed");
    let late = app.hire("Lee Late", None).await;
    let late = app.token_for(late, Role::Employee).await;
    let refused = app.post_json(&format!("/api/v1/opportunities/{opp}/applications"), &late, &json!({})).await;
    assert_eq!(refused.fields(StatusCode::CONFLICT), ["status"]);
    // The board filters by status.
    let open = app.get("/api/v1/opportunities?status=open", &late).await.json();
    assert!(open["items"].as_array().unwrap().is_empty());
    let all = app.get("/api/v1/opportunities", &late).await.json();
    assert_eq!(all["items"][0]["owner_name"], "Mona Manager");
    assert_eq!(all["items"][0]["taken"], 1);
}

#[tokio::test]
async fn bad_input_names_its_field_and_posts_nothing() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let bad = json!({"title": "", "competencies": ["no-such-thing", 7], "capacity": 0});
    let mut fields = app.post_json("/api/v1/opportunities", &t.report, &bad).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    fields.sort();
    assert_eq!(fields, ["capacity", "competencies[1]", "title"]);
    let unknown = app.post_json("/api/v1/opportunities", &t.report, &post_body("Fine title", &["no-such-thing"], 1)).await;
    assert_eq!(unknown.fields(StatusCode::UNPROCESSABLE_ENTITY), ["competencies[0]"]);
    let extra = app.post_json("/api/v1/opportunities", &t.report, &json!({"title": "x", "competencies": ["testing"], "pay": 3})).await;
    assert_eq!(extra.status, StatusCode::UNPROCESSABLE_ENTITY);
    let broken = app.post_raw("/api/v1/opportunities", &t.report, "{\"title\": ").await;
    assert_eq!(broken.fields(StatusCode::BAD_REQUEST), ["body"]);
    let for_other = json!({"title": "x", "competencies": ["testing"], "owner": t.manager_id});
    app.post_json("/api/v1/opportunities", &t.report, &for_other).await.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/opportunities?status=maybe", &t.report).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["status"]);
    assert_eq!(app.get("/api/v1/opportunities/not-a-uuid", &t.report).await.fields(StatusCode::BAD_REQUEST), ["id"]);
    let nope = format!("/api/v1/opportunities/{}/applications/{}/dance", rungs_core::OpportunityId::new(), rungs_core::ApplicationId::new());
    assert_eq!(app.post_json(&nope, &t.report, &json!({})).await.fields(StatusCode::BAD_REQUEST), ["action"]);
    let hostile = post_body("<script>alert(1)</script>\u{0007}", &["testing"], 1);
    assert_eq!(app.post_json("/api/v1/opportunities", &t.report, &hostile).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["title"]);
    assert!(app.get("/api/v1/opportunities", &t.report).await.json()["items"].as_array().unwrap().is_empty(), "nothing was posted");
}

#[tokio::test]
async fn a_keyed_post_is_posted_once() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let body = post_body("Write the onboarding guide", &["communication"], 3);
    let first = app.post_json_with_key("/api/v1/opportunities", &t.report, "guide-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.post_json_with_key("/api/v1/opportunities", &t.report, "guide-1", &body).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(first.json()["id"], again.json()["id"]);
    let other = app.post_json_with_key("/api/v1/opportunities", &t.report, "guide-1", &post_body("Something else", &["communication"], 1)).await;
    assert_eq!(other.fields(StatusCode::UNPROCESSABLE_ENTITY), ["Idempotency-Key"]);
    assert_eq!(app.get("/api/v1/opportunities", &t.report).await.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_completions_record_the_work_once() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let opp = post(&app, &t.outsider, &post_body("Ship the billing export", &["delivery"], 1)).await;
    let application = apply(&app, &t.report, &opp).await;
    act(&app, &t.outsider, &opp, &application, "accept").await.assert_status(StatusCode::OK);
    let (before, _) = app.counts().await;
    let path = format!("/api/v1/opportunities/{opp}/applications/{application}/complete");
    let empty = json!({});
    let (a, b) = tokio::join!(app.post_json(&path, &t.outsider, &empty), app.post_json(&path, &app.admin, &empty));
    a.assert_status(StatusCode::OK);
    b.assert_status(StatusCode::OK);
    assert_eq!(a.json()["evidence"], b.json()["evidence"]);
    assert_eq!(app.counts().await.0, before + 2, "one win and one validation, whoever clicked");
}

/// About someone who has left only the people team records (docs/SECURITY.md): the
/// owner cannot complete a departed applicant's work; the people team still can.
#[tokio::test]
async fn completing_the_work_of_someone_who_has_left_is_for_the_people_team() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let opp = post(&app, &t.outsider, &post_body("Ship the billing export", &["delivery"], 1)).await;
    let application = apply(&app, &t.report, &opp).await;
    act(&app, &t.outsider, &opp, &application, "accept").await.assert_status(StatusCode::OK);
    app.record(&app.admin, &json!({"subject": t.report_id, "kind": "departure", "payload": {"reason": "voluntary"}})).await.assert_status(StatusCode::CREATED);
    let before = app.counts().await;
    act(&app, &t.outsider, &opp, &application, "complete").await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.counts().await, before);
    act(&app, &app.admin, &opp, &application, "complete").await.assert_status(StatusCode::OK);
}
