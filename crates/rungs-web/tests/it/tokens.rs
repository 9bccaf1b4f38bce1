//! Authentication and `/api/v1/tokens`.

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_request_without_a_token_is_401_with_a_bearer_challenge() {
    let app = TestApp::new().await;
    let res = app.get_anonymous("/api/v1/me").await;
    res.problem(StatusCode::UNAUTHORIZED);
    assert!(res.headers[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));
}

#[tokio::test]
async fn an_unknown_or_malformed_token_is_401() {
    let app = TestApp::new().await;
    let unknown = format!("rungs_{}", "0".repeat(64));
    for token in [unknown.as_str(), "not-a-rungs-token", ""] {
        let res = app.get("/api/v1/me", token).await;
        res.problem(StatusCode::UNAUTHORIZED);
        assert!(res.headers.contains_key(header::WWW_AUTHENTICATE));
    }
    let res = app.send(Method::GET, "/api/v1/me", None, None, &[("authorization", &format!("Basic {}", app.admin))]).await;
    res.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_people_team_issues_a_token_whose_secret_is_shown_once_and_works() {
    let app = TestApp::new().await;
    let person = app.hire("Token Holder", None).await;
    let res = app.post_json("/api/v1/tokens", &app.admin, &json!({"person_id": person, "role": "employee", "label": "laptop"})).await;
    res.assert_status(StatusCode::CREATED);
    let created = res.json();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("rungs_"));
    assert_eq!(created["token"]["label"], "laptop");
    let me = app.get("/api/v1/me", secret).await.json();
    assert_eq!(me["person"]["id"], person.to_string());
    assert_eq!(me["role"], "employee");
    let list = app.get("/api/v1/tokens", &app.admin).await;
    list.assert_status(StatusCode::OK);
    assert!(!list.text().contains(secret), "a listing must never show a secret");
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_token_request_with_a_wrong_type_or_unknown_person_is_refused_and_creates_nothing() {
    let app = TestApp::new().await;
    let count = || async { app.get("/api/v1/tokens", &app.admin).await.json()["items"].as_array().unwrap().len() };
    let before = count().await;
    let fields =
        app.post_json("/api/v1/tokens", &app.admin, &json!({"person_id": 7, "role": "employee", "label": "x"})).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["person_id"]);
    let fields = app
        .post_json("/api/v1/tokens", &app.admin, &json!({"person_id": app.admin_id, "role": "overlord", "label": "x"}))
        .await
        .fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["role"]);
    let fields =
        app.post_json("/api/v1/tokens", &app.admin, &json!({"person_id": app.admin_id, "role": "admin"})).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["label"]);
    let fields = app
        .post_json("/api/v1/tokens", &app.admin, &json!({"person_id": rungs_core::PersonId::new(), "role": "admin", "label": "x"}))
        .await
        .fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["person_id"]);
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn only_the_people_team_issues_tokens() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.post_json("/api/v1/tokens", &t.manager, &json!({"person_id": t.report_id, "role": "admin", "label": "sneaky"})).await.problem(StatusCode::FORBIDDEN);
    let mine = app.get("/api/v1/tokens", &t.manager).await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "a manager sees only their own tokens");
}

#[tokio::test]
async fn a_revoked_token_is_401_from_then_on() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let id = app.get("/api/v1/me", &t.report).await.json()["token_id"].as_str().unwrap().to_string();
    // Someone else's token is invisible to an employee.
    app.delete(&format!("/api/v1/tokens/{id}"), &t.outsider).await.problem(StatusCode::NOT_FOUND);
    let res = app.delete(&format!("/api/v1/tokens/{id}"), &t.report).await;
    res.assert_status(StatusCode::OK);
    assert!(res.json()["revoked_at"].is_string());
    app.get("/api/v1/me", &t.report).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.delete("/api/v1/tokens/not-an-id", &app.admin).await.fields(StatusCode::BAD_REQUEST), ["id"]);
}

#[tokio::test]
async fn a_repeated_idempotency_key_on_token_creation_is_409_and_never_makes_a_second_token() {
    let app = TestApp::new().await;
    let body = json!({"person_id": app.admin_id, "role": "admin", "label": "ci"});
    app.post_json_with_key("/api/v1/tokens", &app.admin, "tok-1", &body).await.assert_status(StatusCode::CREATED);
    let res = app.post_json_with_key("/api/v1/tokens", &app.admin, "tok-1", &body).await;
    assert_eq!(res.fields(StatusCode::CONFLICT), ["Idempotency-Key"]);
    assert_eq!(app.get("/api/v1/tokens", &app.admin).await.json()["items"].as_array().unwrap().len(), 2);
}
