//! The API's contract with its clients: one reading of every JSON body (a repeated
//! key is refused, at any depth), one fingerprint for every `Idempotency-Key`, and an
//! OpenAPI document that is valid OpenAPI 3.1 and says what the server enforces.

use axum::http::{Method, StatusCode};
use rungs_core::person::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, hire_body, win};

// ---- duplicate keys --------------------------------------------------------------

#[tokio::test]
async fn a_key_repeated_in_a_body_is_refused_naming_it_and_records_nothing() {
    let app = TestApp::new().await;
    let a = app.hire("Alice Dup", None).await;
    let b = app.hire("Bob Dup", None).await;
    let before = app.counts().await;
    let top = format!(
        r#"{{"subject":"{a}","subject":"{b}","kind":"micro_progression","payload":{{"category":"skill","magnitude":"micro","title":"x"}}}}"#
    );
    let res = app.post_raw("/api/v1/events", &app.admin, top).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["subject"]);
    let nested = format!(
        r#"{{"subject":"{a}","kind":"micro_progression","payload":{{"category":"skill","magnitude":"micro","title":"x","title":"y"}}}}"#
    );
    let res = app.post_raw("/api/v1/events", &app.admin, nested).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["payload.title"]);
    let in_bulk = format!(
        r#"{{"events":[{w},{{"subject":"{a}","kind":"recognition","kind":"micro_progression","payload":{{}}}}]}}"#,
        w = win(a, "fine")
    );
    let res = app.post_raw("/api/v1/events/bulk", &app.admin, in_bulk).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["events[1].kind"]);
    // Typed bodies too: a token request that names two roles.
    let token = format!(r#"{{"person_id":"{a}","role":"employee","role":"admin","label":"x"}}"#);
    let res = app.post_raw("/api/v1/tokens", &app.admin, token).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["role"]);
    assert_eq!(app.counts().await, before);
    // The same key in two different objects is no duplicate.
    let ok = json!({"events": [win(a, "one"), win(b, "two")]});
    app.post_json("/api/v1/events/bulk", &app.admin, &ok).await.assert_status(StatusCode::CREATED);
}

// ---- Idempotency-Key: the same key with another body is a 409 on every route ------

/// Every route that takes `Idempotency-Key`, with two different bodies for it.
async fn keyed_routes(app: &TestApp) -> Vec<(Method, String, Value, Value)> {
    let a = app.hire("Ida Keyed", None).await;
    let manager = app.hire("Max Keyed", None).await;
    let opp = app
        .post_json("/api/v1/opportunities", &app.admin, &json!({"title": "Board", "competencies": ["testing"], "owner": manager}))
        .await;
    opp.assert_status(StatusCode::CREATED);
    let opp = opp.json()["id"].as_str().unwrap().to_string();
    let opportunity = |category: &str| json!({"title": "Gig", "competencies": ["testing"], "category": category, "capacity": 2});
    vec![
        (Method::POST, "/api/v1/events".into(), win(a, "one"), win(a, "two")),
        (Method::POST, "/api/v1/events/bulk".into(), json!({"events": [win(a, "one")]}), json!({"events": [win(a, "two")]})),
        (Method::POST, "/api/v1/people".into(), hire_body("Key One", None), hire_body("Key Two", None)),
        (Method::PATCH, format!("/api/v1/people/{a}"), json!({"department": "One"}), json!({"department": "Two"})),
        (Method::POST, "/api/v1/opportunities".into(), opportunity("skill"), opportunity("mentoring")),
        (Method::POST, format!("/api/v1/opportunities/{opp}/applications"), json!({"note": "one"}), json!({"note": "two"})),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            json!({"person_id": a, "role": "employee", "label": "one"}),
            json!({"person_id": a, "role": "employee", "label": "two"}),
        ),
    ]
}

#[tokio::test]
async fn every_keyed_route_answers_409_to_its_key_with_another_body_and_changes_nothing() {
    let app = TestApp::new().await;
    for (method, path, first, second) in keyed_routes(&app).await {
        let key = format!("key-{path}");
        let headers = [("Idempotency-Key", key.as_str())];
        let send = |body: &Value| app.send(method.clone(), &path, Some(&app.admin), Some(body.to_string().into_bytes()), &headers);
        let res = send(&first).await;
        assert!(res.status.is_success(), "{method} {path}: {}", res.text());
        let before = app.counts().await;
        let boards = app.get("/api/v1/opportunities", &app.admin).await.json();
        let tokens = app.get("/api/v1/tokens", &app.admin).await.json();
        let res = send(&second).await;
        assert_eq!(res.fields(StatusCode::CONFLICT), ["Idempotency-Key"], "{method} {path}");
        // Whitespace is part of the body: the fingerprint covers exactly the bytes sent.
        let spaced = app
            .send(method.clone(), &path, Some(&app.admin), Some(format!(" {first}").into_bytes()), &headers)
            .await;
        assert_eq!(spaced.fields(StatusCode::CONFLICT), ["Idempotency-Key"], "{method} {path}");
        assert_eq!(app.counts().await, before, "{method} {path}");
        assert_eq!(app.get("/api/v1/opportunities", &app.admin).await.json(), boards, "{method} {path}");
        assert_eq!(app.get("/api/v1/tokens", &app.admin).await.json(), tokens, "{method} {path}");
    }
}

#[tokio::test]
async fn an_opportunity_or_application_replayed_with_its_key_and_body_is_created_once() {
    let app = TestApp::new().await;
    let body = json!({"title": "Gig", "competencies": ["testing"], "category": "skill"});
    let first = app.post_json_with_key("/api/v1/opportunities", &app.admin, "opp-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.post_json_with_key("/api/v1/opportunities", &app.admin, "opp-1", &body).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.json()["id"], first.json()["id"]);
    let opp = first.json()["id"].as_str().unwrap().to_string();
    let someone = app.hire("Ann Applicant", None).await;
    let token = app.token_for(someone, Role::Employee).await;
    let path = format!("/api/v1/opportunities/{opp}/applications");
    let first = app.post_json_with_key(&path, &token, "app-1", &json!({"note": "me"})).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.post_json_with_key(&path, &token, "app-1", &json!({"note": "me"})).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.json()["id"], first.json()["id"]);
    let board = app.get("/api/v1/opportunities", &app.admin).await.json();
    assert_eq!(board["items"].as_array().unwrap().len(), 1, "{board}");
    assert_eq!(board["items"][0]["applications"].as_array().unwrap().len(), 1, "{board}");
}
