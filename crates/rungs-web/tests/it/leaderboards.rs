//! Leaderboards through HTTP: off (a 404 that says so, API and page) until the people
//! team turns them on; then, after the job runs, boards ranked by team and period
//! with every number explained and the events counted; team boards under the access
//! table; leavers not ranked; bad queries named field by field.

use axum::http::StatusCode;
use rungs_core::person::Role;
use serde_json::{Value, json};

use crate::pages::{assert_html, form};
use crate::support::*;

async fn validated_win(app: &TestApp, author: &str, validator: &str, subject: rungs_core::PersonId, title: &str) -> Value {
    let w = app.record(author, &win(subject, title)).await;
    w.assert_status(StatusCode::CREATED);
    let w = w.json();
    app.record(validator, &json!({"subject": subject, "kind": "validation", "payload": {"target": w["id"]}})).await.assert_status(StatusCode::CREATED);
    w
}

async fn run_job(app: &TestApp, runner: &rungs_app::leaderboards::Runner) -> rungs_app::leaderboards::RunReport {
    runner.run(app.store.as_ref(), app.org, chrono::Utc::now()).await.unwrap()
}

fn names(board: &Value) -> Vec<String> {
    board["entries"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn leaderboards_are_off_until_turned_on_then_ranked_by_team_and_explained() {
    let app = TestApp::new().await;
    let t = app.team().await;

    // Off: a 404 that says why, on the API and the page; the job computes nothing.
    let p = app.get("/api/v1/leaderboards", &t.report).await.problem(StatusCode::NOT_FOUND);
    assert!(p["detail"].as_str().unwrap().contains("leaderboards are off"), "{p}");
    assert_eq!(app.get("/api/v1/leaderboards/settings", &t.report).await.json()["enabled"], false);
    let runner = rungs_app::leaderboards::Runner::new();
    assert_eq!(run_job(&app, &runner).await.mode, "off");
    let rex = app.sign_in("rex.report@example.com", Role::Employee).await;
    let page = assert_html(&app.page("/leaderboards", &rex.cookie).await, StatusCode::NOT_FOUND);
    assert!(page.contains("Leaderboards are off") && !page.contains("Turn leaderboards on"), "{page}");

    // Only the people team turns them on; a bad body changes nothing.
    app.put_json("/api/v1/leaderboards/settings", &t.manager, &json!({"enabled": true})).await.problem(StatusCode::FORBIDDEN);
    assert!(app.put_json("/api/v1/leaderboards/settings", &app.admin, &json!({"enabled": "yes"})).await.status.is_client_error());
    assert_eq!(app.get("/api/v1/leaderboards/settings", &t.report).await.json()["enabled"], false);
    let on = app.put_json("/api/v1/leaderboards/settings", &app.admin, &json!({"enabled": true})).await;
    on.assert_status(StatusCode::OK);
    assert_eq!(on.json()["enabled"], true);

    // Rex: two validated wins; Olga: one validated, one not. Recognition: Rex thanks
    // his manager and Olga (outside his team); Olga thanks Rex.
    let w1 = validated_win(&app, &t.report, &t.manager, t.report_id, "Shipped the parser").await;
    validated_win(&app, &t.report, &t.manager, t.report_id, "Learned proptest").await;
    validated_win(&app, &t.outsider, &app.admin, t.outsider_id, "Ran the retro").await;
    app.record(&t.outsider, &win(t.outsider_id, "Not yet validated")).await.assert_status(StatusCode::CREATED);
    for (from, to) in [(&t.report, t.manager_id), (&t.report, t.outsider_id), (&t.outsider, t.report_id)] {
        app.record(from, &json!({"subject": to, "kind": "recognition", "payload": {"message": "thanks"}})).await.assert_status(StatusCode::CREATED);
    }

    // Nothing until the job runs.
    let before = app.get("/api/v1/leaderboards?board=wins", &t.report).await.json();
    assert!(before["entries"].as_array().unwrap().is_empty() && before["computed_at"].is_null(), "{before}");
    let r = run_job(&app, &runner).await;
    assert_eq!(r.mode, "cold", "{r:?}");

    let wins = app.get("/api/v1/leaderboards?board=wins&period=month", &t.report).await.json();
    assert_eq!(names(&wins), vec!["Rex Report", "Olga Outsider"], "{wins}");
    let rex_row = &wins["entries"][0];
    assert_eq!((rex_row["rank"].as_u64(), rex_row["value"].as_i64(), rex_row["events"].as_array().unwrap().len()), (Some(1), Some(2), 2));
    assert!(rex_row["why"].as_str().unwrap().starts_with("2 validated wins this month"), "{rex_row}");
    assert!(wins["counts"].as_str().unwrap().contains("validated wins") && !wins["computed_at"].is_null(), "{wins}");
    assert_eq!(wins["entries"][1]["extra"], 2, "Olga logged two wins, one validated");
    let improved = app.get("/api/v1/leaderboards", &t.outsider).await.json();
    assert_eq!(improved["board"], "most-improved");
    assert_eq!(names(&improved), vec!["Rex Report", "Olga Outsider"]);
    let breadth = app.get("/api/v1/leaderboards?board=breadth&period=year", &t.outsider).await.json();
    assert_eq!(names(&breadth), vec!["Rex Report", "Olga Outsider"], "{breadth}");
    assert_eq!(
        (breadth["entries"][0]["value"].as_i64(), breadth["entries"][0]["extra"].as_i64()),
        (Some(2), Some(1)),
        "his manager is in his team, Olga is not"
    );
    let streaks = app.get("/api/v1/leaderboards?board=streaks&period=quarter", &t.report).await.json();
    assert_eq!(streaks["entries"][0]["value"], 1, "{streaks}");

    // Teams: a department (everyone), a manager's team (its members and managers
    // above, not outsiders).
    let dept = app.get("/api/v1/leaderboards?board=wins&team=department:Platform", &t.outsider).await.json();
    assert_eq!(names(&dept).len(), 2);
    let mona = format!("/api/v1/leaderboards?board=wins&team=manager:{}", t.manager_id);
    for token in [&t.report, &t.manager, &app.admin] {
        let b = app.get(&mona, token).await.json();
        assert_eq!(names(&b), vec!["Rex Report"], "{b}");
        assert_eq!(b["team_label"], "Mona Manager's team");
    }
    app.get(&mona, &t.outsider).await.problem(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/leaderboards?team=manager:{}", rungs_core::PersonId::new()), &app.admin).await.problem(StatusCode::NOT_FOUND);

    // Bad queries: every field named at once.
    let fields = app.get("/api/v1/leaderboards?board=popularity&period=decade&team=squad:x&limit=0", &t.report).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, vec!["board", "period", "team", "limit"]);

    // Incremental: a reversed win leaves Rex one validated win, tied with Olga on
    // value; Olga's second number (wins logged) puts her first.
    app.record(&t.manager, &json!({"subject": t.report_id, "kind": "reversal", "payload": {"target": w1["id"], "reason": "duplicate"}}))
        .await
        .assert_status(StatusCode::CREATED);
    let r = run_job(&app, &runner).await;
    assert_eq!(r.mode, "incremental", "{r:?}");
    assert!(r.written > 0 && r.written < r.scores, "only what changed is written: {r:?}");
    let wins = app.get("/api/v1/leaderboards?board=wins", &t.report).await.json();
    assert_eq!(names(&wins), vec!["Olga Outsider", "Rex Report"], "{wins}");
    assert_eq!((wins["entries"][0]["rank"].as_u64(), wins["entries"][1]["rank"].as_u64()), (Some(1), Some(2)));
    // A second instance (a cold runner) writes the same boards.
    run_job(&app, &rungs_app::leaderboards::Runner::new()).await;
    assert_eq!(app.get("/api/v1/leaderboards?board=wins", &t.report).await.json()["entries"], wins["entries"]);

    // The page: every board with bars, numbers explained, links to the events.
    let page = assert_html(&app.page("/leaderboards?period=month", &rex.cookie).await, StatusCode::OK);
    for needle in [
        "Most improved",
        "Streaks",
        "Breadth of recognition given",
        "Validated wins",
        "Rex Report",
        "class=\"lb-bar\"",
        "timeline#e-",
        "validated wins this month",
    ] {
        assert!(page.contains(needle), "{needle} in {page}");
    }
    let page = assert_html(&app.page(&format!("/leaderboards?team=manager:{}", t.manager_id), &rex.cookie).await, StatusCode::OK);
    assert!(page.contains("Mona Manager") && !page.contains("Olga Outsider"), "{page}");

    // A leaver is not ranked, at once (before the job runs again).
    app.record(&app.admin, &json!({"subject": t.outsider_id, "kind": "departure", "payload": {"reason": "voluntary"}}))
        .await
        .assert_status(StatusCode::CREATED);
    let wins = app.get("/api/v1/leaderboards?board=wins", &t.report).await.json();
    assert_eq!(names(&wins), vec!["Rex Report"], "{wins}");

    // The people team turns them off on the page: a 404 again.
    let ada = app.sign_in("ada@example.com", Role::Admin).await;
    let admin_page = assert_html(&app.page("/leaderboards", &ada.cookie).await, StatusCode::OK);
    assert!(admin_page.contains("Turn leaderboards off"), "{admin_page}");
    let res = app.form_post("/leaderboards/settings", &ada.cookie, form(&[("csrf", &ada.csrf), ("enabled", "false")]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    app.get("/api/v1/leaderboards", &t.report).await.problem(StatusCode::NOT_FOUND);
    let res = app.form_post("/leaderboards/settings", &rex.cookie, form(&[("csrf", &rex.csrf), ("enabled", "true")]), &[]).await;
    assert_html(&res, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/leaderboards/settings", &t.report).await.json()["enabled"], false);
}
