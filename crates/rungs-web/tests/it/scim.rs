//! SCIM provisioning over real HTTP: the request sequences Okta and Microsoft Entra
//! send (fixtures/scim/*.json, from their documentation), replayed against a served
//! Rungs; after each step the ledger must show the change. Then the token scoping,
//! the error format and the discovery documents.

use std::collections::HashMap;

use rungs_core::event::{EventBody, EventKind};
use rungs_core::person::Role;
use serde_json::{Value, json};

use crate::support::TestApp;

struct Served {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Served {
    async fn start(app: &TestApp) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(rungs_web::serve(listener, rungs_web::AppState::new(app.store.clone()), async {
            let _ = stopped.await;
        }));
        Served { base: format!("http://{addr}"), client: reqwest::Client::new(), stop: Some(stop) }
    }

    async fn send(&self, method: &str, path: &str, token: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> (u16, HashMap<String, String>, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.header("Content-Type", "application/scim+json").body(b.to_string());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string())).collect();
        let text = res.text().await.unwrap();
        let json = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")) };
        (status, headers, json)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn scim_token(app: &TestApp) -> String {
    let viewer = rungs_app::Viewer::system(app.org);
    rungs_app::tokens::issue_scim(app.store.as_ref(), &viewer, app.admin_id, "idp").await.unwrap().1
}

fn fill(s: &str, vars: &HashMap<String, String>) -> String {
    vars.iter().fold(s.to_string(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
}

fn fill_json(v: &Value, vars: &HashMap<String, String>) -> Value {
    serde_json::from_str(&fill(&v.to_string(), vars)).unwrap()
}

/// Replay one provider's recorded sequence; every step's status, expected fields
/// and ledger (the kinds recorded about the provisioned user, in order).
async fn replay(fixture: &str) {
    let app = TestApp::new().await;
    let token = scim_token(&app).await;
    let server = Served::start(&app).await;
    let doc: Value = serde_json::from_str(fixture).unwrap();
    let provider = doc["provider"].as_str().unwrap();
    let mut vars: HashMap<String, String> = HashMap::new();
    for step in doc["steps"].as_array().unwrap() {
        let name = format!("{provider}: {}", step["name"].as_str().unwrap());
        let path = fill(step["path"].as_str().unwrap(), &vars);
        let body = step.get("body").map(|b| fill_json(b, &vars));
        let headers: Vec<(String, String)> = step
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
            .unwrap_or_default();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, h, json) = server.send(step["method"].as_str().unwrap(), &path, &token, body.as_ref(), &headers).await;
        assert_eq!(u64::from(status), step["status"].as_u64().unwrap(), "{name}: {json}");
        if status != 204 {
            assert_eq!(h.get("content-type").map(String::as_str), Some("application/scim+json"), "{name}");
        }
        for (k, v) in step.get("capture").and_then(Value::as_object).into_iter().flatten() {
            vars.insert(k.clone(), json.pointer(v.as_str().unwrap()).and_then(Value::as_str).unwrap_or_else(|| panic!("{name}: no {v} in {json}")).to_string());
        }
        for (ptr, want) in step.get("expect").and_then(Value::as_object).into_iter().flatten() {
            let want = fill_json(want, &vars);
            assert_eq!(json.pointer(ptr), Some(&want), "{name}: {ptr} in {json}");
        }
        if status == 200 && json.get("meta").is_some() {
            assert_eq!(h.get("etag"), json.pointer("/meta/version").and_then(Value::as_str).map(str::to_string).as_ref(), "{name}: ETag is meta.version");
        }
        if let Some(kinds) = step.get("ledger") {
            let id = vars["user"].parse().unwrap();
            let events = app.store.subject_events(app.org, id).await.unwrap();
            let got: Vec<&str> = events.iter().map(|e| e.kind().as_str()).collect();
            let want: Vec<&str> = kinds.as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
            assert_eq!(got, want, "{name}: the ledger about the user");
            for e in &events {
                if let EventBody::Departure(d) = &e.body {
                    assert_eq!(d.reason.as_str(), "deprovisioned", "{name}");
                }
                assert_eq!(e.actor, None, "{name}: provisioning records as the system");
            }
        }
    }
    // The projection equals a rebuild from the ledger.
    let before = app.store.people(app.org, &Default::default()).await.unwrap().items;
    app.store.rebuild(app.org).await.unwrap();
    assert_eq!(app.store.people(app.org, &Default::default()).await.unwrap().items, before, "{provider}: rebuild equals live state");
}

#[tokio::test]
async fn okta_provisions_updates_deactivates_and_reactivates() {
    replay(include_str!("fixtures/scim/okta.json")).await;
}

#[tokio::test]
async fn entra_provisions_updates_deactivates_and_reactivates() {
    replay(include_str!("fixtures/scim/entra.json")).await;
}

#[tokio::test]
async fn scim_and_api_tokens_open_only_their_own_interface() {
    let app = TestApp::new().await;
    let scim = scim_token(&app).await;
    let server = Served::start(&app).await;
    let (status, h, body) = server.send("GET", "/scim/v2/Users", &app.admin, None, &[]).await;
    assert_eq!(status, 401, "an API token cannot call SCIM: {body}");
    assert!(h.contains_key("www-authenticate"));
    assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    let (status, _, _) = server.send("GET", "/api/v1/people", &scim, None, &[]).await;
    assert_eq!(status, 401, "a SCIM token cannot call the API");
    let (status, _, _) = server.send("GET", "/scim/v2/Users", "rungs_nope", None, &[]).await;
    assert_eq!(status, 401);
    let (status, _, body) = server.send("GET", "/scim/v2/Users", &scim, None, &[]).await;
    assert_eq!(status, 200, "{body}");
    // The admin made by `init` is there, with their email as userName.
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["userName"], "ada@example.com");
    // Revoked, it opens nothing.
    let viewer = rungs_app::Viewer::system(app.org);
    let t = rungs_app::tokens::list_scim(app.store.as_ref(), &viewer).await.unwrap();
    assert_eq!(t.len(), 1);
    assert!(rungs_app::tokens::list(app.store.as_ref(), &viewer).await.unwrap().iter().all(|x| x.id != t[0].id), "SCIM tokens are not API tokens");
    rungs_app::tokens::revoke_scim(app.store.as_ref(), &viewer, t[0].id).await.unwrap();
    let (status, _, _) = server.send("GET", "/scim/v2/Users", &scim, None, &[]).await;
    assert_eq!(status, 401);
    // Only the people team creates them.
    let someone = app.hire("Eve Employee", None).await;
    let eve = rungs_app::Viewer { org_id: app.org, person_id: Some(someone), role: Role::Employee, token_id: None };
    assert!(rungs_app::tokens::issue_scim(app.store.as_ref(), &eve, someone, "x").await.is_err());
}

#[tokio::test]
async fn errors_filters_and_pages_follow_rfc_7644() {
    let app = TestApp::new().await;
    let token = scim_token(&app).await;
    let server = Served::start(&app).await;
    for i in 0..5 {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("user{i}@example.com"),
            "name": {"givenName": format!("User{i}"), "familyName": "Test"}, "externalId": format!("ext-{i}")});
        let (status, _, b) = server.send("POST", "/scim/v2/Users", &token, Some(&body), &[]).await;
        assert_eq!(status, 201, "{b}");
    }
    let q = |f: &str| format!("/scim/v2/Users?filter={}", f.replace(' ', "%20").replace('"', "%22"));
    let count = |b: &Value| b["totalResults"].as_u64().unwrap();
    let (_, _, b) = server.send("GET", &q(r#"userName sw "user" and (externalId eq "ext-1" or externalId eq "ext-3")"#), &token, None, &[]).await;
    assert_eq!(count(&b), 2, "{b}");
    let (_, _, b) = server.send("GET", &q(r#"emails.value co "ER4@""#), &token, None, &[]).await;
    assert_eq!(count(&b), 1, "{b}");
    let (_, _, b) = server.send("GET", &q(r#"displayName eq "User2 Test""#), &token, None, &[]).await;
    assert_eq!(count(&b), 1, "{b}");
    let (_, _, b) = server.send("GET", "/scim/v2/Users?startIndex=2&count=2", &token, None, &[]).await;
    assert_eq!((count(&b), b["startIndex"].as_u64(), b["itemsPerPage"].as_u64()), (6, Some(2), Some(2)), "{b}");
    let (status, _, b) = server.send("GET", &q("userName xx 1"), &token, None, &[]).await;
    assert_eq!((status, b["scimType"].as_str()), (400, Some("invalidFilter")), "{b}");
    let (status, _, b) = server.send("GET", "/scim/v2/Users/not-an-id", &token, None, &[]).await;
    assert_eq!((status, b["status"].as_str()), (404, Some("404")), "{b}");
    let (status, _, b) = server.send("POST", "/scim/v2/Users", &token, Some(&json!({"name": {"givenName": "x"}})), &[]).await;
    assert_eq!((status, b["scimType"].as_str()), (400, Some("invalidValue")), "{b}");
    // If-Match: the current tag passes, a stale one is 412 and changes nothing.
    let (_, h, u) = server.send("GET", &q(r#"userName eq "user0@example.com""#), &token, None, &[]).await;
    let id = u["Resources"][0]["id"].as_str().unwrap().to_string();
    let tag = u["Resources"][0]["meta"]["version"].as_str().unwrap().to_string();
    drop(h);
    let patch =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Zero"}]});
    let (status, h, b) = server.send("PATCH", &format!("/scim/v2/Users/{id}"), &token, Some(&patch), &[("If-Match", &tag)]).await;
    assert_eq!(status, 200, "{b}");
    assert_ne!(h.get("etag"), Some(&tag), "a change changes the tag");
    let (status, _, _) = server.send("PATCH", &format!("/scim/v2/Users/{id}"), &token, Some(&patch), &[("If-Match", &tag)]).await;
    assert_eq!(status, 412);
    // Discovery.
    let (status, _, b) = server.send("GET", "/scim/v2/ServiceProviderConfig", &token, None, &[]).await;
    assert_eq!((status, &b["patch"]["supported"], &b["etag"]["supported"]), (200, &json!(true), &json!(true)));
    let (_, _, b) = server.send("GET", "/scim/v2/ResourceTypes", &token, None, &[]).await;
    assert_eq!(count(&b), 2);
    let (status, _, b) = server.send("GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", &token, None, &[]).await;
    assert_eq!((status, b["name"].as_str()), (200, Some("EnterpriseUser")), "{b}");
    let kinds: Vec<EventKind> = app.store.subject_events(app.org, id.parse().unwrap()).await.unwrap().iter().map(rungs_core::event::Event::kind).collect();
    assert_eq!(kinds, [EventKind::Hired, EventKind::ProfileUpdated]);
}

/// People without accounts (issue 17 item 5): someone provisioned through SCIM has no
/// sign-in, yet is on the ledger and receives recognition; a sign-in is attached
/// later and then works.
#[tokio::test]
async fn a_person_without_a_sign_in_is_on_the_ledger_and_gets_one_later() {
    let app = TestApp::new().await;
    let token = scim_token(&app).await;
    let server = Served::start(&app).await;
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "noacct@example.com", "displayName": "No Account"});
    let (status, _, u) = server.send("POST", "/scim/v2/Users", &token, Some(&body), &[]).await;
    assert_eq!(status, 201, "{u}");
    let id: rungs_core::PersonId = u["id"].as_str().unwrap().parse().unwrap();
    // No sign-in: a password sign-in fails.
    let throttle = rungs_app::accounts::LoginThrottle::default();
    assert!(rungs_app::accounts::login(app.store.as_ref(), &throttle, "noacct@example.com", "correct horse battery", None).await.is_err());
    // Recognition from a colleague reaches them.
    let res = app.post_json("/api/v1/recognition", &app.admin, &json!({"to": [id], "message": "Thanks for the fix!", "points": 10})).await;
    res.assert_status(axum::http::StatusCode::CREATED);
    let p = app.store.person(app.org, id).await.unwrap();
    assert_eq!(p.recognitions_received, 1);
    // A sign-in attached later works.
    rungs_app::accounts::set_password(app.store.as_ref(), app.org, "noacct@example.com", None, "correct horse battery").await.unwrap();
    assert!(rungs_app::accounts::login(app.store.as_ref(), &throttle, "noacct@example.com", "correct horse battery", None).await.is_ok());
}
