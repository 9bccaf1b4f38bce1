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

#[tokio::test]
async fn the_people_team_sees_the_dashboard_and_the_what_works_report_with_svg_charts_a_manager_only_the_dashboard() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.manager, &win(t.report_id, "Shipped the importer")).await.assert_status(StatusCode::CREATED);
    let admin_email = app.store.person(app.org, app.admin_id).await.unwrap().email;
    let admin = app.sign_in(&admin_email, rungs_core::person::Role::Admin).await;
    let page = app.page("/analytics", &admin.cookie).await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("Stagnation risk") && html.contains("By department"), "{html}");
    let ww = app.page("/analytics/what-works", &admin.cookie).await;
    ww.assert_status(StatusCode::OK);
    let html = ww.text();
    assert!(html.contains("What works here") && html.contains("Caveats") && html.contains("log-rank") || html.contains("not enough data"), "{html}");
    // No inline style anywhere (CSP): the chart is styled by classes.
    assert!(!html.contains("style="), "inline style in the what-works page");

    let manager_email = app.store.person(app.org, t.manager_id).await.unwrap().email;
    let manager = app.sign_in(&manager_email, rungs_core::person::Role::Manager).await;
    let page = app.page("/analytics", &manager.cookie).await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("Team analytics") && !page.text().contains("By department"));
    assert_eq!(app.page("/analytics/what-works", &manager.cookie).await.status, StatusCode::FORBIDDEN);
}
