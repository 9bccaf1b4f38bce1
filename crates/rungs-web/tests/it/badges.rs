//! The badge API: a bad rule is a 422 naming its position and saves nothing; the
//! people team defines, everyone reads; the preview and the image; awards by hand
//! once, and a person's badges with why.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn badges_are_defined_previewed_awarded_by_hand_once_and_shown_with_why() {
    let app = TestApp::new().await;
    let bad = json!({"key": "burst", "name": "Burst", "tiers": {"gold": {"all": [{"count": {"category": "juggling", "at_least": 1}}]}}});
    let res = app.put_json("/api/v1/badges/burst", &app.admin, &bad).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "tiers.gold.all[0].count.category");
    assert_eq!(app.get("/api/v1/badges", &app.admin).await.json(), json!([]));

    let good = json!({"key": "burst", "name": "Burst", "tiers": {"bronze": {"count": {"category": "skill", "at_least": 1}}, "gold": {"milestone": {}}}});
    let res = app.put_json("/api/v1/badges/burst", &app.admin, &good).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["rules"]["bronze"], "at least 1 skill win");
    let list = app.get("/api/v1/badges", &app.admin).await.json();
    assert_eq!(list[0]["key"], "burst");

    let preview = app.post_json("/api/v1/badges/preview", &app.admin, &good).await;
    preview.assert_status(StatusCode::OK);
    assert_eq!(preview.json()["would_award"], 0);

    let image = app.get("/api/v1/badges/burst/image.svg?tier=gold", &app.admin).await;
    image.assert_status(StatusCode::OK);

    let me = app.admin_id;
    let award = json!({"badge": "burst", "tier": "gold", "reason": "led the migration"});
    app.post_json(&format!("/api/v1/people/{me}/badges"), &app.admin, &award).await.assert_status(StatusCode::CREATED);
    app.post_json(&format!("/api/v1/people/{me}/badges"), &app.admin, &award).await.assert_status(StatusCode::CONFLICT);
    let held = app.get(&format!("/api/v1/people/{me}/badges"), &app.admin).await.json();
    assert_eq!(held.as_array().unwrap().len(), 1);
    assert_eq!((held[0]["tier"].as_str(), held[0]["reason"].as_str(), held[0]["by_hand"].as_bool()), (Some("gold"), Some("led the migration"), Some(true)));
}
