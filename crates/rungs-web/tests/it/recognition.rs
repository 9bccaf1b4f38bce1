//! Recognition over HTTP: give (points move at once), refusals as problem+json
//! naming the field, the feed with private recognition, balances, the collusion
//! report for the people team only, the policy, and the pages.

use axum::http::StatusCode;
use rungs_core::person::Role;
use serde_json::json;

use crate::pages::{assert_html, form};
use crate::support::TestApp;

#[tokio::test]
async fn giving_recognition_moves_points_at_once_and_shows_in_the_feed() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let res = app
        .post_json(
            "/api/v1/recognition",
            &t.report,
            &json!({"to": [t.outsider_id, t.manager_id], "message": "Thanks for the review!", "points": 20, "tags": ["teamwork"]}),
        )
        .await;
    res.assert_status(StatusCode::CREATED);
    let body = res.json();
    assert_eq!(body["events"].as_array().unwrap().len(), 2);
    assert_eq!(body["balance"]["left"], 60);
    let bal = app.get(&format!("/api/v1/recognition/balance?person={}", t.outsider_id), &app.admin).await.json();
    assert_eq!(bal["received_total"]["points"], 20);
    let mine = app.get("/api/v1/recognition/balance", &t.outsider).await.json();
    assert_eq!((mine["received_this_period"]["points"].as_u64(), mine["allowance"].as_u64()), (Some(20), Some(100)));
    // A peer may not read someone else's balance (as if they did not exist).
    app.get(&format!("/api/v1/recognition/balance?person={}", t.manager_id), &t.outsider).await.assert_status(StatusCode::NOT_FOUND);
    // `person` must be a UUID: an empty or malformed one is refused naming it, not read as "me".
    for q in ["/api/v1/recognition/balance?person=", "/api/v1/recognition?person=", "/api/v1/recognition?person=nobody"] {
        let res = app.get(q, &t.outsider).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["errors"][0]["field"], "person", "{q}");
    }

    let feed = app.get("/api/v1/recognition?limit=1", &t.outsider).await.json();
    assert_eq!(feed["items"].as_array().unwrap().len(), 1);
    assert_eq!(feed["items"][0]["event"]["payload"]["message"], "Thanks for the review!");
    let next = feed["next_cursor"].as_str().unwrap();
    let older = app.get(&format!("/api/v1/recognition?limit=1&cursor={next}"), &t.outsider).await.json();
    assert_eq!(older["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn refusals_name_the_field_and_change_nothing() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.counts().await;
    let over = app.post_json("/api/v1/recognition", &t.report, &json!({"to": [t.outsider_id], "message": "hi", "points": 51})).await;
    assert_eq!(over.fields(StatusCode::UNPROCESSABLE_ENTITY), ["points"]);
    let me = app.post_json("/api/v1/recognition", &t.report, &json!({"to": [t.report_id], "message": "me"})).await;
    assert_eq!(me.fields(StatusCode::UNPROCESSABLE_ENTITY), ["to[0]"]);
    let bad = app.post_json("/api/v1/recognition", &t.report, &json!({"to": [], "message": "", "tags": ["Nope"]})).await;
    assert_eq!(bad.fields(StatusCode::UNPROCESSABLE_ENTITY), ["to", "message", "tags[0]"]);
    assert_eq!(app.counts().await, before);
    // Through POST /events too: a recognition to oneself is refused by the table.
    let res = app.record(&app.admin, &json!({"subject": app.admin_id, "kind": "recognition", "payload": {"message": "me"}})).await;
    res.assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn private_recognition_reaches_only_whom_the_table_allows() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.post_json("/api/v1/recognition", &t.outsider, &json!({"to": [t.report_id], "message": "quietly: thank you", "public": false}))
        .await
        .assert_status(StatusCode::CREATED);
    let count = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/recognition", &token).await.json()["items"].as_array().unwrap().len() }
    };
    assert_eq!(count(t.report.clone()).await, 1, "receiver");
    assert_eq!(count(t.manager.clone()).await, 1, "receiver's manager");
    assert_eq!(count(t.outsider.clone()).await, 1, "giver");
    assert_eq!(count(app.admin.clone()).await, 1, "people team");
    let peer = app.hire("Pat Peer", None).await;
    assert_eq!(count(app.token_for(peer, Role::Employee).await).await, 0, "anyone else");
}

#[tokio::test]
async fn the_collusion_report_and_policy_are_for_the_people_team() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.get("/api/v1/recognition/collusion", &t.manager).await.assert_status(StatusCode::FORBIDDEN);
    let r = app.get("/api/v1/recognition/collusion?days=30", &app.admin).await;
    r.assert_status(StatusCode::OK);
    assert!(r.json()["flags"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/api/v1/recognition/collusion?days=0", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["days"]);

    let p = app.get("/api/v1/recognition/policy", &t.report).await.json();
    assert_eq!(p["reset_day"], 1);
    let new = json!({"time_zone": "Europe/Berlin", "reset_day": 10, "allowance": {"employee": 30, "manager": 60, "admin": 90}, "pair_cap": 20, "values": ["kindness"]});
    app.put_json("/api/v1/recognition/policy", &t.manager, &new).await.assert_status(StatusCode::FORBIDDEN);
    let bad = json!({"time_zone": "Nowhere/Land", "reset_day": 10});
    assert_eq!(app.put_json("/api/v1/recognition/policy", &app.admin, &bad).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["time_zone"]);
    app.put_json("/api/v1/recognition/policy", &app.admin, &new).await.assert_status(StatusCode::OK);
    assert_eq!(app.get("/api/v1/recognition/balance", &t.report).await.json()["allowance"], 30);
}

#[tokio::test]
async fn the_pages_give_recognition_and_show_the_feed_and_the_balance() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let b = app.sign_in("rex.report@example.com", Role::Employee).await;
    let page = app.page("/recognition", &b.cookie).await;
    let html = assert_html(&page, StatusCode::OK);
    assert!(html.contains("action=\"/recognition\""));
    let body = form(&[("csrf", &b.csrf), ("to", "olga.outsider@example.com"), ("message", "Great pairing"), ("points", "15"), ("tags", "craft")]);
    let res = app.form_post("/recognition", &b.cookie, body, &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let after = assert_html(&app.page("/recognition?given=1", &b.cookie).await, StatusCode::OK);
    assert!(after.contains("Great pairing") && after.contains("85 of 100"), "the feed and the balance moved at once");
    let bad = form(&[("csrf", &b.csrf), ("to", "nobody@example.com"), ("message", "x"), ("points", "5")]);
    let res = app.form_post("/recognition", &b.cookie, bad, &[]).await;
    assert!(assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY).contains("nobody here has the email"));
    let home = assert_html(&app.page("/", &b.cookie).await, StatusCode::OK);
    assert!(home.contains("points left to give"), "balances on the home page");
    let _ = t;

    let admin = app.sign_in("ada@example.com", Role::Admin).await;
    assert!(assert_html(&app.page("/recognition/collusion", &admin.cookie).await, StatusCode::OK).contains("normal pattern"));
    app.page("/recognition/collusion", &b.cookie).await.assert_status(StatusCode::FORBIDDEN);
}
