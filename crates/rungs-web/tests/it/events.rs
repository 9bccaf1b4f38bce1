//! `/api/v1/events` and `/api/v1/people/{id}/events`: recording and reading the ledger.

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::{TestApp, hire_body, win};

#[tokio::test]
async fn a_recorded_event_is_201_with_a_location_and_reads_back_the_same() {
    let app = TestApp::new().await;
    let id = app.hire("Ada Lovelace", None).await;
    let res = app.record(&app.admin, &win(id, "Wrote the first program")).await;
    res.assert_status(StatusCode::CREATED);
    let event = res.json();
    assert_eq!(event["kind"], "micro_progression");
    assert_eq!(event["subject"], id.to_string());
    assert_eq!(event["actor"], app.admin_id.to_string());
    assert_eq!(event["payload"]["title"], "Wrote the first program");
    let location = res.headers[header::LOCATION].to_str().unwrap();
    assert_eq!(location, format!("/api/v1/events/{}", event["id"].as_str().unwrap()));
    let got = app.get(location, &app.admin).await;
    got.assert_status(StatusCode::OK);
    assert_eq!(got.json(), event);
}

#[tokio::test]
async fn an_unknown_event_is_404_and_a_malformed_event_id_is_400() {
    let app = TestApp::new().await;
    app.get(&format!("/api/v1/events/{}", rungs_core::EventId::new()), &app.admin).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/events/zzz", &app.admin).await.fields(StatusCode::BAD_REQUEST), ["id"]);
}

#[tokio::test]
async fn a_persons_events_filter_by_kind_and_time_range() {
    let app = TestApp::new().await;
    let mut hire = hire_body("Linus", None);
    hire["occurred_at"] = json!("2024-06-01T00:00:00Z");
    let id = app.post_json("/api/v1/people", &app.admin, &hire).await.json()["id"].as_str().unwrap().parse::<rungs_core::PersonId>().unwrap();
    for (day, title) in [(1, "jan"), (10, "mid"), (20, "late")] {
        let mut e = win(id, title);
        e["occurred_at"] = json!(format!("2025-01-{day:02}T12:00:00Z"));
        app.record(&app.admin, &e).await.assert_status(StatusCode::CREATED);
    }
    app.record(&app.admin, &json!({"subject": id, "kind": "recognition", "occurred_at": "2025-01-15T00:00:00Z", "payload": {"message": "thanks"}}))
        .await
        .assert_status(StatusCode::CREATED);
    let base = format!("/api/v1/people/{id}/events");
    let kinds = |v: &Value| v["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let all = app.get(&base, &app.admin).await.json();
    assert_eq!(kinds(&all), ["hired", "micro_progression", "micro_progression", "micro_progression", "recognition"]);
    let wins = app.get(&format!("{base}?kind=micro_progression"), &app.admin).await.json();
    assert_eq!(wins["items"].as_array().unwrap().len(), 3);
    let two = app.get(&format!("{base}?kind=recognition,hired"), &app.admin).await.json();
    assert_eq!(kinds(&two), ["hired", "recognition"]);
    let range = app.get(&format!("{base}?kind=micro_progression&from=2025-01-05T00:00:00Z&to=2025-01-25T00:00:00Z"), &app.admin).await.json();
    let titles: Vec<_> = range["items"].as_array().unwrap().iter().map(|e| e["payload"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["mid", "late"]);
    let page = app.get(&format!("{base}?limit=2"), &app.admin).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next_cursor"].is_string());
}

#[tokio::test]
async fn bad_event_filters_are_422_naming_the_parameter() {
    let app = TestApp::new().await;
    let base = format!("/api/v1/people/{}/events", app.admin_id);
    let cases = [("kind=raise", "kind"), ("kind=hired,bogus", "kind"), ("from=yesterday", "from"), ("to=2025-13-01", "to"), ("limit=5000", "limit")];
    for (q, field) in cases {
        let fields = app.get(&format!("{base}?{q}"), &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields, [field], "{q}");
    }
}

#[tokio::test]
async fn every_bad_field_of_an_event_is_named_and_nothing_is_recorded() {
    let app = TestApp::new().await;
    let before = app.counts().await;
    let bad = json!({"subject": 12, "kind": "micro_progression", "occurred_at": "yesterday",
        "payload": {"category": "napping", "magnitude": "micro", "title": "x"}, "evidence": ["ftp://x"]});
    let fields = app.record(&app.admin, &bad).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["subject", "occurred_at", "evidence[0]"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }
    assert!(fields.iter().any(|f| f.starts_with("payload")), "{fields:?}");
    let fields = app.record(&app.admin, &json!({"kind": "recognition", "payload": {"message": "hi"}})).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["subject"]);
    let mut typo = win(app.admin_id, "x");
    typo["occured_at"] = json!("2025-01-01T00:00:00Z");
    assert_eq!(app.record(&app.admin, &typo).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["occured_at"]);
    assert_eq!(app.record(&app.admin, &json!([1, 2])).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["body"]);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_body_with_line_and_column() {
    let app = TestApp::new().await;
    let before = app.counts().await;
    let res = app.post_raw("/api/v1/events", &app.admin, "{\"subject\": \n  nope}").await;
    let p = res.problem(StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "body");
    let reason = p["errors"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("line 2 column"), "{reason}");
    let res = app.post_raw("/api/v1/events", &app.admin, "{} trailing").await;
    res.problem(StatusCode::BAD_REQUEST);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::new().await;
    let res = app.send(axum::http::Method::POST, "/api/v1/events", Some(&app.admin), None, &[("content-type", "text/plain")]).await;
    assert_eq!(res.fields(StatusCode::UNSUPPORTED_MEDIA_TYPE), ["Content-Type"]);
}

#[tokio::test]
async fn an_oversized_body_is_a_problem_413_and_records_nothing() {
    let app = TestApp::new().await;
    let before = app.counts().await;
    let mut big = win(app.admin_id, "big");
    big["payload"]["description"] = json!("x".repeat(1024 * 1024 + 1));
    let res = app.record(&app.admin, &big).await;
    res.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn the_bulk_route_accepts_bodies_over_the_default_limit() {
    let app = TestApp::new().await;
    let id = app.hire("Bulk Person", None).await;
    let before = app.counts().await;
    let events: Vec<Value> = (0..600)
        .map(|i| {
            let mut e = win(id, &format!("win {i}"));
            e["payload"]["description"] = json!("d".repeat(2000));
            e
        })
        .collect();
    let body = json!({ "events": events });
    assert!(body.to_string().len() > 1024 * 1024);
    let res = app.post_json("/api/v1/events/bulk", &app.admin, &body).await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["events"].as_array().unwrap().len(), 600);
    assert_eq!(app.counts().await.0, before.0 + 600);
}

#[tokio::test]
async fn one_bad_event_in_a_bulk_request_is_named_and_nothing_is_appended() {
    let app = TestApp::new().await;
    let id = app.hire("Atomic Person", None).await;
    let before = app.counts().await;
    let mut events: Vec<Value> = (0..50).map(|i| win(id, &format!("win {i}"))).collect();
    events[37]["payload"]["magnitude"] = json!("gigantic");
    events[41]["competencies"] = json!(["not-a-competency"]);
    let res = app.post_json("/api/v1/events/bulk", &app.admin, &json!({ "events": events })).await;
    let fields = res.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fields.iter().any(|f| f.starts_with("events[37].payload")), "{fields:?}");
    assert_eq!(app.counts().await, before);
    // Fix the first; the framework check now names the second.
    events[37] = win(id, "fixed");
    let fields = app.post_json("/api/v1/events/bulk", &app.admin, &json!({ "events": events })).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["events[41].competencies[0]"]);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_bulk_request_over_10000_events_or_with_none_is_refused() {
    let app = TestApp::new().await;
    let before = app.counts().await;
    let one = win(app.admin_id, "w");
    let events: Vec<Value> = (0..10_001).map(|_| one.clone()).collect();
    let fields = app.post_json("/api/v1/events/bulk", &app.admin, &json!({ "events": events })).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["events"]);
    let fields = app.post_json("/api/v1/events/bulk", &app.admin, &json!({ "events": [] })).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["events"]);
    let fields = app.post_json("/api/v1/events/bulk", &app.admin, &json!({ "events": "all of them" })).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["events"]);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_reversal_through_the_api_marks_the_original_in_the_timeline() {
    let app = TestApp::new().await;
    let id = app.hire("Oops Person", None).await;
    let original = app.record(&app.admin, &win(id, "logged by mistake")).await.json();
    let reversal = app.record(&app.admin, &json!({"subject": id, "kind": "reversal", "payload": {"target": original["id"], "reason": "wrong person"}})).await;
    reversal.assert_status(StatusCode::CREATED);
    let reversal = reversal.json();
    let timeline = app.get(&format!("/api/v1/people/{id}/timeline"), &app.admin).await;
    timeline.assert_status(StatusCode::OK);
    let items = timeline.json()["items"].as_array().unwrap().clone();
    let entry = items.iter().find(|e| e["event"]["id"] == original["id"]).expect("original stays in the ledger");
    assert_eq!(entry["reversed_by"], reversal["id"]);
    let person = app.get(&format!("/api/v1/people/{id}"), &app.admin).await.json();
    assert_eq!(person["micro_progressions"], 0);
}

#[tokio::test]
async fn hostile_event_text_is_stored_verbatim_or_refused_never_a_500() {
    let app = TestApp::new().await;
    let id = app.hire("Hostile Target", None).await;
    for title in ["<img src=x onerror=alert(1)>", "ℌ𝔢𝔩𝔩𝔬 \u{200b} זה", "\"; DELETE FROM events; --", &"w".repeat(5000), "\u{7}bell"] {
        let before = app.counts().await;
        let res = app.record(&app.admin, &win(id, title)).await;
        match res.status {
            StatusCode::CREATED => {
                let got = app.get(&format!("/api/v1/events/{}", res.json()["id"].as_str().unwrap()), &app.admin).await.json();
                assert_eq!(got["payload"]["title"], title.trim());
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["payload.title"]);
                assert_eq!(app.counts().await, before);
            }
            other => panic!("{title:?}: unexpected {other}: {}", res.text()),
        }
    }
}

#[tokio::test]
async fn the_configured_bulk_limit_is_enforced_as_a_problem_413() {
    let app = TestApp::builder().config(rungs_web::WebConfig { max_body_bytes: 1024, max_bulk_body_bytes: 8 * 1024, ..Default::default() }).build().await;
    let before = app.counts().await;
    let events: Vec<Value> = (0..100).map(|i| win(app.admin_id, &format!("win number {i}"))).collect();
    let res = app.post_json("/api/v1/events/bulk", &app.admin, &json!({ "events": events })).await;
    assert_eq!(res.fields(StatusCode::PAYLOAD_TOO_LARGE), ["body"]);
    assert_eq!(app.counts().await, before);
}
