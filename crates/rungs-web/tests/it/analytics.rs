//! The analytics API: who is counted follows the access table's `Analyze` rows (a
//! manager their reports, the people team everyone, an employee nothing), bad
//! parameters are problems naming the field, and the numbers move with the ledger.

use axum::http::StatusCode;

use rungs_core::PersonId;
use serde_json::json;

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
    assert!(
        html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"") && html.contains("Stagnation risk") && html.contains("By department"),
        "{html}"
    );
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

/// People hired two years ago with a gender, some promoted and thanked last month.
async fn audited_org(app: &TestApp) -> Vec<(PersonId, &'static str)> {
    let hired = (chrono::Utc::now() - chrono::Duration::days(730)).to_rfc3339();
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    let mut people = vec![];
    for (k, g) in ["m", "m", "m", "m", "m", "m", "f", "f", "f", "f", "f", "f", "x", "x"].into_iter().enumerate() {
        let body = json!({
            "name": format!("Person {k}"), "email": format!("p{k}@example.com"), "department": "Platform",
            "position": {"track": "engineering", "level": "e2", "title": "Engineer"},
            "sensitive": {"gender": g}, "occurred_at": hired
        });
        let p = app.post_json("/api/v1/people", &app.admin, &body).await;
        p.assert_status(StatusCode::CREATED);
        people.push((p.json()["id"].as_str().unwrap().parse().unwrap(), g));
    }
    // m: 4 of 6 promoted, f: 1 of 6; everyone but one f thanked.
    for (i, (id, _)) in people.iter().enumerate() {
        if [0, 1, 2, 3, 6].contains(&i) {
            let promote = json!({"subject": id, "kind": "promotion", "occurred_at": month_ago,
                "payload": {"to": {"track": "engineering", "level": "e3", "title": "Senior Engineer"}}});
            app.record(&app.admin, &promote).await.assert_status(StatusCode::CREATED);
        }
        if i != 7 {
            let thanks = json!({"subject": id, "kind": "recognition", "payload": {"message": "thanks"}});
            app.record(&app.admin, &thanks).await.assert_status(StatusCode::CREATED);
        }
    }
    people
}

#[tokio::test]
async fn the_equity_audit_compares_groups_suppresses_small_ones_and_is_the_people_teams_alone() {
    let app = TestApp::new().await;
    let t = app.team().await;
    audited_org(&app).await;
    for who in [&t.manager, &t.report] {
        app.get("/api/v1/analytics/equity", who).await.problem(StatusCode::FORBIDDEN);
    }
    let r = app.get("/api/v1/analytics/equity?attribute=gender", &app.admin).await.json();
    assert_eq!(r["attribute"], "gender", "{r}");
    assert_eq!(r["cohort"], 14, "hired two years ago: in the cohort; the team hired today: not {r}");
    assert_eq!(r["suppressed"][0]["group"], "x", "{r}");
    let promo = &r["outcomes"][0];
    assert_eq!(promo["outcome"], "promotion");
    assert_eq!(promo["reference_group"], "m");
    let f = &promo["groups"][1];
    assert_eq!((f["group"].as_str(), f["people"].as_u64(), f["selected"].as_u64()), (Some("f"), Some(6), Some(1)), "{promo}");
    assert_eq!(f["below_four_fifths"], true);
    // Fisher [[1, 5], [4, 2]], computed with exact rationals: 0.24242424…
    assert!((f["fisher_p"].as_f64().unwrap() - 0.24242424242424243).abs() < 1e-9, "{f}");
    assert!(!r.to_string().contains("\"group\":\"x\",\"people\""), "a suppressed group's numbers never show");

    // CSV of the same numbers; an unknown table or attribute names the field.
    let csv = app.get("/api/v1/analytics/equity?format=csv&table=rates", &app.admin).await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text();
    assert!(text.starts_with("attribute,outcome,group,people,selected,rate,"), "{text}");
    assert!(text.contains("gender,promotion,f,6,1,"), "{text}");
    assert_eq!(app.get("/api/v1/analytics/equity?format=csv&table=nope", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["table"]);
    assert_eq!(app.get("/api/v1/analytics/equity?attribute=shoe_size", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["attribute"]);
    assert_eq!(app.get("/api/v1/analytics/metrics?format=xml", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["format"]);

    // The chart, as SVG.
    let svg = app.get("/api/v1/analytics/equity.svg?outcome=promotion&attribute=gender", &app.admin).await;
    svg.assert_status(StatusCode::OK);
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.text().starts_with("<svg") && svg.text().contains("four-fifths"), "{}", svg.text());
}

#[tokio::test]
async fn every_report_table_downloads_as_csv_and_the_charts_as_svg() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.manager, &win(t.report_id, "Shipped the importer")).await.assert_status(StatusCode::CREATED);
    let thanks = json!({"subject": t.report_id, "kind": "recognition", "payload": {"message": "thanks"}});
    app.record(&t.manager, &thanks).await.assert_status(StatusCode::CREATED);
    for (path, header) in [
        ("/api/v1/analytics/metrics?format=csv", "kind,group,manager_id,active,"),
        ("/api/v1/analytics/metrics?format=csv&table=monthly", "month_start,active,"),
        ("/api/v1/analytics/stagnation?format=csv", "rank,person_id,name,"),
        ("/api/v1/analytics/what-works?format=csv", "comparison,group,people,"),
        ("/api/v1/analytics/what-works?format=csv&table=curves", "comparison,group,months,at_risk,"),
        ("/api/v1/analytics/what-works?format=csv&table=effects", "id,track,title,estimate,"),
        ("/api/v1/analytics/what-works?format=csv&table=bands", "wins,person_months,"),
        ("/api/v1/analytics/equity?format=csv&table=suppressed", "attribute,group,reason"),
    ] {
        let r = app.get(path, &app.admin).await;
        r.assert_status(StatusCode::OK);
        assert!(r.text().starts_with(header), "{path}: {}", r.text());
        assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment"), "{path}");
    }
    // Recognition in the metrics, as JSON and in the CSV's organization row.
    let m = app.get("/api/v1/analytics/metrics", &t.manager).await.json();
    assert_eq!(m["organization"]["recognition"]["received"], 1, "{m}");
    assert_eq!(m["organization"]["recognition"]["gini_received"], 0.0, "one person, one recognition: {m}");
    let csv = app.get("/api/v1/analytics/metrics?format=csv", &t.manager).await.text();
    let org: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!((org[0], org[16]), ("organization", "1"), "{csv}");
    // JSON is the whole report: a table is for CSV only.
    assert!(app.get("/api/v1/analytics/stagnation?table=people", &app.admin).await.json()["rows"].is_array());

    let svg = app.get("/api/v1/analytics/metrics.svg", &t.manager).await;
    svg.assert_status(StatusCode::OK);
    assert!(svg.text().starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let km = app.get("/api/v1/analytics/what-works.svg?chart=retention_by_cadence", &app.admin).await;
    km.assert_status(StatusCode::OK);
    assert!(km.text().contains("share still employed"), "{}", km.text());
    assert_eq!(app.get("/api/v1/analytics/what-works.svg?chart=nope", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), vec!["chart"]);
    app.get("/api/v1/analytics/what-works.svg?chart=retention_by_cadence", &t.manager).await.problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_equity_page_and_the_downloads_behind_the_pages() {
    let app = TestApp::new().await;
    let t = app.team().await;
    audited_org(&app).await;
    let admin_email = app.store.person(app.org, app.admin_id).await.unwrap().email;
    let admin = app.sign_in(&admin_email, rungs_core::person::Role::Admin).await;
    let page = app.page("/analytics/equity?attribute=gender", &admin.cookie).await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Equity audit") && html.contains("below four-fifths") && html.contains("<svg"), "{html}");
    assert!(html.contains("fewer than 5 people"), "the suppressed group is named: {html}");
    assert!(!html.contains("style="), "no inline style (CSP)");
    for path in
        ["/analytics/metrics.csv?table=groups", "/analytics/stagnation.csv", "/analytics/what-works.csv?table=curves", "/analytics/equity.csv?attribute=gender"]
    {
        let r = app.page(path, &admin.cookie).await;
        r.assert_status(StatusCode::OK);
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"), "{path}");
    }
    let svg = app.page("/analytics/equity.svg?outcome=recognition&attribute=gender", &admin.cookie).await;
    svg.assert_status(StatusCode::OK);
    assert!(app.page("/analytics", &admin.cookie).await.text().contains("Gini"));

    let manager_email = app.store.person(app.org, t.manager_id).await.unwrap().email;
    let manager = app.sign_in(&manager_email, rungs_core::person::Role::Manager).await;
    assert_eq!(app.page("/analytics/equity", &manager.cookie).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.page("/analytics/equity.csv", &manager.cookie).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.page("/analytics/metrics.csv", &manager.cookie).await.status, StatusCode::OK, "a manager downloads their team's numbers");
}
