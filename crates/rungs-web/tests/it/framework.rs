//! `/api/v1/framework`.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn anyone_signed_in_reads_the_framework() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let res = app.get("/api/v1/framework", &t.report).await;
    res.assert_status(StatusCode::OK);
    let tracks: Vec<_> = res.json()["tracks"].as_array().unwrap().iter().map(|t| t["key"].as_str().unwrap().to_string()).collect();
    assert!(tracks.contains(&"engineering".to_string()), "{tracks:?}");
}

#[tokio::test]
async fn the_people_team_replaces_the_framework_and_others_may_not() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.get("/api/v1/framework", &app.admin).await.json();
    let fw = json!({
        "tracks": [{"key": "research", "name": "Research", "levels": [{"key": "r1", "title": "Researcher"}]}],
        "competencies": [{"key": "rigour", "name": "Rigour", "category": "craft"}]
    });
    app.put_json("/api/v1/framework", &t.manager, &fw).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/framework", &app.admin).await.json(), before);
    let res = app.put_json("/api/v1/framework", &app.admin, &fw).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(app.get("/api/v1/framework", &t.report).await.json(), fw);
}

#[tokio::test]
async fn an_invalid_framework_is_refused_naming_each_field_and_the_old_one_stays() {
    let app = TestApp::new().await;
    let before = app.get("/api/v1/framework", &app.admin).await.json();
    let dup = json!({
        "tracks": [
            {"key": "a", "name": "A", "levels": [{"key": "l1", "title": "One"}]},
            {"key": "a", "name": "Again", "levels": []}
        ],
        "competencies": []
    });
    let fields = app.put_json("/api/v1/framework", &app.admin, &dup).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fields.contains(&"tracks[1].key".to_string()), "{fields:?}");
    assert!(fields.contains(&"tracks[1].levels".to_string()), "{fields:?}");
    let wrong_type = json!({"tracks": [{"key": "a", "name": "A", "levels": "l1"}], "competencies": []});
    let fields = app.put_json("/api/v1/framework", &app.admin, &wrong_type).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["tracks[0].levels"]);
    assert_eq!(app.get("/api/v1/framework", &app.admin).await.json(), before);
}
