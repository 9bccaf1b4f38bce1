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
    // No CSRF token, no post; what was typed is kept to send again.
    let forged = form(&[("title", "Forged"), ("competencies", "delivery")]);
    let stale = assert_html(&app.form_post("/opportunities", &olga.cookie, forged, &[]).await, StatusCode::FORBIDDEN);
    assert!(stale.contains("This form had expired") && stale.contains("value=\"Forged\""), "{stale}");

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
    // Applying twice is refused: back to the page (303, so a refresh sends nothing),
    // which gives the reason once.
    let again = app.form_post(&format!("{opp_path}/apply"), &rex.cookie, form(&[("csrf", &rex.csrf)]), &[]).await;
    let body = follow_flash(&app, &again, &rex.cookie).await;
    assert!(body.contains("Already applied"), "{body}");
    assert!(!app.page(&opp_path, &rex.cookie).await.text().contains("Already applied"), "shown once");

    // Mona applies too; Olga's own posting is on her board once, under "You posted",
    // not offered to her as a match.
    let mona = app.sign_in("mona.manager@example.com", Role::Manager).await;
    app.form_post(&format!("{opp_path}/apply"), &mona.cookie, form(&[("csrf", &mona.csrf)]), &[]).await.assert_status(StatusCode::SEE_OTHER);
    let own_board = app.page("/opportunities", &olga.cookie).await.text();
    assert_eq!(own_board.matches(&format!("href=\"{opp_path}\"")).count(), 1, "{own_board}");

    let owner_view = app.page(&opp_path, &olga.cookie).await.text();
    assert!(owner_view.contains("Rex Report") && owner_view.contains("I shipped the last export"), "{owner_view}");
    let app_id = owner_view.split("/applications/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let accept = app.form_post(&format!("{opp_path}/applications/{app_id}/accept"), &olga.cookie, form(&[("csrf", &olga.csrf)]), &[]).await;
    accept.assert_status(StatusCode::SEE_OTHER);
    // The one place is taken: Mona's application is not offered for acceptance, and
    // accepting it anyway is refused with the reason.
    let full = app.page(&opp_path, &olga.cookie).await.text();
    assert!(full.contains("Every place is taken, so Mona Manager cannot be accepted now") && !full.contains("Accept Mona Manager"), "{full}");
    let mona_app = full.split("/applications/").find(|x| x.contains("/decline")).unwrap().split('/').next().unwrap().to_string();
    let refused = app.form_post(&format!("{opp_path}/applications/{mona_app}/accept"), &olga.cookie, form(&[("csrf", &olga.csrf)]), &[]).await;
    assert!(follow_flash(&app, &refused, &olga.cookie).await.contains("alert-error"));
    // Rex cannot mark his own work complete.
    let own = app.form_post(&format!("{opp_path}/applications/{app_id}/complete"), &rex.cookie, form(&[("csrf", &rex.csrf)]), &[]).await;
    let body = follow_flash(&app, &own, &rex.cookie).await;
    assert!(body.contains("Only the owner or the people team may complete"), "{body}");
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

/// A refused POST answers 303 with the reason in a flash cookie: follow it as a
/// browser would and return the page.
async fn follow_flash(app: &TestApp, res: &TestResponse, cookie: &str) -> String {
    res.assert_status(StatusCode::SEE_OTHER);
    let location = res.headers["location"].to_str().unwrap();
    let flash = res.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string()).collect::<Vec<_>>();
    assert!(flash.iter().any(|c| c.starts_with("rungs_flash=")), "{flash:?}");
    let page = app.page(location, &format!("{cookie}; {}", flash.join("; "))).await;
    assert!(page.headers.get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with("rungs_flash=;")), "the page clears it");
    assert_html(&page, StatusCode::OK)
}
