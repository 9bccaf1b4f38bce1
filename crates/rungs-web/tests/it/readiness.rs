//! `/api/v1/people/{id}/readiness` and `/recommendations`: the score moves when a win
//! meets a criterion, reversed wins never count, and access is the timeline's.

use axum::http::StatusCode;
use rungs_core::PersonId;
use serde_json::json;

use crate::support::*;

fn score(v: &serde_json::Value) -> u64 {
    v["readiness"]["score"].as_u64().unwrap()
}

#[tokio::test]
async fn a_win_that_meets_a_criterion_raises_readiness_and_a_reversal_takes_it_back() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let path = format!("/api/v1/people/{}/readiness", t.report_id);
    let before = app.get(&path, &t.report).await.json();
    assert_eq!(score(&before), 0);
    assert_eq!(before["readiness"]["next_level"], "e3");
    assert_eq!(before["readiness"]["checkable"], 9, "the example framework checks nine expectations at e3");
    assert!(before["framework_version"].as_u64().is_some());

    // A recent skill win evidencing testing: 1.25 of 3 points -> 0.4167 / 9 -> 5.
    let id = app.record(&t.report, &win(t.report_id, "Wrote the contract tests")).await.json()["id"].as_str().unwrap().to_string();
    let after = app.get(&path, &t.report).await.json();
    assert_eq!(score(&after), 5);
    let testing = after["readiness"]["competencies"].as_array().unwrap().iter().find(|c| c["competency"] == "testing").unwrap().clone();
    assert_eq!(testing["progress"]["counted"][0]["title"], "Wrote the contract tests");
    assert_eq!(testing["progress"]["counted"][0]["weight"], 1.25);
    assert!(testing["missing"].as_str().unwrap().starts_with("1.75 more points"), "{testing}");

    let reversal = json!({"subject": t.report_id, "kind": "reversal", "payload": {"target": id, "reason": "logged twice"}});
    app.record(&t.report, &reversal).await.assert_status(StatusCode::CREATED);
    assert_eq!(score(&app.get(&path, &t.report).await.json()), 0, "a reversed win never counts");
}

#[tokio::test]
async fn recommendations_rank_gaps_by_gain_and_explain_themselves() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.report, &win(t.report_id, "Wrote the contract tests")).await.assert_status(StatusCode::CREATED);
    let res = app.get(&format!("/api/v1/people/{}/recommendations", t.report_id), &t.report).await.json();
    let items = res["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    let gains: Vec<f64> = items.iter().map(|x| x["gain"].as_f64().unwrap()).collect();
    assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{gains:?}");
    // Testing is partly covered, so its gap is the smallest and it ranks last.
    assert_eq!(items[8]["competency"], "testing");
    assert_eq!(items[0]["rank"], 1);
    assert!(items[0]["why"].as_str().unwrap().contains("rank 1 because"), "{}", items[0]["why"]);
    assert!(!items[0]["steps"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn readiness_has_the_timelines_access() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let path = format!("/api/v1/people/{}/readiness", t.report_id);
    app.get(&path, &t.report).await.assert_status(StatusCode::OK);
    app.get(&path, &t.manager).await.assert_status(StatusCode::OK);
    app.get(&path, &app.admin).await.assert_status(StatusCode::OK);
    app.get(&path, &t.outsider).await.problem(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/people/{}/recommendations", t.report_id), &t.outsider).await.problem(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/people/{}/readiness", PersonId::new()), &app.admin).await.problem(StatusCode::NOT_FOUND);
    app.get_anonymous(&path).await.problem(StatusCode::UNAUTHORIZED);
}
