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

fn design_win(subject: PersonId, title: &str) -> serde_json::Value {
    json!({
        "subject": subject,
        "kind": "micro_progression",
        "payload": {"category": "project_completed", "magnitude": "micro", "title": title},
        "competencies": ["system-design"]
    })
}

async fn milestone_events(app: &TestApp, t: &Team) -> Vec<serde_json::Value> {
    let res = app.get(&format!("/api/v1/people/{}/events?kind=milestone_completed", t.report_id), &t.report).await.json();
    res["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_win_that_completes_a_milestone_puts_it_on_the_ledger_exactly_once() {
    let app = TestApp::new().await;
    let t = app.team().await;
    // Into e3, "Lead a design review" needs one project-completed or responsibility win
    // evidencing system design or communication.
    let win_id = app.record(&t.report, &design_win(t.report_id, "Led the storage design review")).await.json()["id"].as_str().unwrap().to_string();
    let got = milestone_events(&app, &t).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["payload"]["milestone"], "e3-design-review");
    assert_eq!(got[0]["payload"]["counted"], json!([win_id]));
    assert_eq!(got[0]["actor"], serde_json::Value::Null, "recorded by the system");
    app.record(&t.report, &design_win(t.report_id, "Led another review")).await.assert_status(StatusCode::CREATED);
    let (a, b) = tokio::join!(
        rungs_app::milestones::award(app.store.as_ref(), app.org, t.report_id, chrono::Utc::now()),
        rungs_app::milestones::award(app.store.as_ref(), app.org, t.report_id, chrono::Utc::now()),
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(milestone_events(&app, &t).await.len(), 1, "never twice, also when two checks race");
    let r = app.get(&format!("/api/v1/people/{}/readiness", t.report_id), &t.report).await.json();
    let m = r["readiness"]["milestones"].as_array().unwrap().iter().find(|m| m["key"] == "e3-design-review").unwrap().clone();
    assert_eq!((m["complete"].as_bool(), m["recorded"].as_bool()), (Some(true), Some(true)));
    // Nobody but the system records completions.
    let forged = json!({"subject": t.report_id, "kind": "milestone_completed", "payload": {"milestone": "e3-own-a-service", "track": "engineering", "to_level": "e3", "title": "x"}});
    app.record(&t.manager, &forged).await.problem(StatusCode::FORBIDDEN);
    let unknown = json!({"subject": t.report_id, "kind": "milestone_completed", "payload": {"milestone": "nope", "track": "engineering", "to_level": "e3", "title": "x"}});
    assert_eq!(app.record(&app.admin, &unknown).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["payload.milestone"]);
}

#[tokio::test]
async fn the_promotion_packet_groups_evidence_per_competency_of_the_target_level() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.report, &win(t.report_id, "Wrote the contract tests")).await.assert_status(StatusCode::CREATED);
    let other = json!({"subject": t.report_id, "kind": "micro_progression", "payload": {"category": "skill", "magnitude": "nano", "title": "Learned the sales pitch"}, "competencies": ["prospecting"]});
    app.record(&t.report, &other).await.assert_status(StatusCode::CREATED);
    let p = app.get(&format!("/api/v1/people/{}/packet", t.report_id), &t.manager).await.json();
    assert_eq!((p["target_level"].as_str(), p["target_title"].as_str()), (Some("e3"), Some("Senior Engineer")));
    assert_eq!(p["summary"]["wins"], 2);
    assert_eq!(p["summary"]["readiness"], 5);
    let testing = p["competencies"].as_array().unwrap().iter().find(|c| c["competency"] == "testing").unwrap().clone();
    assert_eq!(testing["evidence"][0]["title"], "Wrote the contract tests");
    assert_eq!(p["other_evidence"][0]["title"], "Learned the sales pitch");
    let e5 = app.get(&format!("/api/v1/people/{}/packet?level=e5", t.report_id), &t.report).await.json();
    assert_eq!(e5["target_title"], "Senior Staff Engineer");
    for bad in ["e2", "e1", "m3"] {
        let res = app.get(&format!("/api/v1/people/{}/packet?level={bad}", t.report_id), &t.manager).await;
        assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["level"], "{bad}");
    }
    app.get(&format!("/api/v1/people/{}/packet", t.report_id), &t.outsider).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn readiness_in_the_past_is_judged_by_the_framework_version_in_force_then() {
    let app = TestApp::new().await;
    let now = chrono::Utc::now();
    let ago = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Hired 60 days ago at e2; a win evidencing testing 10 days ago.
    let rex = PersonId::new();
    let hire = json!({"subject": rex, "kind": "hired", "occurred_at": ago(60), "payload": hire_body("Rex Report", None)});
    app.record(&app.admin, &hire).await.assert_status(StatusCode::CREATED);
    let mut w = win(rex, "Wrote the contract tests");
    w["occurred_at"] = json!(ago(10));
    app.record(&app.admin, &w).await.assert_status(StatusCode::CREATED);
    let path = |at: Option<&str>| match at {
        Some(at) => format!("/api/v1/people/{rex}/readiness?at={at}"),
        None => format!("/api/v1/people/{rex}/readiness"),
    };
    let five_days_ago = ago(5);
    let before_edit = app.get(&path(Some(&five_days_ago)), &app.admin).await.json();
    assert!(score(&before_edit) > 0, "the win counts under the first version: {before_edit}");

    // The framework is edited after the win: testing into e3 now asks for 50 points.
    let mut fw = app.get("/api/v1/framework", &app.admin).await.json();
    let x = fw["expectations"].as_array_mut().unwrap().iter_mut().find(|x| x["competency"] == "testing" && x["level"] == "e3").unwrap();
    x["criterion"]["evidence"]["min_events"] = json!(50);
    app.put_json("/api/v1/framework", &app.admin, &fw).await.assert_status(StatusCode::OK);

    let then = app.get(&path(Some(&five_days_ago)), &app.admin).await.json();
    let now_r = app.get(&path(None), &app.admin).await.json();
    assert_eq!(score(&then), score(&before_edit), "the past keeps the criteria in force then");
    assert_eq!(then["framework_version"], before_edit["framework_version"]);
    assert_eq!(now_r["framework_version"].as_u64(), then["framework_version"].as_u64().map(|v| v + 1), "now: the edited version");
    assert!(score(&now_r) < score(&then), "the new criterion is harder: {} vs {}", score(&now_r), score(&then));
    let testing = |r: &serde_json::Value| {
        r["readiness"]["competencies"].as_array().unwrap().iter().find(|c| c["competency"] == "testing").unwrap()["progress"]["required"].clone()
    };
    assert_eq!((testing(&then), testing(&now_r)), (json!(3), json!(50)));

    // Before the hire there is nothing to judge; a malformed instant names the field.
    assert_eq!(app.get(&path(Some(&ago(90))), &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["at"]);
    assert_eq!(app.get(&path(Some("yesterday")), &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["at"]);
}

#[tokio::test]
async fn the_readiness_list_shows_a_manager_only_their_reports_and_the_people_team_everyone() {
    let app = TestApp::new().await;
    let t = app.team().await;
    app.record(&t.report, &win(t.report_id, "Wrote the contract tests")).await.assert_status(StatusCode::CREATED);
    let mine = app.get("/api/v1/readiness", &t.manager).await.json();
    let names: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Rex Report"], "a manager sees their reports only");
    let single = app.get(&format!("/api/v1/people/{}/readiness", t.report_id), &t.manager).await.json();
    assert_eq!(mine["items"][0]["readiness"]["score"], single["readiness"]["score"], "the same score as the person's own answer");
    assert_eq!(mine["items"][0]["readiness"]["top_gap"]["competency"], single["recommendations"][0]["competency"]);
    let me = app.get("/api/v1/readiness", &t.outsider).await.json();
    assert_eq!(me["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect::<Vec<_>>(), ["Olga Outsider"]);

    // The people team sees everyone active, highest score first, a page at a time.
    let all = app.get("/api/v1/readiness?limit=2", &app.admin).await.json();
    assert_eq!(all["total"], 4, "admin, manager, report, outsider: {all}");
    assert_eq!(all["items"][0]["name"], "Rex Report", "the only one with a win ranks first: {all}");
    let next = all["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/readiness?limit=2&cursor={next}"), &app.admin).await.json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest["next_cursor"], serde_json::Value::Null);
    assert_eq!(app.get("/api/v1/readiness?cursor=zzz", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["cursor"]);
    app.get_anonymous("/api/v1/readiness").await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_packet_for_a_past_promotion_is_assembled_as_the_record_stood_then() {
    let app = TestApp::new().await;
    let now = chrono::Utc::now();
    let ago = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rex = PersonId::new();
    let hire = json!({"subject": rex, "kind": "hired", "occurred_at": ago(200), "payload": hire_body("Rex Report", None)});
    app.record(&app.admin, &hire).await.assert_status(StatusCode::CREATED);
    let mut before = win(rex, "Wrote the contract tests");
    before["occurred_at"] = json!(ago(100));
    app.record(&app.admin, &before).await.assert_status(StatusCode::CREATED);
    let promotion = json!({"subject": rex, "kind": "promotion", "occurred_at": ago(50),
        "payload": {"to": {"track": "engineering", "level": "e3", "title": "Senior Engineer"}}});
    app.record(&app.admin, &promotion).await.assert_status(StatusCode::CREATED);
    let mut after = win(rex, "Fixed the flaky suite");
    after["occurred_at"] = json!(ago(10));
    app.record(&app.admin, &after).await.assert_status(StatusCode::CREATED);

    // The day before the promotion: an Engineer up for Senior, with the evidence then.
    let then = app.get(&format!("/api/v1/people/{rex}/packet?at={}", ago(51)), &app.admin).await.json();
    assert_eq!((then["level"].as_str(), then["target_level"].as_str()), (Some("e2"), Some("e3")), "{then}");
    assert_eq!(then["summary"]["wins"], 1, "the later win had not happened yet");
    let now_p = app.get(&format!("/api/v1/people/{rex}/packet"), &app.admin).await.json();
    assert_eq!((now_p["level"].as_str(), now_p["target_level"].as_str()), (Some("e3"), Some("e4")));
    assert_eq!(now_p["summary"]["wins"], 2);
}
