//! The analytics API: who is counted follows the access table's `Analyze` rows (a
//! manager their reports, the people team everyone, an employee nothing), bad
//! parameters are problems naming the field, and the numbers move with the ledger.

use axum::http::StatusCode;

use crate::support::{TestApp, win};

#[tokio::test]
async fn a_manager_counts_their_reports_the_people_team_everyone_and_an_employee_gets_403() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.manager, &win(t.report_id, "Shipped the importer")).await.assert_status(StatusCode::CREATED);

    let m = app.get("/api/v1/analytics/metrics", &t.manager).await.json();
    assert_eq!(m["people"], 1, "{m}");
    assert_eq!(m["organization"]["micro_progressions"], 1, "{m}");
    assert_eq!(m["organization"]["progressed_last_30_days"], 1.0, "{m}");
    let all = app.get("/api/v1/analytics/metrics", &app.admin).await.json();
    assert!(all["people"].as_u64().unwrap() >= 3, "{all}");

    for path in ["/api/v1/analytics/metrics", "/api/v1/analytics/stagnation", "/api/v1/analytics/what-works"] {
        app.get(path, &t.report).await.problem(StatusCode::FORBIDDEN);
    }
    // What-works rests on the whole organization: the people team's alone.
    app.get("/api/v1/analytics/what-works", &t.manager).await.problem(StatusCode::FORBIDDEN);
    let ww = app.get("/api/v1/analytics/what-works", &app.admin).await.json();
    assert!(ww["caveats"].as_array().is_some_and(|c| !c.is_empty()), "{ww}");
    let st = app.get("/api/v1/analytics/stagnation", &t.manager).await.json();
    assert_eq!(st["considered"], 1, "{st}");
}

#[tokio::test]
async fn bad_analytics_parameters_name_the_field() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/api/v1/analytics/metrics?months=0", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["months"]);
    assert_eq!(app.get("/api/v1/analytics/stagnation?days=x", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["days"]);
    assert_eq!(app.get("/api/v1/analytics/what-works?landmark=2999-01-01", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["landmark"]);
    assert_eq!(app.get("/api/v1/analytics/what-works?landmark=soon", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["landmark"]);
}
