//! Sign-in under attack, in process: parallel guesses are limited before any password
//! is hashed, a flood of sign-ins leaves memory flat, `next` cannot leave the site,
//! the sign-in form's CSRF token must be one the server issued, and every response
//! carries the security headers.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rungs_core::person::Role;
use serde_json::json;
use tower::ServiceExt;

use crate::pages::{assert_html, form, hidden, set_cookie_value};
use crate::support::*;

const PASSWORD: &str = "a long test password";

/// A sign-in form token the server issued (from `GET /login`).
async fn login_token(app: &TestApp) -> String {
    let res = app.send(Method::GET, "/login", None, None, &[]).await;
    res.assert_status(StatusCode::OK);
    set_cookie_value(&res, "rungs_login_csrf")
}

fn login_request(token: &str, email: &str, password: &str, next: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::COOKIE, format!("rungs_login_csrf={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[("email", email), ("password", password), ("csrf", token), ("next", next)])))
        .unwrap()
}

/// Send `n` sign-ins at once (each from `make(i)`); the statuses and `Retry-After`s.
async fn burst(app: &TestApp, n: usize, make: impl Fn(usize) -> Request<Body>) -> Vec<(StatusCode, Option<String>)> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (router, req) = (app.router.clone(), make(i));
        tasks.spawn(async move {
            let res = router.oneshot(req).await.unwrap();
            (res.status(), res.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string()))
        });
    }
    let mut out = vec![];
    while let Some(r) = tasks.join_next().await {
        out.push(r.unwrap());
    }
    out
}

fn count(results: &[(StatusCode, Option<String>)], status: StatusCode) -> usize {
    results.iter().filter(|(s, _)| *s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_parallel_wrong_passwords_for_one_email_get_five_401s_and_the_rest_429() {
    let app = TestApp::new().await;
    rungs_app::accounts::set_password(app.store.as_ref(), app.org, "ada@example.com", None, PASSWORD).await.unwrap();
    let token = login_token(&app).await;
    let results = burst(&app, 40, |_| login_request(&token, "ada@example.com", "wrong password", "/")).await;
    assert_eq!(count(&results, StatusCode::UNAUTHORIZED), rungs_app::accounts::MAX_FAILURES, "{results:?}");
    assert_eq!(count(&results, StatusCode::TOO_MANY_REQUESTS), 40 - rungs_app::accounts::MAX_FAILURES, "{results:?}");
    assert!(
        results.iter().filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS).all(|(_, r)| r.as_ref().is_some_and(|r| r.parse::<u64>().unwrap() > 0)),
        "429s say when to retry: {results:?}"
    );
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_bad_sign_ins_leave_resident_memory_flat() {
    // Its own app whose sign-ins wait only briefly for a hashing slot, so the flood
    // drains fast and the other tests' sign-ins in this process are not starved.
    let dir = tempfile::tempdir().unwrap();
    let store: std::sync::Arc<dyn rungs_core::store::Store> = std::sync::Arc::new(rungs_store::open_sqlite(&dir.path().join("r.db")).await.unwrap());
    rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada").await.unwrap();
    let mut state = rungs_web::AppState::new(store);
    state.throttle = std::sync::Arc::new(rungs_app::accounts::LoginThrottle::with_hash_wait(std::time::Duration::from_millis(300)));
    let router = rungs_web::router(state);
    let burst = |tag: &'static str, n: usize| {
        let router = router.clone();
        async move {
            let token = login_token_from(&router).await;
            // Every email differs, so the rate limit stops none of them: each is
            // hashed or told the server is busy. (In process there is no client
            // address to limit.)
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..n {
                let req = login_request(&token, &format!("{tag}{i}@example.com"), "wrong password", "/");
                let router = router.clone();
                tasks.spawn(async move {
                    let res = router.oneshot(req).await.unwrap();
                    (res.status(), res.headers().contains_key(header::RETRY_AFTER))
                });
            }
            tasks.join_all().await
        }
    };
    // Warm up: every hashing slot busy at once, so the pooled buffers exist.
    burst("warm", 2 * rungs_app::accounts::hashing_slots()).await;
    let before = resident_kib();
    let results = burst("flood", 200).await;
    let after = resident_kib();
    let checked = results.iter().filter(|(s, _)| *s == StatusCode::UNAUTHORIZED).count();
    let busy = results.iter().filter(|(s, retry)| *s == StatusCode::SERVICE_UNAVAILABLE && *retry).count();
    assert_eq!(checked + busy, 200, "each is checked (401) or busy with Retry-After (503): {results:?}");
    assert!(checked > 0, "some were checked: {results:?}");
    let grown_mb = after.saturating_sub(before) / 1024;
    assert!(grown_mb < 100, "resident memory grew by {grown_mb} MB ({before} KiB -> {after} KiB)");
}

async fn login_token_from(router: &axum::Router) -> String {
    let res = router.clone().oneshot(Request::builder().uri("/login").body(Body::empty()).unwrap()).await.unwrap();
    let c = res.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("rungs_login_csrf=")).unwrap();
    c.trim_start_matches("rungs_login_csrf=").split(';').next().unwrap().to_string()
}

/// Percent-encode every byte that is not unreserved, for a query string.
fn query_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn a_hostile_next_never_leaves_the_site_on_the_form_or_after_sign_in() {
    let app = TestApp::new().await;
    let long = format!("/{}", "a".repeat(5000));
    let hostile = [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r/evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "/\\/evil.example/",
        "\\/evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        " /evil.example/",
        "/%09/evil.example/",
        "/%2F/evil.example/",
        "/%5Cevil.example/",
        "/caf\u{e9}",
        "/a b",
        "",
        long.as_str(),
    ];
    let ada = rungs_app::accounts::set_password(app.store.as_ref(), app.org, "ada@example.com", Some(Role::Admin), PASSWORD);
    ada.await.unwrap();
    for next in hostile {
        // The form (GET) keeps only a safe value in its hidden field.
        let res = app.send(Method::GET, &format!("/login?next={}", query_encode(next)), None, None, &[]).await;
        let body = assert_html(&res, StatusCode::OK);
        assert_eq!(hidden(&body, "next"), "&#x2f;", "{next:?}");
        // The POST redirects to `/`, and always with a Location.
        let token = login_token(&app).await;
        let res = app.request(login_request(&token, "ada@example.com", PASSWORD, next)).await;
        res.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(res.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()), Some("/"), "{next:?}");
        // Already signed in, the form redirects at once: to `/` too.
        let cookie = format!("rungs_session={}", set_cookie_value(&res, "rungs_session"));
        let res = app.send(Method::GET, &format!("/login?next={}", query_encode(next)), None, None, &[("cookie", &cookie)]).await;
        assert_eq!(res.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()), Some("/"), "{next:?}");
    }
    // A real local path (with a query) survives the round trip.
    let next = "/timeline?kind=promotion";
    let body = assert_html(&app.send(Method::GET, &format!("/login?next={}", query_encode(next)), None, None, &[]).await, StatusCode::OK);
    assert_eq!(hidden(&body, "next"), "&#x2f;timeline?kind=promotion");
    let token = login_token(&app).await;
    let res = app.request(login_request(&token, "ada@example.com", PASSWORD, next)).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.headers[header::LOCATION], next);
}

#[tokio::test]
async fn the_sign_in_form_needs_a_token_the_server_issued() {
    let app = TestApp::new().await;
    rungs_app::accounts::set_password(app.store.as_ref(), app.org, "ada@example.com", None, PASSWORD).await.unwrap();
    // An attacker who can plant a cookie picks both halves: refused, and not signed in.
    let foreign = rungs_app::accounts::FormKey::random().issue();
    for chosen in ["a".repeat(64), foreign, "0.0.0".into()] {
        let res = app.request(login_request(&chosen, "ada@example.com", PASSWORD, "/")).await;
        let body = assert_html(&res, StatusCode::FORBIDDEN);
        assert!(body.contains("had expired"), "{body}");
        assert!(!res.headers.get_all(header::SET_COOKIE).iter().any(|c| c.to_str().unwrap().starts_with("rungs_session=")), "{chosen}");
    }
    // A real token, but the browser says the POST came from another site.
    let token = login_token(&app).await;
    let mut req = login_request(&token, "ada@example.com", PASSWORD, "/");
    req.headers_mut().insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_html(&app.request(req).await, StatusCode::FORBIDDEN);
    // The real flow: the token from the form signs in; the form keeps it for a second tab.
    let res = app.send(Method::GET, "/login", None, None, &[("cookie", &format!("rungs_login_csrf={token}"))]).await;
    assert_eq!(hidden(&res.text(), "csrf"), token, "a second tab reuses the issued token");
    let mut req = login_request(&token, "ada@example.com", PASSWORD, "/");
    req.headers_mut().insert("sec-fetch-site", "same-origin".parse().unwrap());
    app.request(req).await.assert_status(StatusCode::SEE_OTHER);
}

const PAGE_CSP_PARTS: [&str; 6] =
    ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"];

#[track_caller]
fn assert_security_headers(res: &TestResponse, what: &str) {
    let h = |n: &str| res.headers.get(n).map_or_else(|| panic!("{what}: no {n} in {:?}", res.headers), |v| v.to_str().unwrap().to_string());
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    // A page whose address is a secret (an invite link) sends no referrer at all.
    let referrer = if what.starts_with("/invite/") { "no-referrer" } else { "same-origin" };
    assert_eq!(h("referrer-policy"), referrer, "{what}");
    assert_eq!(h("x-frame-options"), "DENY", "{what}");
    let csp = h("content-security-policy");
    let is_html = res.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
    if is_html {
        for part in PAGE_CSP_PARTS {
            assert!(csp.contains(part), "{what}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
        // What the policy forbids, the page must not need: no inline script, style or handler.
        // A script file of our own (`script-src 'self'`, progressive enhancement) is
        // allowed; a script element with a body is not.
        let body = res.text().replace("<script src=\"/static/", "");
        for inline in ["<script", "<style", " style=", " onclick=", " onload=", " onsubmit=", "javascript:"] {
            assert!(!body.contains(inline), "{what} has inline {inline:?}, which the CSP blocks");
        }
    } else {
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    }
}

/// Every GET page route in `html/mod.rs`, read from the source so a new page cannot
/// be added without being checked here.
fn page_routes() -> Vec<String> {
    let src = include_str!("../../src/html/mod.rs");
    src.lines()
        .filter_map(|l| l.trim().strip_prefix(".route(\""))
        .filter(|rest| rest.contains("get("))
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_page_and_api_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let team = app.team().await;
    app.record(&team.report, &win(team.report_id, "Shipped the thing")).await.assert_status(StatusCode::CREATED);
    let opp = json!({"title": "Pair on the export", "description": "Two hours a week.", "competencies": ["delivery"], "capacity": 1});
    let res = app.post_json("/api/v1/opportunities", &app.admin, &opp).await;
    res.assert_status(StatusCode::CREATED);
    let opp_id = res.json()["id"].as_str().unwrap().to_string();
    let badge = json!({"key": "helping-hand", "name": "Helping Hand", "rule": {"milestone": {}}});
    app.put_json("/api/v1/badges/helping-hand", &app.admin, &badge).await.assert_status(StatusCode::OK);
    let today = chrono::Utc::now().date_naive();
    let cycle = json!({"name": "Now", "nominations_open": today.to_string(), "nominations_close": today.to_string(),
        "review_open": (today + chrono::Duration::days(1)).to_string(), "review_close": (today + chrono::Duration::days(9)).to_string(),
        "budgets": [{"scope": "department", "value": "Platform", "promotions": 1}]});
    let res = app.post_json("/api/v1/cycles", &app.admin, &cycle).await;
    res.assert_status(StatusCode::CREATED);
    let cycle_id = res.json()["id"].as_str().unwrap().to_string();
    let res = app.post_json(&format!("/api/v1/cycles/{cycle_id}/cases"), &team.manager, &json!({"subject": team.report_id, "justification": "Ready."})).await;
    res.assert_status(StatusCode::CREATED);
    let case_id = res.json()["id"].as_str().unwrap().to_string();
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let routes = page_routes();
    assert!(routes.len() >= 15 && routes.contains(&"/login".to_string()), "{routes:?}");
    // Single sign-on's pages need a provider: tests/it/sso.rs checks them with one.
    for route in routes.iter().filter(|r| !r.starts_with("/sso/")) {
        let path = match route.as_str() {
            r if r.starts_with("/opportunities/{id}") => r.replace("{id}", &opp_id),
            r if r.starts_with("/cycles/{id}") => r.replace("{id}", &cycle_id),
            r if r.starts_with("/cases/{id}") => r.replace("{id}", &case_id),
            r => r.replace("{id}", &team.report_id.to_string()).replace("{file}", "rungs.css").replace("{key}", "helping-hand"),
        };
        let res = if path == "/login" { app.send(Method::GET, "/login", None, None, &[]).await } else { app.page(&path, &b.cookie).await };
        // Leaderboards are off until the organization turns them on: a 404 page that
        // says so (docs/LEADERBOARDS.md), with the same headers.
        let want = if path == "/leaderboards" { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_eq!(res.status, want, "{path}: {}", res.text());
        assert_security_headers(&res, &path);
    }
    // Error pages, redirects, the API and its errors too.
    assert_security_headers(&app.page("/no/such/page", &b.cookie).await, "404 page");
    assert_security_headers(&app.send(Method::GET, "/timeline", None, None, &[]).await, "sign-in redirect");
    assert_security_headers(&app.get("/api/v1/me", &app.admin).await, "API");
    assert_security_headers(&app.get_anonymous("/api/v1/me").await, "API 401");
    assert_security_headers(&app.get_anonymous("/healthz").await, "health");
}
