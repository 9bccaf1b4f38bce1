//! The chat command in Slack's format, over the router, against a fake Slack Web API
//! served over real HTTP in the test (`users.info`, and a `response_url` that records
//! what Rungs posts). Requests are signed exactly as Slack signs them; forged and
//! stale ones are refused, change nothing, and are counted in `/metrics`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::{get, post};
use rungs_core::event::EventKind;
use rungs_core::store::Store;
use serde_json::{Value, json};

use crate::support::{TestResponse, hire_body, send_to};

const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN: &str = "xoxb-test-token";

#[derive(Default)]
struct FakeSlack {
    /// user id -> email.
    users: HashMap<String, String>,
    lookups: usize,
    /// Bodies posted to the response_url.
    responses: Vec<Value>,
    /// users.info takes this long for these users (a slow Slack, or a slow Rungs).
    slow: HashMap<String, std::time::Duration>,
}

type Shared = Arc<Mutex<FakeSlack>>;

async fn users_info(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    let delay = s.lock().unwrap().slow.get(q.get("user").map_or("", String::as_str)).copied();
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut slack = s.lock().unwrap();
    slack.lookups += 1;
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {BOT_TOKEN}")) {
        return Json(json!({"ok": false, "error": "invalid_auth"}));
    }
    match slack.users.get(q.get("user").map_or("", String::as_str)) {
        Some(email) => Json(json!({"ok": true, "user": {"id": q["user"], "deleted": false, "profile": {"email": email}}})),
        None => Json(json!({"ok": false, "error": "user_not_found"})),
    }
}

async fn response_url(State(s): State<Shared>, Json(body): Json<Value>) -> StatusCode {
    s.lock().unwrap().responses.push(body);
    StatusCode::OK
}

struct ChatApp {
    router: axum::Router,
    store: Arc<dyn Store>,
    org: rungs_core::OrgId,
    slack: Shared,
    base: String,
    _dir: tempfile::TempDir,
}

impl ChatApp {
    async fn new() -> ChatApp {
        ChatApp::answering_within(rungs_web::integrations::slack::ANSWER_WITHIN).await
    }

    async fn answering_within(within: std::time::Duration) -> ChatApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let slack: Shared = Arc::default();
        let fake = axum::Router::new().route("/api/users.info", get(users_info)).route("/respond", post(response_url)).with_state(slack.clone());
        tokio::spawn(async move {
            axum::serve(listener, fake).await.unwrap();
        });

        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.unwrap());
        let init = rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.unwrap();
        let admin = rungs_app::Viewer::system(init.org.id);
        for name in ["Wendy Winner", "Bob Builder"] {
            rungs_app::people::create(store.as_ref(), &admin, hire_body(name, None), None, None).await.unwrap();
        }
        {
            let mut s = slack.lock().unwrap();
            s.users.insert("UWENDY".into(), "Wendy.Winner@example.com".into());
            s.users.insert("UBOB".into(), "bob.builder@example.com".into());
            s.users.insert("USTRANGER".into(), "stranger@elsewhere.example".into());
        }
        let chat = rungs_web::integrations::slack::ChatSettings::new(SIGNING_SECRET, &format!("{base}/api"), BOT_TOKEN).with_answer_within(within);
        let state = rungs_web::AppState::new(store.clone()).with_chat(chat);
        ChatApp { router: rungs_web::router(state), store, org: init.org.id, slack, base, _dir: dir }
    }

    /// POST `body` to `path`, signed like Slack with `secret` at `timestamp`.
    async fn post_signed(&self, path: &str, body: &str, secret: &str, timestamp: i64) -> TestResponse {
        let ts = timestamp.to_string();
        let sig = rungs_core::slack::sign(secret, &ts, body.as_bytes());
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("X-Slack-Request-Timestamp", ts)
            .header("X-Slack-Signature", sig)
            .body(Body::from(body.to_string()))
            .unwrap();
        send_to(&self.router, req).await
    }

    async fn command(&self, user: &str, text: &str) -> Value {
        let body = serde_urlencoded::to_string([
            ("token", "legacy-unused"),
            ("team_id", "T1"),
            ("user_id", user),
            ("command", "/rungs"),
            ("text", text),
            ("response_url", &format!("{}/respond", self.base)),
        ])
        .unwrap();
        let res = self.post_signed("/integrations/slack/commands", &body, SIGNING_SECRET, now()).await;
        res.assert_status(StatusCode::OK);
        let v = res.json();
        assert_eq!(v["response_type"], "ephemeral", "{v}");
        v
    }

    fn click_body(&self, user: &str, button: &Value, message_ts: &str) -> String {
        let payload = json!({
            "type": "block_actions",
            "user": {"id": user, "username": "w"},
            "container": {"type": "message", "message_ts": message_ts, "is_ephemeral": true},
            "response_url": format!("{}/respond", self.base),
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "rungs_win", "value": button["value"], "action_ts": "1700000000.1"}],
        });
        serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
    }

    async fn wins_of(&self, email: &str) -> Vec<rungs_core::event::Event> {
        let p = self.store.person_by_email(self.org, email).await.unwrap();
        self.store.subject_events(self.org, p.id).await.unwrap().into_iter().filter(|e| e.body.kind() == EventKind::MicroProgression).collect()
    }

    /// The `n`th body posted to the response_url (waiting up to ten seconds for it).
    async fn response(&self, n: usize) -> Value {
        for _ in 0..500 {
            if let Some(v) = self.slack.lock().unwrap().responses.get(n) {
                return v.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("nothing posted to the response_url (wanted #{n})");
    }

    async fn metrics(&self) -> String {
        send_to(&self.router, Request::get("/metrics").body(Body::empty()).unwrap()).await.text()
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_signed_win_is_suggested_confirmed_with_the_button_and_recorded_once() {
    let app = ChatApp::new().await;
    let v = app.command("UWENDY", "win wrote the unit tests and integration tests for the export").await;
    let buttons = v["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap()["elements"].as_array().unwrap().clone();
    let confirm = buttons.iter().find(|b| b["action_id"] == "rungs_win_confirm").expect("a confirm button with suggested competencies");
    let carried: Value = serde_json::from_str(confirm["value"].as_str().unwrap()).unwrap();
    assert!(carried["c"].as_array().unwrap().iter().any(|c| c == "testing"), "testing suggested: {carried}");
    assert!(app.wins_of("wendy.winner@example.com").await.is_empty(), "nothing recorded before the click");

    let click = app.click_body("UWENDY", confirm, "1700000000.000100");
    let res = app.post_signed("/integrations/slack/interactivity", &click, SIGNING_SECRET, now()).await;
    res.assert_status(StatusCode::OK);
    assert!(res.json()["text"].as_str().unwrap().starts_with("Recorded your win"), "{}", res.text());
    let wins = app.wins_of("wendy.winner@example.com").await;
    assert_eq!(wins.len(), 1);
    assert!(wins[0].competencies.iter().any(|c| c == "testing"));
    // Slack delivers the same click again: still one win.
    app.post_signed("/integrations/slack/interactivity", &click, SIGNING_SECRET, now()).await.assert_status(StatusCode::OK);
    assert_eq!(app.wins_of("wendy.winner@example.com").await.len(), 1, "a repeated click records nothing new");

    // The answer also went to the response_url (where Slack takes it).
    for _ in 0..50 {
        if !app.slack.lock().unwrap().responses.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let posted = app.slack.lock().unwrap().responses.first().cloned().expect("posted to response_url");
    assert_eq!(posted["replace_original"], true);
    assert!(posted["text"].as_str().unwrap().starts_with("Recorded your win"));
    // users.info answered once for Wendy: the mapping is cached.
    assert_eq!(app.slack.lock().unwrap().lookups, 1);
}

#[tokio::test]
async fn forged_stale_and_unsigned_requests_are_refused_counted_and_change_nothing() {
    let app = ChatApp::new().await;
    let (events, _) = {
        let s = app.store.stats().await.unwrap();
        (s.events, s.people)
    };
    let body = serde_urlencoded::to_string([("user_id", "UWENDY"), ("command", "/rungs"), ("text", "win forged win")]).unwrap();
    let forged = app.post_signed("/integrations/slack/commands", &body, "not-the-secret", now()).await;
    forged.assert_status(StatusCode::UNAUTHORIZED);
    let stale = app.post_signed("/integrations/slack/commands", &body, SIGNING_SECRET, now() - 6 * 60).await;
    stale.assert_status(StatusCode::UNAUTHORIZED);
    // A genuine signature over another body (the text was changed in flight).
    let ts = now().to_string();
    let sig = rungs_core::slack::sign(SIGNING_SECRET, &ts, body.as_bytes());
    let tampered = Request::post("/integrations/slack/commands")
        .header("X-Slack-Request-Timestamp", &ts)
        .header("X-Slack-Signature", sig)
        .body(Body::from(body.replace("forged", "tampered")))
        .unwrap();
    send_to(&app.router, tampered).await.assert_status(StatusCode::UNAUTHORIZED);
    let unsigned = Request::post("/integrations/slack/interactivity").body(Body::from(body.clone())).unwrap();
    send_to(&app.router, unsigned).await.assert_status(StatusCode::UNAUTHORIZED);

    assert_eq!(app.store.stats().await.unwrap().events, events, "nothing recorded");
    assert_eq!(app.slack.lock().unwrap().lookups, 0, "nobody was looked up for a refused request");
    let m = app.metrics().await;
    assert!(m.contains("rungs_integration_requests_refused_total{integration=\"slack\",reason=\"forged\"} 2"), "{m}");
    assert!(m.contains("rungs_integration_requests_refused_total{integration=\"slack\",reason=\"stale\"} 1"), "{m}");
    assert!(m.contains("rungs_integration_requests_refused_total{integration=\"slack\",reason=\"missing\"} 1"), "{m}");
}

#[tokio::test]
async fn kudos_give_recognition_and_me_tells_readiness() {
    let app = ChatApp::new().await;
    let v = app.command("UWENDY", "kudos <@UBOB|bob> +5 for pairing on the flaky test").await;
    assert!(v["text"].as_str().unwrap().starts_with("Recognized Bob Builder with 5 point(s)"), "{v}");
    let bob = app.store.person_by_email(app.org, "bob.builder@example.com").await.unwrap();
    let got: Vec<_> = app.store.subject_events(app.org, bob.id).await.unwrap().into_iter().filter(|e| e.body.kind() == EventKind::Recognition).collect();
    assert_eq!(got.len(), 1);
    let wendy = app.store.person_by_email(app.org, "wendy.winner@example.com").await.unwrap();
    assert_eq!(got[0].actor, Some(wendy.id), "given by Wendy");

    // The recognition use case's rules hold: nobody recognizes themself.
    let v = app.command("UWENDY", "kudos <@UWENDY> +5 me again").await;
    assert!(v["text"].as_str().unwrap().contains("themself"), "{v}");
    // Someone the workspace knows but Rungs does not.
    let v = app.command("USTRANGER", "me").await;
    assert!(v["text"].as_str().unwrap().contains("stranger@elsewhere.example"), "{v}");
    let v = app.command("UWENDY", "me").await;
    assert!(v["text"].as_str().unwrap().contains("% ready for"), "{v}");
    let v = app.command("UWENDY", "dance").await;
    assert!(v["text"].as_str().unwrap().contains("/rungs win"), "help follows an unknown verb: {v}");
}

/// Slack gives up after three seconds. A command or a click whose answer takes longer
/// is answered at once ("working on it") and its answer is posted to the request's
/// response_url when ready, where a local receiver (the fake Slack) takes it.
#[tokio::test]
async fn a_slow_answer_is_given_at_once_and_posted_to_the_response_url_when_ready() {
    use std::time::{Duration, Instant};
    // Lookups take 1 s (under the directory's own 1.5 s timeout); answers are due in 150 ms.
    let app = ChatApp::answering_within(Duration::from_millis(150)).await;
    app.slack.lock().unwrap().slow.insert("UWENDY".into(), Duration::from_millis(1000));
    app.slack.lock().unwrap().slow.insert("UBOB".into(), Duration::from_millis(1000));

    let started = Instant::now();
    let v = app.command("UWENDY", "win wrote the unit tests and integration tests for the export").await;
    assert!(started.elapsed() < Duration::from_millis(900), "answered before the work was done: {:?}", started.elapsed());
    assert_eq!(v["text"], "Working on it…", "{v}");
    assert!(v.get("blocks").is_none(), "{v}");
    assert!(app.slack.lock().unwrap().responses.is_empty(), "the answer is not ready yet");
    // The answer arrives at the response_url: the prompt with its buttons, ephemeral.
    let prompt = app.response(0).await;
    assert_eq!(prompt["response_type"], "ephemeral", "{prompt}");
    assert!(prompt["text"].as_str().unwrap().contains("Record this win"), "{prompt}");
    let buttons = prompt["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap()["elements"].as_array().unwrap().clone();
    let confirm = buttons.iter().find(|b| b["action_id"] == "rungs_win_confirm").unwrap().clone();

    // A click whose work is slow (Wendy's lookup is cached now, so the click comes
    // from Bob, whose lookup is slow): "working on it" at once, replacing the prompt;
    // then the win is recorded and the answer replaces it at the response_url.
    let click = app.click_body("UBOB", &confirm, "1700000000.000200");
    let started = Instant::now();
    let res = app.post_signed("/integrations/slack/interactivity", &click, SIGNING_SECRET, now()).await;
    res.assert_status(StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
    assert_eq!((res.json()["text"].as_str(), res.json()["replace_original"].as_bool()), (Some("Working on it…"), Some(true)), "{}", res.text());
    let done = app.response(1).await;
    assert_eq!(done["replace_original"], true, "{done}");
    assert!(done["text"].as_str().unwrap().starts_with("Recorded your win"), "{done}");
    assert_eq!(app.wins_of("bob.builder@example.com").await.len(), 1, "recorded once, as Bob");
    assert!(app.wins_of("wendy.winner@example.com").await.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.slack.lock().unwrap().responses.len(), 2, "each answer posted once");
}
