//! The webhooks page: the people team adds a subscription and sees its secret once
//! (then never again), bad input keeps what was typed with the error beside the
//! field, pause / resume / replay work through forms; other roles get 403.

use axum::http::{StatusCode, header};
use rungs_core::person::Role;

use crate::pages::{assert_html, form, set_cookie_value};
use crate::support::TestApp;

#[tokio::test]
async fn the_people_team_adds_a_webhook_and_sees_its_secret_once() {
    let app = TestApp::new().await;
    app.team().await;
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let page = assert_html(&app.page("/webhooks", &b.cookie).await, StatusCode::OK);
    assert!(page.contains("No subscriptions yet") && page.contains("href=\"/webhooks\""), "{page}");

    // A non-http URL and no kinds: both errors beside their fields, what was typed kept, nothing saved.
    let bad = form(&[("csrf", &b.csrf), ("url", "ftp://files.example"), ("description", "Ledger mirror")]);
    let res = app.form_post("/webhooks", &b.cookie, bad, &[]).await;
    let body = assert_html(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("id=\"url-error\"") && body.contains("id=\"kinds-error\""), "{body}");
    assert!(body.contains("value=\"ftp:&#x2f;&#x2f;files.example\"") && body.contains("value=\"Ledger mirror\""), "{body}");
    assert!(app.get("/api/v1/webhooks", &app.admin).await.json().as_array().unwrap().is_empty());

    // A kind ticked and the URL fixed: kept ticks on a bad URL, then 303 and the secret.
    let half = form(&[("csrf", &b.csrf), ("url", "mailto:x@example.com"), ("kinds", "promotion")]);
    let body = assert_html(&app.form_post("/webhooks", &b.cookie, half, &[]).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("value=\"promotion\" checked") && !body.contains("id=\"kinds-error\""), "{body}");
    let good = format!("{}&kinds=recognition", form(&[("csrf", &b.csrf), ("url", "https://hris.example.com/rungs"), ("kinds", "promotion")]));
    let res = app.form_post("/webhooks", &b.cookie, good, &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let once = set_cookie_value(&res, "rungs_once");
    let flash = set_cookie_value(&res, "rungs_flash");
    let cookies = format!("{}; rungs_once={once}; rungs_flash={flash}", b.cookie);
    let res = app.page("/webhooks", &cookies).await;
    assert_eq!(res.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
    let cleared: Vec<_> = res.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cleared.iter().any(|c| c.starts_with("rungs_once=;") && c.contains("Max-Age=0")), "{cleared:?}");
    let body = assert_html(&res, StatusCode::OK);
    let secret = body.split("id=\"secret-value\"").nth(1).and_then(|s| s.split("value=\"").nth(1)).and_then(|s| s.split('"').next()).unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() > 20, "{secret}");
    assert!(body.contains("hris.example.com&#x2f;rungs") && body.contains("Active"), "{body}");
    assert!(body.contains("Promotion") && body.contains("Recognition"), "{body}");

    // Listed, but the secret is never shown again, nor stored where the page reads.
    let again = assert_html(&app.page("/webhooks", &b.cookie).await, StatusCode::OK);
    assert!(again.contains("hris.example.com&#x2f;rungs") && !again.contains(&secret) && !again.contains("secret-value"), "{again}");
    let list = app.get("/api/v1/webhooks", &app.admin).await.json();
    assert_eq!(list[0]["kinds"], serde_json::json!(["promotion", "recognition"]));

    // Pause and resume through the forms.
    let id = list[0]["id"].as_str().unwrap().to_string();
    let res = app.form_post(&format!("/webhooks/{id}/active"), &b.cookie, form(&[("csrf", &b.csrf), ("active", "false")]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/webhooks", &app.admin).await.json()[0]["active"], false);
    let body = assert_html(&app.page("/webhooks", &b.cookie).await, StatusCode::OK);
    assert!(body.contains("Paused") && body.contains("Resume"), "{body}");
    // A form without its token changes nothing.
    let res = app.form_post(&format!("/webhooks/{id}/active"), &b.cookie, form(&[("csrf", "forged"), ("active", "true")]), &[]).await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/webhooks", &app.admin).await.json()[0]["active"], false);
    app.form_post(&format!("/webhooks/{id}/active"), &b.cookie, form(&[("csrf", &b.csrf), ("active", "true")]), &[]).await.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/webhooks", &app.admin).await.json()[0]["active"], true);
}

#[tokio::test]
async fn the_delivery_log_shows_deliveries_and_replays_one() {
    let app = TestApp::new().await;
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let every = form(&[("csrf", &b.csrf), ("url", "http://127.0.0.1:9/hook"), ("kinds", "all")]);
    app.form_post("/webhooks", &b.cookie, every, &[]).await.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/webhooks", &app.admin).await.json()[0]["kinds"], serde_json::json!([]));
    let win =
        serde_json::json!({"subject": app.admin_id, "kind": "micro_progression", "payload": {"category": "skill", "magnitude": "nano", "title": "shipped"}});
    app.post_json("/api/v1/events", &app.admin, &win).await.assert_status(StatusCode::CREATED);
    app.store.fan_out(chrono::Utc::now(), 100).await.unwrap();
    let body = assert_html(&app.page("/webhooks", &b.cookie).await, StatusCode::OK);
    assert!(body.contains("Sends every kind") && body.contains(">pending<") && body.contains("Replay"), "{body}");
    let id = app.get("/api/v1/webhooks/deliveries", &app.admin).await.json()[0]["id"].as_str().unwrap().to_string();
    let res = app.form_post(&format!("/webhooks/deliveries/{id}/replay"), &b.cookie, form(&[("csrf", &b.csrf)]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(set_cookie_value(&res, "rungs_flash").contains("Replaying"));

    let sub = app.get("/api/v1/webhooks", &app.admin).await.json()[0]["id"].as_str().unwrap().to_string();
    app.form_post(&format!("/webhooks/{sub}/remove"), &b.cookie, form(&[("csrf", &b.csrf)]), &[]).await.assert_status(StatusCode::SEE_OTHER);
    assert!(app.get("/api/v1/webhooks", &app.admin).await.json().as_array().unwrap().is_empty());
}

#[tokio::test]
async fn only_the_people_team_gets_the_webhooks_page() {
    let app = TestApp::new().await;
    app.team().await;
    for (email, role) in [("rex.report@example.com", Role::Employee), ("mona.manager@example.com", Role::Manager)] {
        let b = app.sign_in(email, role).await;
        let home = assert_html(&app.page("/", &b.cookie).await, StatusCode::OK);
        assert!(!home.contains("href=\"/webhooks\""), "{role:?} is offered the page");
        app.page("/webhooks", &b.cookie).await.assert_status(StatusCode::FORBIDDEN);
        let post = form(&[("csrf", &b.csrf), ("url", "https://x.example"), ("kinds", "all")]);
        app.form_post("/webhooks", &b.cookie, post, &[]).await.assert_status(StatusCode::FORBIDDEN);
    }
    assert!(app.get("/api/v1/webhooks", &app.admin).await.json().as_array().unwrap().is_empty());
}
