//! The badge pages, in process: the people team's editor names every error by its
//! position and saves nothing; the preview shows who would get a tier and why, and
//! the badge job then awards exactly that, once, on "my badges" with the events that
//! earned it; a manager awards by hand with a reason, once; others may not.

use axum::http::StatusCode;
use rungs_core::person::Role;

use crate::pages::{assert_html, form};
use crate::support::*;

const RULE: &str =
    "key: pair-of-skills\nname: Pair of Skills\ntiers:\n  bronze: {count: {category: skill, at_least: 2}}\n  gold: {count: {category: skill, at_least: 5}}\n";

fn occurrences(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[tokio::test]
async fn the_people_team_previews_a_rule_and_the_job_awards_exactly_the_preview_once_on_my_badges() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let admin = app.sign_in("ada@example.com", Role::Admin).await;
    let employee = app.sign_in("rex.report@example.com", Role::Employee).await;

    // Only the people team opens the administration.
    assert_html(&app.page("/badges/admin", &employee.cookie).await, StatusCode::FORBIDDEN);
    let page = assert_html(&app.page("/badges/admin", &admin.cookie).await, StatusCode::OK);
    assert!(page.contains("Define a badge") && page.contains("No badges yet"), "{page}");

    // A bad rule: every error by its position, nothing saved.
    let bad = "key: pair-of-skills\nname: Pair\ntiers:\n  gold: {all: [{count: {category: juggling, at_least: 0}}]}\n  platinum: {milestone: {}}\n";
    let res = app.form_post("/badges/admin", &admin.cookie, form(&[("csrf", &admin.csrf), ("yaml", bad), ("action", "save")]), &[]).await;
    let html = assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY);
    for position in ["tiers.gold.all[0].count.category", "tiers.gold.all[0].count.at_least", "tiers.platinum"] {
        assert!(html.contains(&format!("<code>{position}</code>")), "{position} in {html}");
    }
    assert!(html.contains("juggling"), "what was typed is kept: {html}");
    assert_eq!(app.get("/api/v1/badges", &app.admin).await.json(), serde_json::json!([]));
    // YAML that does not parse is said too.
    let res = app.form_post("/badges/admin", &admin.cookie, form(&[("csrf", &admin.csrf), ("yaml", "key: [unclosed"), ("action", "preview")]), &[]).await;
    assert!(assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY).contains("<code>yaml</code>"));

    // Two skill wins: the preview names Rex for bronze (not gold), with the wins.
    for title in ["Paired on the parser", "Learned property tests"] {
        app.record(&team.report, &win(team.report_id, title)).await.assert_status(StatusCode::CREATED);
    }
    let res = app.form_post("/badges/admin", &admin.cookie, form(&[("csrf", &admin.csrf), ("yaml", RULE), ("action", "preview")]), &[]).await;
    let html = assert_html(&res, StatusCode::OK);
    assert!(html.contains("Rex Report") && html.contains("Paired on the parser") && html.contains("Learned property tests"), "{html}");
    assert!(html.contains("1 tier met") && html.contains("no: would be awarded"), "{html}");
    assert_eq!(app.get("/api/v1/badges", &app.admin).await.json(), serde_json::json!([]), "a preview saves nothing");

    let res = app.form_post("/badges/admin", &admin.cookie, form(&[("csrf", &admin.csrf), ("yaml", RULE), ("action", "save")]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let listed = assert_html(&app.page("/badges/admin?saved=pair-of-skills", &admin.cookie).await, StatusCode::OK);
    assert!(listed.contains("Saved “pair-of-skills”") && listed.contains("at least 2 skill wins"), "{listed}");
    // The editor opens a saved badge as YAML that reads back to it.
    let edit = assert_html(&app.page("/badges/admin?key=pair-of-skills", &admin.cookie).await, StatusCode::OK);
    assert!(edit.contains("Edit Pair of Skills") && edit.contains("category: skill"), "{edit}");

    // Nothing before the job runs; then the badge, once, with the wins that earned it.
    let mine = assert_html(&app.page("/badges", &employee.cookie).await, StatusCode::OK);
    assert!(mine.contains("No badges yet") && mine.contains("Badges you can earn") && mine.contains("Pair of Skills"), "{mine}");
    let evaluator = rungs_app::badges::Evaluator::new();
    let report = evaluator.run(app.store.as_ref(), app.org, chrono::Utc::now()).await.unwrap();
    assert_eq!(report.awarded, 1, "{report:?}");
    app.record(&team.report, &win(team.report_id, "A third skill")).await.assert_status(StatusCode::CREATED);
    let again = evaluator.run(app.store.as_ref(), app.org, chrono::Utc::now()).await.unwrap();
    assert_eq!(again.awarded, 0, "{again:?}");
    let mine = assert_html(&app.page("/badges", &employee.cookie).await, StatusCode::OK);
    assert_eq!(occurrences(&mine, "id=\"b-pair-of-skills-bronze\""), 1, "{mine}");
    assert!(!mine.contains("b-pair-of-skills-gold"));
    assert!(mine.contains("Earned by 2 events") && mine.contains("timeline#e-") && mine.contains("Paired on the parser"), "{mine}");
    // minijinja escapes `/` in attributes (`&#x2f;`), which browsers read back.
    assert!(mine.contains("pair-of-skills&#x2f;image.svg?tier=bronze"), "{mine}");
    // The timeline shows it too, and the preview now says it is held.
    let timeline = assert_html(&app.page("/timeline", &employee.cookie).await, StatusCode::OK);
    assert!(timeline.contains("Pair of Skills, bronze"), "{timeline}");
    let res = app.form_post("/badges/admin", &admin.cookie, form(&[("csrf", &admin.csrf), ("yaml", RULE), ("action", "preview")]), &[]).await;
    let html = assert_html(&res, StatusCode::OK);
    assert!(html.contains("0 of them not held yet") && html.contains(">yes<"), "{html}");

    // The image is an SVG for any signed-in person; an unknown tier or badge is a 404.
    let svg = app.page("/badges/pair-of-skills/image.svg?tier=gold", &employee.cookie).await;
    svg.assert_status(StatusCode::OK);
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    app.page("/badges/pair-of-skills/image.svg?tier=platinum", &employee.cookie).await.assert_status(StatusCode::NOT_FOUND);
    app.page("/badges/nope/image.svg", &employee.cookie).await.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_awards_a_badge_by_hand_with_a_reason_once_and_others_cannot() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let body = serde_json::json!({"key": "helping-hand", "name": "Helping Hand", "rule": {"milestone": {}}});
    app.put_json("/api/v1/badges/helping-hand", &app.admin, &body).await.assert_status(StatusCode::OK);
    let m = app.sign_in("mona.manager@example.com", Role::Manager).await;
    let path = format!("/people/{}/badges", team.report_id);
    let page = assert_html(&app.page(&path, &m.cookie).await, StatusCode::OK);
    assert!(page.contains("Rex Report’s badges") && page.contains("Award a badge by hand"), "{page}");

    // A missing reason is said on the form, and nothing is awarded.
    let res = app.form_post(&path, &m.cookie, form(&[("csrf", &m.csrf), ("badge", "helping-hand"), ("tier", "bronze"), ("reason", " ")]), &[]).await;
    assert!(assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY).contains("Say why"));
    let award = form(&[("csrf", &m.csrf), ("badge", "helping-hand"), ("tier", "bronze"), ("reason", "Covered the on-call week")]);
    let res = app.form_post(&path, &m.cookie, award.clone(), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let shown = assert_html(&app.page(&format!("{path}?awarded=1"), &m.cookie).await, StatusCode::OK);
    assert!(shown.contains("Badge awarded") && shown.contains("Reason: Covered the on-call week") && shown.contains("by hand"), "{shown}");
    // A second award of the same tier: refused on the form, still one award.
    let res = app.form_post(&path, &m.cookie, award, &[]).await;
    assert!(assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY).contains("already holds"));
    let held = app.get(&format!("/api/v1/people/{}/badges", team.report_id), &app.admin).await.json();
    assert_eq!(held.as_array().unwrap().len(), 1, "{held}");
    // A tier the badge does not have is named.
    let res = app.form_post(&path, &m.cookie, form(&[("csrf", &m.csrf), ("badge", "helping-hand"), ("tier", "gold"), ("reason", "x")]), &[]).await;
    assert!(assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY).contains("has the tiers bronze"));

    // The report sees their badge but no award form; an outsider sees neither.
    let rex = app.sign_in("rex.report@example.com", Role::Employee).await;
    let own = assert_html(&app.page("/badges", &rex.cookie).await, StatusCode::OK);
    assert!(own.contains("Helping Hand") && !own.contains("Award a badge by hand"), "{own}");
    let olga = app.sign_in("olga.outsider@example.com", Role::Employee).await;
    assert_html(&app.page(&path, &olga.cookie).await, StatusCode::NOT_FOUND);
    let res = app.form_post(&path, &olga.cookie, form(&[("csrf", &olga.csrf), ("badge", "helping-hand"), ("tier", "bronze"), ("reason", "x")]), &[]).await;
    assert_html(&res, StatusCode::NOT_FOUND);
    // The manager's own page has no form for themself (managers award to reports).
    let mine = assert_html(&app.page(&format!("/people/{}/badges", team.manager_id), &m.cookie).await, StatusCode::OK);
    assert!(!mine.contains("Award a badge by hand"), "{mine}");
}
