//! The opportunity board's pages, in process: post with errors kept, apply, accept,
//! complete, and the match shown on the board and in the next steps; CSRF needed;
//! hostile text escaped.

use axum::http::StatusCode;
use rungs_core::person::Role;

use crate::pages::{assert_html, form};
use crate::support::*;

#[tokio::test]
async fn post_apply_accept_complete_through_the_pages() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let olga = app.sign_in("olga.outsider@example.com", Role::Employee).await;
    let body = assert_html(&app.page("/opportunities/new", &olga.cookie).await, StatusCode::OK);
    assert!(body.contains("Competencies it builds") && body.contains("value=\"delivery\""), "{body}");

    // Errors name the field and keep what was typed.
    let bad = form(&[("csrf", &olga.csrf), ("title", "<b>Ship</b> the export"), ("capacity", "0")]);
    let res = app.form_post("/opportunities", &olga.cookie, bad, &[]).await;
    let body = assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Must name at least one competency") && body.contains("from 1 to 100"), "{body}");
    assert!(body.contains("value=\"&lt;b&gt;Ship&lt;&#x2f;b&gt; the export\""), "kept and escaped: {body}");
    // No CSRF token, no post.
    let forged = form(&[("title", "Forged"), ("competencies", "delivery")]);
    assert_eq!(app.form_post("/opportunities", &olga.cookie, forged, &[]).await.status, StatusCode::FORBIDDEN);

    let good = form(&[("csrf", &olga.csrf), ("title", "<b>Ship</b> the export"), ("competencies", "delivery"), ("capacity", "1")]);
    let res = app.form_post("/opportunities", &olga.cookie, good, &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let location = res.headers.get("location").unwrap().to_str().unwrap().to_string();
    let opp_path = location.split('?').next().unwrap().to_string();
    let body = assert_html(&app.page(&location, &olga.cookie).await, StatusCode::OK);
    assert!(body.contains("Posted.") && body.contains("&lt;b&gt;Ship&lt;&#x2f;b&gt; the export") && body.contains("No applications yet"), "{body}");

    // Rex sees it on the board as a match for his delivery gap, and in his next steps.
    let rex = app.sign_in("rex.report@example.com", Role::Employee).await;
    let board = assert_html(&app.page("/opportunities", &rex.cookie).await, StatusCode::OK);
    assert!(board.contains("Builds Delivery: a gap toward your next level"), "{board}");
    let progress = app.page("/progress", &rex.cookie).await.text();
    assert!(progress.contains("Open opportunities that build it") && progress.contains(&format!("href=\"{opp_path}\"")), "{progress}");

    let res = app.form_post(&format!("{opp_path}/apply"), &rex.cookie, form(&[("csrf", &rex.csrf), ("note", "I shipped the last export")]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let body = app.page(&opp_path, &rex.cookie).await.text();
    assert!(body.contains("Your application") && body.contains("Waiting for the owner") && body.contains("Withdraw my application"), "{body}");
    // Applying twice is refused on the page, with the reason.
    let again = app.form_post(&format!("{opp_path}/apply"), &rex.cookie, form(&[("csrf", &rex.csrf)]), &[]).await;
    assert!(assert_html(&again, StatusCode::CONFLICT).contains("Already applied"), "{}", again.text());

    let owner_view = app.page(&opp_path, &olga.cookie).await.text();
    assert!(owner_view.contains("Rex Report") && owner_view.contains("I shipped the last export"), "{owner_view}");
    let app_id = owner_view.split("/applications/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let accept = app.form_post(&format!("{opp_path}/applications/{app_id}/accept"), &olga.cookie, form(&[("csrf", &olga.csrf)]), &[]).await;
    accept.assert_status(StatusCode::SEE_OTHER);
    // Rex cannot mark his own work complete.
    let own = app.form_post(&format!("{opp_path}/applications/{app_id}/complete"), &rex.cookie, form(&[("csrf", &rex.csrf)]), &[]).await;
    assert_html(&own, StatusCode::FORBIDDEN);
    let done = app.form_post(&format!("{opp_path}/applications/{app_id}/complete"), &olga.cookie, form(&[("csrf", &olga.csrf)]), &[]).await;
    done.assert_status(StatusCode::SEE_OTHER);
    let body = app.page(&format!("{opp_path}?done=complete"), &olga.cookie).await.text();
    assert!(body.contains("Marked complete") && body.contains("as a validated win"), "{body}");

    // The work is on Rex's timeline, validated by Olga.
    let timeline = app.page("/timeline", &rex.cookie).await.text();
    assert!(timeline.contains("Completed the stretch project “&lt;b&gt;Ship&lt;&#x2f;b&gt; the export”"), "{timeline}");
    assert!(timeline.contains("Validated"), "{timeline}");
    let _ = t;
}
