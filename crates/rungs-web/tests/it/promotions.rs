//! `/api/v1/cycles` and `/api/v1/cases`: a case from nomination to the promotion on the
//! ledger; an illegal move is a 409 naming the state and the allowed moves; the access
//! rows hold through HTTP; the budget refuses the approval beyond it; bad input names
//! its field and changes nothing.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::*;

fn cycle_body(name: &str, promotions: u32) -> Value {
    let today = Utc::now().date_naive();
    json!({
        "name": name,
        "nominations_open": (today - Duration::days(3)).to_string(),
        "nominations_close": (today + Duration::days(3)).to_string(),
        "review_open": (today + Duration::days(4)).to_string(),
        "review_close": (today + Duration::days(30)).to_string(),
        "budgets": [{"scope": "department", "value": "Platform", "promotions": promotions}],
    })
}

async fn cycle(app: &TestApp, promotions: u32) -> String {
    let res = app.post_json("/api/v1/cycles", &app.admin, &cycle_body("2027 H1", promotions)).await;
    res.assert_status(StatusCode::CREATED);
    res.json()["id"].as_str().unwrap().to_string()
}

async fn mv(app: &TestApp, token: &str, case: &str, body: Value) -> TestResponse {
    app.post_json(&format!("/api/v1/cases/{case}/moves"), token, &body).await
}

#[tokio::test]
async fn a_case_runs_from_nomination_to_a_promotion_on_the_ledger() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let cycle = cycle(&app, 1).await;
    let nominated = app
        .post_json(
            &format!("/api/v1/cycles/{cycle}/cases"),
            &t.manager,
            &json!({"subject": t.report_id, "justification": "Runs the on-call.", "pay_increase": 3000}),
        )
        .await;
    nominated.assert_status(StatusCode::CREATED);
    let c = nominated.json();
    let case = c["id"].as_str().unwrap().to_string();
    assert_eq!((c["status"].as_str(), c["to"]["level"].as_str(), c["to"]["title"].as_str()), (Some("nominated"), Some("e3"), Some("Senior Engineer")));
    assert!(c.get("pay_increase").is_none(), "the manager does not see the pay increase: {c}");
    assert!(c["packet"]["summary"]["readiness"].is_u64(), "the packet is attached: {}", c["packet"]);

    // Editable until review starts; an illegal move names the state and the allowed ones.
    app.patch_json(&format!("/api/v1/cases/{case}"), &t.manager, &json!({"justification": "Runs the on-call and mentors."}))
        .await
        .assert_status(StatusCode::OK);
    let illegal = mv(&app, &app.admin, &case, json!({"move": "approve", "effective_on": "2020-01-01"})).await;
    illegal.assert_status(StatusCode::CONFLICT);
    let p = illegal.json();
    assert_eq!(p["errors"][0]["field"], "status", "{p}");
    assert_eq!(p["errors"][0]["reason"], "cannot approve a case that is nominated; allowed from nominated: start_review, withdraw");
    // Only the people team opens the review and decides.
    mv(&app, &t.manager, &case, json!({"move": "start_review"})).await.assert_status(StatusCode::FORBIDDEN);
    mv(&app, &app.admin, &case, json!({"move": "start_review"})).await.assert_status(StatusCode::OK);
    app.patch_json(&format!("/api/v1/cases/{case}"), &t.manager, &json!({"justification": "Too late."})).await.assert_status(StatusCode::CONFLICT);
    // Reviews: the subject's manager, not the subject nor an outsider.
    app.post_json(&format!("/api/v1/cases/{case}/reviews"), &t.manager, &json!({"vote": "support", "comment": "Yes."})).await.assert_status(StatusCode::OK);
    app.post_json(&format!("/api/v1/cases/{case}/reviews"), &t.report, &json!({"vote": "support"})).await.assert_status(StatusCode::FORBIDDEN);
    app.post_json(&format!("/api/v1/cases/{case}/reviews"), &t.outsider, &json!({"vote": "support"})).await.assert_status(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/cases/{case}"), &t.outsider).await.assert_status(StatusCode::NOT_FOUND);
    // The board is the people team's.
    app.get(&format!("/api/v1/cycles/{cycle}/board"), &t.manager).await.assert_status(StatusCode::FORBIDDEN);
    let board = app.get(&format!("/api/v1/cycles/{cycle}/board"), &app.admin).await.json();
    assert_eq!(board["groups"][0]["cases"][0]["votes"], json!([1, 0, 0]));

    // Approve without a date: 422 naming it, nothing changed.
    let (events, _) = app.counts().await;
    let no_date = mv(&app, &app.admin, &case, json!({"move": "approve"})).await;
    no_date.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_date.json()["errors"][0]["field"], "effective_on");
    assert_eq!(app.counts().await.0, events);
    // Approve effective today: the promotion is on the ledger, level, title and track together.
    let today = Utc::now().date_naive().to_string();
    let done = mv(&app, &app.admin, &case, json!({"move": "approve", "effective_on": today})).await;
    done.assert_status(StatusCode::OK);
    let done = done.json();
    assert_eq!(done["status"], "effective");
    let history: Vec<&str> = done["history"].as_array().unwrap().iter().map(|h| h["to"].as_str().unwrap()).collect();
    assert_eq!(history, ["nominated", "in_review", "approved", "effective"]);
    assert_eq!(done["history"][2]["actor"], json!(app.admin_id));
    let person = app.get(&format!("/api/v1/people/{}", t.report_id), &app.admin).await.json();
    assert_eq!(person["position"], json!({"track": "engineering", "level": "e3", "title": "Senior Engineer"}));
    let event = app.get(&format!("/api/v1/events/{}", done["promotion_event"].as_str().unwrap()), &app.admin).await.json();
    assert_eq!(event["kind"], "promotion");
    // The person sees their case with the pay increase, not the reviews.
    let own = app.get(&format!("/api/v1/cases/{case}"), &t.report).await.json();
    assert_eq!(own["pay_increase"], 3000);
    assert_eq!(own["reviews"], json!([]));
    let mine = app.get("/api/v1/cases?view=mine", &t.report).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_budget_refuses_the_approval_beyond_it_and_bad_input_names_its_field() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let second = app.hire("Sam Second", Some(t.manager_id)).await;
    let cycle = cycle(&app, 1).await;
    let mut cases = vec![];
    for subject in [t.report_id, second] {
        let res = app.post_json(&format!("/api/v1/cycles/{cycle}/cases"), &t.manager, &json!({"subject": subject, "justification": "Ready."})).await;
        res.assert_status(StatusCode::CREATED);
        let id = res.json()["id"].as_str().unwrap().to_string();
        mv(&app, &app.admin, &id, json!({"move": "start_review"})).await.assert_status(StatusCode::OK);
        cases.push(id);
    }
    let later = (Utc::now().date_naive() + Duration::days(20)).to_string();
    let first = mv(&app, &app.admin, &cases[0], json!({"move": "approve", "effective_on": later})).await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.json()["status"], "approved", "a future date waits for its job");
    let over = mv(&app, &app.admin, &cases[1], json!({"move": "approve", "effective_on": later})).await;
    over.assert_status(StatusCode::CONFLICT);
    assert_eq!(over.json()["errors"][0]["field"], "budget");
    mv(&app, &app.admin, &cases[1], json!({"move": "decline"})).await.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    mv(&app, &app.admin, &cases[1], json!({"move": "decline", "reason": "Budget spent; next cycle."})).await.assert_status(StatusCode::OK);

    // A second nomination of the same person in the cycle is a conflict.
    let twice = app.post_json(&format!("/api/v1/cycles/{cycle}/cases"), &t.manager, &json!({"subject": t.report_id, "justification": "Again."})).await;
    twice.assert_status(StatusCode::CONFLICT);
    assert_eq!(twice.json()["errors"][0]["field"], "subject");
    // Self-nomination is refused unless the cycle allows it.
    app.post_json(&format!("/api/v1/cycles/{cycle}/cases"), &t.outsider, &json!({"subject": t.outsider_id, "justification": "Me."}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // A bad cycle names each field; a manager may not create one.
    let mut bad = cycle_body("Bad", 0);
    bad["review_open"] = bad["nominations_open"].clone();
    let res = app.post_json("/api/v1/cycles", &app.admin, &bad).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, ["review_open", "budgets[0].promotions"]);
    app.post_json("/api/v1/cycles", &t.manager, &cycle_body("Mine", 1)).await.assert_status(StatusCode::FORBIDDEN);
    let third = app.hire("Tia Third", Some(t.manager_id)).await;
    let (events, _) = app.counts().await;
    let res = app.post_json(&format!("/api/v1/cycles/{cycle}/cases"), &t.manager, &json!({"subject": third, "level": "e9", "justification": " "})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, ["justification", "level"]);
    assert_eq!(app.counts().await.0, events);
}
