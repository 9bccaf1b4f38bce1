//! `Idempotency-Key`: a repeat replays the first response and appends nothing.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{TestApp, hire_body, win};

#[tokio::test]
async fn the_same_key_twice_returns_the_same_event_and_records_it_once() {
    let app = TestApp::new().await;
    let id = app.hire("Retry Person", None).await;
    let before = app.counts().await;
    let body = win(id, "shipped it");
    let first = app.post_json_with_key("/api/v1/events", &app.admin, "k-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let second = app.post_json_with_key("/api/v1/events", &app.admin, "k-1", &body).await;
    second.assert_status(StatusCode::CREATED);
    assert_eq!(second.json(), first.json());
    assert_eq!(second.headers["location"], first.headers["location"]);
    assert_eq!(app.counts().await.0, before.0 + 1);
}

#[tokio::test]
async fn the_same_key_with_a_different_body_is_422_and_records_nothing() {
    let app = TestApp::new().await;
    let id = app.hire("Retry Person", None).await;
    app.post_json_with_key("/api/v1/events", &app.admin, "k-2", &win(id, "first")).await.assert_status(StatusCode::CREATED);
    let before = app.counts().await;
    let res = app.post_json_with_key("/api/v1/events", &app.admin, "k-2", &win(id, "second")).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["Idempotency-Key"]);
    // The same bytes sent to another endpoint are not a replay either.
    let res = app.post_json_with_key("/api/v1/events/bulk", &app.admin, "k-2", &json!({"events": [win(id, "first")]})).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["Idempotency-Key"]);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_replayed_bulk_request_returns_the_same_event_ids() {
    let app = TestApp::new().await;
    let id = app.hire("Bulk Retry", None).await;
    let body = json!({"events": [win(id, "a"), win(id, "b"), win(id, "c")]});
    let first = app.post_json_with_key("/api/v1/events/bulk", &app.admin, "bulk-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let before = app.counts().await;
    let second = app.post_json_with_key("/api/v1/events/bulk", &app.admin, "bulk-1", &body).await;
    second.assert_status(StatusCode::CREATED);
    assert_eq!(second.json(), first.json());
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_replayed_hire_returns_the_same_person_and_hires_nobody_new() {
    let app = TestApp::new().await;
    let body = hire_body("Once Only", None);
    let first = app.post_json_with_key("/api/v1/people", &app.admin, "hire-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let before = app.counts().await;
    let second = app.post_json_with_key("/api/v1/people", &app.admin, "hire-1", &body).await;
    second.assert_status(StatusCode::CREATED);
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_malformed_key_is_refused_naming_the_header() {
    let app = TestApp::new().await;
    let before = app.counts().await;
    let long = "k".repeat(256);
    for key in [long.as_str(), "has space", ""] {
        let res = app.post_json_with_key("/api/v1/events", &app.admin, key, &win(app.admin_id, "x")).await;
        assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["Idempotency-Key"], "{key}");
    }
    assert_eq!(app.counts().await, before);
}
