//! `Idempotency-Key` on every state-changing API route (docs/API.md, "Idempotency"),
//! walked from the OpenAPI document: each route gets a real request, sent twice with
//! one key; the second answer is the first byte for byte (`Idempotent-Replayed`), and
//! what the first changed, the second does not change again. Then the refusals: the
//! key on another request (422), a repeat while the first runs (409), a malformed key
//! (422), and what happens when the first request never finished.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use rungs_core::PersonId;
use rungs_core::idempotency::{Attempt, Begun, IdempotencyKey, KeyOwner, Recorded, StoredResponse};
use rungs_core::person::Role;
use rungs_core::session_store::SsoLink;
use rungs_web::{AppState, WebConfig};
use serde_json::{Value, json};

use crate::support::{TestApp, TestResponse, hire_body, send_to, win};

const KEY: &str = "Idempotency-Key";
const LADDER_XLSX: &[u8] = include_bytes!("../../../rungs-app/tests/ladders/ladder.xlsx");
const GENERIC: &[u8] = include_bytes!("../../../rungs-core/src/evidence/fixtures/generic_course_completed.json");
const MATRIX: &str =
    "Category,Competency,Engineer,Senior Engineer\r\nCraft,Testing,Writes tests,Owns the test strategy\r\n,Observability,Adds metrics,Designs dashboards\r\n";
const LADDER_MD: &str =
    "# Research\n\n## R1 — Researcher\n\n### Rigour\n- Checks results twice\n\n## R2 — Senior Researcher\n\n### Rigour\n- Designs studies\n";

/// Every operation the document marks as taking `Idempotency-Key`: (method, template).
fn keyed_operations() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(rungs_web::openapi()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["name"] == KEY && p["in"] == "header") {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// What the second request of a pair should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The first answer, replayed; the first changed something.
    Replay,
    /// The first answer, replayed; the operation only computes (a preview).
    ReplayPure,
    /// 409: the first answer held a secret shown once, which is not kept.
    Refused,
}

struct Case {
    method: Method,
    template: &'static str,
    path: String,
    token: String,
    /// (content type, bytes)
    body: Option<(&'static str, Vec<u8>)>,
    expect: Expect,
}

fn json_body(v: &Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", v.to_string().into_bytes()))
}

fn request(method: &Method, path: &str, token: &str, body: Option<&(&'static str, Vec<u8>)>, key: Option<&str>) -> Request<Body> {
    let mut b = Request::builder().method(method.clone()).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(k) = key {
        b = b.header(KEY, k);
    }
    match body {
        Some((ct, bytes)) => b.header(header::CONTENT_TYPE, *ct).body(Body::from(bytes.clone())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

/// Everyone the walk acts as, with the ids it needs.
struct World {
    admin: String,
    admin_id: String,
    manager: String,
    report: String,
    report_id: String,
    outsider_id: String,
    alice: String,
    /// Reads of what the walk created, as it goes: (path, token).
    extra: std::cell::RefCell<Vec<(String, String)>>,
}

/// What the organization looks like through the API: every list a changing route
/// could change, as each of the people of the walk sees it.
async fn snapshot(app: &TestApp, w: &World) -> BTreeMap<String, (StatusCode, String)> {
    let reads = [
        ("/api/v1/people", &w.admin),
        ("/api/v1/tokens", &w.admin),
        ("/api/v1/badges", &w.admin),
        (&format!("/api/v1/people/{}/badges", w.admin_id), &w.admin),
        (&format!("/api/v1/people/{}/events", w.report_id), &w.admin),
        (&format!("/api/v1/people/{}/sign-in", w.report_id), &w.admin),
        (&format!("/api/v1/people/{}/events", w.admin_id), &w.admin),
        ("/api/v1/cycles", &w.admin),
        ("/api/v1/cases?view=nominated", &w.manager),
        ("/api/v1/cases?view=mine", &w.report),
        ("/api/v1/credentials", &w.admin),
        ("/api/v1/credentials", &w.report),
        ("/api/v1/evidence/mapping", &w.admin),
        ("/api/v1/evidence/sources", &w.admin),
        ("/api/v1/framework", &w.admin),
        ("/api/v1/framework/versions", &w.admin),
        ("/api/v1/leaderboards/settings", &w.admin),
        ("/api/v1/me/delegation", &w.manager),
        ("/api/v1/me/suggestions", &w.alice),
        ("/api/v1/notifications", &w.report),
        ("/api/v1/notifications/preferences", &w.report),
        ("/api/v1/opportunities", &w.admin),
        ("/api/v1/org/time-zone", &w.admin),
        (&format!("/api/v1/proposals?subject={}", w.report_id), &w.admin),
        ("/api/v1/recognition", &w.admin),
        ("/api/v1/recognition/policy", &w.admin),
        ("/api/v1/routes", &w.admin),
        ("/api/v1/webhooks", &w.admin),
        ("/api/v1/webhooks/deliveries", &w.admin),
    ];
    let extra = w.extra.borrow().clone();
    let mut out = BTreeMap::new();
    for (path, token) in reads.into_iter().chain(extra.iter().map(|(p, t)| (p.as_str(), t))) {
        let res = app.get(path, token).await;
        out.insert(format!("{path} as {}", &token[token.len() - 6..]), (res.status, res.text()));
    }
    let (events, people) = app.counts().await;
    out.insert("counts".into(), (StatusCode::OK, format!("{events} events, {people} people")));
    out
}

fn differences(a: &BTreeMap<String, (StatusCode, String)>, b: &BTreeMap<String, (StatusCode, String)>) -> Vec<String> {
    a.iter().filter(|(k, v)| b.get(*k) != Some(v)).map(|(k, v)| format!("{k}: {} -> {:?}", v.1, b.get(k).map(|x| &x.1))).collect()
}

/// Send `case` twice with one key and check the pair; what is wrong is added to
/// `failures` (so one run names every route that misbehaves).
async fn check(app: &TestApp, w: &World, case: &Case, key: &str, failures: &mut Vec<String>) -> TestResponse {
    let what = format!("{} {}", case.method, case.path);
    let mut fail = |m: String| failures.push(format!("{what}: {m}"));
    let before = snapshot(app, w).await;
    let first = app.request(request(&case.method, &case.path, &case.token, case.body.as_ref(), Some(key))).await;
    assert!(first.status.is_success(), "{what}: the walk sends valid requests: {} {}", first.status, first.text());
    if first.headers.get("idempotent-replayed").is_some() {
        fail("the first answer says it is replayed".into());
    }
    let after_first = snapshot(app, w).await;
    if case.expect == Expect::Replay && differences(&before, &after_first).is_empty() {
        fail("the first request changed nothing visible".into());
    }
    let second = app.request(request(&case.method, &case.path, &case.token, case.body.as_ref(), Some(key))).await;
    match case.expect {
        Expect::Replay | Expect::ReplayPure => {
            if (second.status, &second.body) != (first.status, &first.body) {
                fail(format!("the replay is not the first answer: {} {} then {} {}", first.status, first.text(), second.status, second.text()));
            }
            for h in [header::CONTENT_TYPE, header::LOCATION] {
                if second.headers.get(&h) != first.headers.get(&h) {
                    fail(format!("{h} differs"));
                }
            }
            if second.headers.get("idempotent-replayed").map(HeaderValue::as_bytes) != Some(&b"true"[..]) {
                fail("the replay is not marked Idempotent-Replayed".into());
            }
        }
        Expect::Refused => {
            if second.status != StatusCode::CONFLICT || second.json()["errors"][0]["field"] != KEY {
                fail(format!("a secret's repeat is not a 409 naming the key: {} {}", second.status, second.text()));
            }
        }
    }
    let after_second = snapshot(app, w).await;
    let changed = differences(&after_first, &after_second);
    if !changed.is_empty() {
        fail(format!("the repeat changed something: {changed:?}"));
    }
    first
}

fn id_of(res: &TestResponse, pointer: &str) -> String {
    let v = res.json();
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no {pointer} in {v}")).to_string()
}

#[tokio::test]
async fn every_changing_route_replays_its_first_answer_and_acts_once() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let hired = |name: &str| {
        let mut b = hire_body(name, None);
        b["occurred_at"] = json!("2024-01-02T09:00:00Z");
        b
    };
    let alice_id = app.post_json("/api/v1/people", &app.admin, &hired("Alice")).await;
    alice_id.assert_status(StatusCode::CREATED);
    let alice_id: rungs_core::PersonId = alice_id.json()["id"].as_str().unwrap().parse().unwrap();
    let w = World {
        admin: app.admin.clone(),
        admin_id: app.admin_id.to_string(),
        manager: t.manager.clone(),
        report: t.report.clone(),
        report_id: t.report_id.to_string(),
        outsider_id: t.outsider_id.to_string(),
        alice: app.token_for(alice_id, Role::Employee).await,
        extra: Default::default(),
    };
    let today = Utc::now().date_naive();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut n = 0;
    // One key per case, so a case cannot be answered by another's row.
    macro_rules! run {
        ($method:ident, $template:literal, $path:expr, $token:expr, $body:expr, $expect:ident) => {{
            n += 1;
            let case = Case { method: Method::$method, template: $template, path: $path, token: $token.clone(), body: $body, expect: Expect::$expect };
            seen.insert((case.method.to_string(), case.template.to_string()));
            check(&app, &w, &case, &format!("walk-{n}"), &mut failures).await
        }};
    }

    // People and events.
    let res = run!(POST, "/api/v1/people", "/api/v1/people".into(), w.admin, json_body(&hire_body("Walk Person", Some(t.manager_id))), Replay);
    let walker = id_of(&res, "/id");
    run!(PATCH, "/api/v1/people/{id}", format!("/api/v1/people/{walker}"), w.admin, json_body(&json!({"department": "Walking"})), Replay);
    run!(POST, "/api/v1/people/{id}/invite", format!("/api/v1/people/{walker}/invite"), w.admin, None, Refused);
    run!(POST, "/api/v1/events", "/api/v1/events".into(), w.report, json_body(&win(t.report_id, "walked")), Replay);
    run!(
        POST,
        "/api/v1/events/bulk",
        "/api/v1/events/bulk".into(),
        w.report,
        json_body(&json!({"events": [win(t.report_id, "a"), win(t.report_id, "b")]})),
        Replay
    );

    // Tokens.
    let body = json!({"person_id": t.outsider_id, "role": "employee", "label": "walk"});
    let res = run!(POST, "/api/v1/tokens", "/api/v1/tokens".into(), w.admin, json_body(&body), Refused);
    let token_id = id_of(&res, "/token/id");
    run!(DELETE, "/api/v1/tokens/{id}", format!("/api/v1/tokens/{token_id}"), w.admin, None, Replay);

    // Recognition, and the notifications it makes.
    let gift = json!({"to": [t.report_id], "message": "Thanks for the walk!", "points": 5});
    run!(POST, "/api/v1/recognition", "/api/v1/recognition".into(), w.manager, json_body(&gift), Replay);
    app.post_json("/api/v1/recognition", &t.outsider, &json!({"to": [t.report_id], "message": "Me too", "points": 5})).await.assert_status(StatusCode::CREATED);
    let mut policy = app.get("/api/v1/recognition/policy", &w.admin).await.json();
    policy["pair_cap"] = json!(42);
    run!(PUT, "/api/v1/recognition/policy", "/api/v1/recognition/policy".into(), w.admin, json_body(&policy), Replay);
    rungs_app::notifications::derive::run(app.store.as_ref(), app.org, Utc::now()).await.unwrap();
    let notes = app.get("/api/v1/notifications", &w.report).await.json();
    let note = notes.pointer("/items/0/id").or_else(|| notes.pointer("/0/id")).and_then(Value::as_str).unwrap_or_else(|| panic!("{notes}")).to_string();
    run!(POST, "/api/v1/notifications/{id}/read", format!("/api/v1/notifications/{note}/read"), w.report, None, Replay);
    run!(POST, "/api/v1/notifications/read-all", "/api/v1/notifications/read-all".into(), w.report, None, Replay);
    // Whatever the report's choice for recognition is, another one.
    let now = app.get("/api/v1/notifications/preferences", &w.report).await.json();
    let choice = if now["email"]["recognition_received"] == "off" { "immediate" } else { "off" };
    let prefs = json!({"email": {"recognition_received": choice}});
    run!(PUT, "/api/v1/notifications/preferences", "/api/v1/notifications/preferences".into(), w.report, json_body(&prefs), Replay);
    run!(PUT, "/api/v1/leaderboards/settings", "/api/v1/leaderboards/settings".into(), w.admin, json_body(&json!({"enabled": true})), Replay);

    // Badges and credentials.
    let badge = json!({"key": "walker", "name": "Walker", "tiers": {"bronze": {"count": {"category": "skill", "at_least": 1}}, "gold": {"milestone": {}}}});
    run!(POST, "/api/v1/badges/preview", "/api/v1/badges/preview".into(), w.admin, json_body(&badge), ReplayPure);
    run!(PUT, "/api/v1/badges/{key}", "/api/v1/badges/walker".into(), w.admin, json_body(&badge), Replay);
    let award = json!({"badge": "walker", "tier": "gold", "reason": "walked every route"});
    run!(POST, "/api/v1/people/{id}/badges", format!("/api/v1/people/{}/badges", w.admin_id), w.admin, json_body(&award), Replay);
    let events = app.get(&format!("/api/v1/people/{}/events?kind=badge_awarded", w.admin_id), &w.admin).await.json();
    let awarded = events.pointer("/items/0/id").and_then(Value::as_str).unwrap_or_else(|| panic!("{events}")).to_string();
    let res = run!(POST, "/api/v1/credentials", "/api/v1/credentials".into(), w.admin, json_body(&json!({"event_id": awarded})), Replay);
    let credential = id_of(&res, "/id");
    run!(
        POST,
        "/api/v1/credentials/{id}/revoke",
        format!("/api/v1/credentials/{credential}/revoke"),
        w.admin,
        json_body(&json!({"reason": "issued by the walk"})),
        Replay
    );
    run!(PUT, "/api/v1/credentials/settings", "/api/v1/credentials/settings".into(), w.report, json_body(&json!({"auto_issue": true})), Replay);

    // Opportunities.
    let opp = json!({"title": "Walk the board", "competencies": ["testing"], "category": "skill", "capacity": 2});
    let res = run!(POST, "/api/v1/opportunities", "/api/v1/opportunities".into(), w.admin, json_body(&opp), Replay);
    let opp = id_of(&res, "/id");
    let res = run!(
        POST,
        "/api/v1/opportunities/{id}/applications",
        format!("/api/v1/opportunities/{opp}/applications"),
        w.report,
        json_body(&json!({"note": "I walk."})),
        Replay
    );
    let application = id_of(&res, "/id");
    run!(
        POST,
        "/api/v1/opportunities/{id}/applications/{application_id}/{action}",
        format!("/api/v1/opportunities/{opp}/applications/{application}/accept"),
        w.admin,
        None,
        Replay
    );
    run!(POST, "/api/v1/opportunities/{id}/close", format!("/api/v1/opportunities/{opp}/close"), w.admin, None, Replay);

    // Promotion cycles and cases.
    let cycle = json!({
        "name": "Walk cycle",
        "nominations_open": (today - Duration::days(3)).to_string(),
        "nominations_close": (today + Duration::days(3)).to_string(),
        "review_open": (today + Duration::days(4)).to_string(),
        "review_close": (today + Duration::days(30)).to_string(),
        "budgets": [{"scope": "department", "value": "Platform", "promotions": 2}],
    });
    let res = run!(POST, "/api/v1/cycles", "/api/v1/cycles".into(), w.admin, json_body(&cycle), Replay);
    let cycle = id_of(&res, "/id");
    let nomination = json!({"subject": t.report_id, "justification": "Walks the on-call."});
    let res = run!(POST, "/api/v1/cycles/{id}/cases", format!("/api/v1/cycles/{cycle}/cases"), w.manager, json_body(&nomination), Replay);
    let case = id_of(&res, "/id");
    w.extra.borrow_mut().push((format!("/api/v1/cases/{case}"), w.admin.clone()));
    run!(PATCH, "/api/v1/cases/{id}", format!("/api/v1/cases/{case}"), w.manager, json_body(&json!({"justification": "Walks and mentors."})), Replay);
    run!(POST, "/api/v1/cases/{id}/packet", format!("/api/v1/cases/{case}/packet"), w.manager, None, ReplayPure);
    run!(POST, "/api/v1/cases/{id}/moves", format!("/api/v1/cases/{case}/moves"), w.admin, json_body(&json!({"move": "start_review"})), Replay);
    run!(
        POST,
        "/api/v1/cases/{id}/reviews",
        format!("/api/v1/cases/{case}/reviews"),
        w.manager,
        json_body(&json!({"vote": "support", "comment": "Yes."})),
        Replay
    );
    run!(POST, "/api/v1/cases/{id}/rank", format!("/api/v1/cases/{case}/rank"), w.admin, json_body(&json!({"position": 0})), ReplayPure);

    // Proposals, their routes, delegation.
    let route = json!({"kind": "micro_promotion", "steps": [{"name": "People team", "approvers": [{"type": "person", "id": w.admin_id}]}]});
    run!(PUT, "/api/v1/routes", "/api/v1/routes".into(), w.admin, json_body(&route), Replay);
    let proposal = |to: &str| {
        json!({
            "subject": t.report_id,
            "details": {"kind": "micro_promotion", "from": "walks alone", "to": to},
            "rationale": "Leads the walk.",
            "effective_on": (today + Duration::days(2)).to_string(),
        })
    };
    let res = run!(POST, "/api/v1/proposals", "/api/v1/proposals".into(), w.manager, json_body(&proposal("leads the walk")), Replay);
    let proposal_id = id_of(&res, "/id");
    run!(POST, "/api/v1/proposals/{id}/decisions", format!("/api/v1/proposals/{proposal_id}/decisions"), w.admin, json_body(&json!({"approve": true})), Replay);
    let other = app.post_json("/api/v1/proposals", &w.manager, &proposal("walks the team")).await;
    other.assert_status(StatusCode::CREATED);
    let other = id_of(&other, "/id");
    run!(POST, "/api/v1/proposals/{id}/withdraw", format!("/api/v1/proposals/{other}/withdraw"), w.manager, None, Replay);
    let delegation = json!({"delegate": w.outsider_id, "from": today.to_string(), "until": (today + Duration::days(7)).to_string()});
    run!(PUT, "/api/v1/me/delegation", "/api/v1/me/delegation".into(), w.manager, json_body(&delegation), Replay);
    run!(DELETE, "/api/v1/me/delegation", "/api/v1/me/delegation".into(), w.manager, None, Replay);

    // Evidence from work systems: two suggestions for Alice, one accepted, one dismissed.
    let mapping = json!({"rules": "course rust-101 -> code-quality : learning", "accounts": "", "auto_accept": false});
    run!(PUT, "/api/v1/evidence/mapping", "/api/v1/evidence/mapping".into(), w.admin, json_body(&mapping), Replay);
    let res =
        run!(POST, "/api/v1/evidence/sources", "/api/v1/evidence/sources".into(), w.admin, json_body(&json!({"kind": "generic", "name": "lms"})), Refused);
    let (source_id, source_path, source_secret) = (id_of(&res, "/source/id"), id_of(&res, "/path"), id_of(&res, "/secret"));
    let other_source = app.post_json("/api/v1/evidence/sources", &w.admin, &json!({"kind": "generic", "name": "lms 2"})).await;
    for (path, secret) in [(source_path, source_secret), (id_of(&other_source, "/path"), id_of(&other_source, "/secret"))] {
        let sig = rungs_core::evidence::verify::generic_signature(&secret, Utc::now().timestamp(), GENERIC);
        app.send(Method::POST, &path, None, Some(GENERIC.to_vec()), &[("Rungs-Evidence-Signature", sig.as_str())]).await.assert_status(StatusCode::ACCEPTED);
    }
    let suggestions = app.get("/api/v1/me/suggestions", &w.alice).await.json();
    let ids: Vec<String> = suggestions.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2, "{suggestions}");
    run!(
        POST,
        "/api/v1/me/suggestions/{id}/accept",
        format!("/api/v1/me/suggestions/{}/accept", ids[0]),
        w.alice,
        json_body(&json!({"title": "Rust 101"})),
        Replay
    );
    run!(POST, "/api/v1/me/suggestions/{id}/dismiss", format!("/api/v1/me/suggestions/{}/dismiss", ids[1]), w.alice, None, Replay);
    run!(DELETE, "/api/v1/evidence/sources/{id}", format!("/api/v1/evidence/sources/{source_id}"), w.admin, None, Replay);

    // Webhooks: a subscription, a delivery to replay, the removal.
    let hook = json!({"url": "http://127.0.0.1:9/hook", "kinds": ["micro_progression"]});
    let res = run!(POST, "/api/v1/webhooks", "/api/v1/webhooks".into(), w.admin, json_body(&hook), Refused);
    let subscription = id_of(&res, "/subscription/id");
    app.record(&w.report, &win(t.report_id, "for the hook")).await.assert_status(StatusCode::CREATED);
    app.store.fan_out(Utc::now(), 100).await.unwrap();
    let deliveries = app.get("/api/v1/webhooks/deliveries", &w.admin).await.json();
    let delivery = deliveries.pointer("/0/id").and_then(Value::as_str).unwrap_or_else(|| panic!("{deliveries}")).to_string();
    run!(POST, "/api/v1/webhooks/deliveries/{id}/replay", format!("/api/v1/webhooks/deliveries/{delivery}/replay"), w.admin, None, Replay);
    run!(DELETE, "/api/v1/webhooks/{id}", format!("/api/v1/webhooks/{subscription}"), w.admin, None, Replay);

    // The framework: a new version, imports (previews compute only), the calendar.
    let mut fw = app.get("/api/v1/framework", &w.admin).await.json();
    fw["competencies"].as_array_mut().unwrap().push(json!({"key": "walking", "name": "Walking", "category": "craft"}));
    run!(PUT, "/api/v1/framework", "/api/v1/framework".into(), w.admin, json_body(&fw), Replay);
    let yaml = app.get("/api/v1/framework/yaml", &w.admin).await.text();
    run!(POST, "/api/v1/framework/yaml", "/api/v1/framework/yaml".into(), w.admin, Some(("application/yaml", yaml.into_bytes())), ReplayPure);
    run!(
        POST,
        "/api/v1/framework/matrix",
        "/api/v1/framework/matrix?track=engineering&commit=true".into(),
        w.admin,
        Some(("text/csv", MATRIX.as_bytes().to_vec())),
        Replay
    );
    run!(
        POST,
        "/api/v1/framework/markdown",
        "/api/v1/framework/markdown?file=research.md".into(),
        w.admin,
        Some(("text/markdown", LADDER_MD.as_bytes().to_vec())),
        ReplayPure
    );
    run!(
        POST,
        "/api/v1/framework/sheet",
        "/api/v1/framework/sheet?file=ladder.xlsx".into(),
        w.admin,
        Some(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", LADDER_XLSX.to_vec())),
        ReplayPure
    );
    run!(PUT, "/api/v1/org/time-zone", "/api/v1/org/time-zone".into(), w.admin, json_body(&json!({"time_zone": "Europe/Berlin"})), Replay);

    // Sign-ins: an account linked when single sign-on made it (the store), unlinked
    // through the API with its issuer named.
    let report: PersonId = w.report_id.parse().unwrap();
    let link = SsoLink { issuer: "https://idp.walk.test".into(), subject: "walk-sub".into(), org_id: app.org, person_id: report, created_at: Utc::now() };
    app.store.link_sso(&link).await.unwrap();
    let unlink = format!("/api/v1/people/{}/sso-links?subject=walk-sub&issuer=https%3A%2F%2Fidp.walk.test", w.report_id);
    run!(DELETE, "/api/v1/people/{id}/sso-links", unlink, w.admin, None, Replay);
    // Linking needs a configured OpenID provider, which this app has not
    // (tests/it/sso.rs runs one): not walked, and said so here.
    seen.insert(("POST".to_string(), "/api/v1/people/{id}/sso-links".to_string()));

    assert_eq!(failures, Vec::<String>::new());
    let missing: Vec<_> = keyed_operations().difference(&seen).cloned().collect();
    assert_eq!(missing, Vec::<(String, String)>::new(), "every keyed operation of the document is walked");
    let extra: Vec<_> = seen.difference(&keyed_operations()).cloned().collect();
    assert_eq!(extra, Vec::<(String, String)>::new(), "the walk only sends keys where the document says they are honoured");
}

#[tokio::test]
async fn the_same_key_on_another_request_is_422_naming_the_header_and_changes_nothing() {
    let app = TestApp::new().await;
    let a = app.hire("Ann Key", None).await;
    let first = app.post_json_with_key("/api/v1/events", &app.admin, "k", &win(a, "one")).await;
    first.assert_status(StatusCode::CREATED);
    let before = app.counts().await;
    let people = app.get("/api/v1/people", &app.admin).await.json();
    let body = win(a, "one").to_string().into_bytes();
    let others = [
        (Method::POST, "/api/v1/events".to_string(), win(a, "two").to_string().into_bytes()),
        (Method::POST, "/api/v1/events?dry=1".to_string(), body.clone()),
        (Method::POST, "/api/v1/events/bulk".to_string(), json!({"events": [win(a, "one")]}).to_string().into_bytes()),
        (Method::PATCH, format!("/api/v1/people/{a}"), json!({"department": "Other"}).to_string().into_bytes()),
    ];
    for (method, path, body) in others {
        let res = app.send(method.clone(), &path, Some(&app.admin), Some(body), &[(KEY, "k")]).await;
        assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), [KEY], "{method} {path}");
    }
    assert_eq!(app.counts().await, before);
    assert_eq!(app.get("/api/v1/people", &app.admin).await.json(), people);
    // Keys are each principal's own: another person's same key is another request.
    let t = app.team().await;
    app.post_json_with_key("/api/v1/events", &t.report, "k", &win(t.report_id, "mine")).await.assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn a_repeat_while_the_first_runs_is_409_and_then_gets_the_first_answer() {
    let app = TestApp::new().await;
    let a = app.hire("Ann Flight", None).await;
    let body = win(a, "in flight").to_string();
    // The first request, claimed as the layer claims it and still running.
    let owner = KeyOwner { org_id: app.org, principal: app.admin_id.to_string(), key: IdempotencyKey::parse(b"flight").unwrap() };
    let uri: axum::http::Uri = "/api/v1/events".parse().unwrap();
    let fingerprint = rungs_web::replay::fingerprint(&Method::POST, &uri, body.as_bytes());
    let attempt = Attempt { owner: owner.clone(), fingerprint, id: uuid::Uuid::now_v7(), now: Utc::now(), lease: Duration::seconds(60) };
    assert_eq!(app.store.begin_request(&attempt).await.unwrap(), Begun::Started);
    let before = app.counts().await;
    let res = app.send(Method::POST, "/api/v1/events", Some(&app.admin), Some(body.clone().into_bytes()), &[(KEY, "flight")]).await;
    assert_eq!(res.fields(StatusCode::CONFLICT), [KEY]);
    assert!(res.headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(app.counts().await, before, "the repeat did not run");
    // The first finishes: the repeat gets its answer.
    let answer = Recorded::Response(StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        location: Some("/api/v1/events/first".into()),
        body: b"{\"first\":true}".to_vec(),
    });
    app.store.finish_request(&owner, attempt.id, &answer).await.unwrap();
    let res = app.send(Method::POST, "/api/v1/events", Some(&app.admin), Some(body.into_bytes()), &[(KEY, "flight")]).await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!((res.text().as_str(), res.headers["location"].to_str().unwrap()), ("{\"first\":true}", "/api/v1/events/first"));
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_malformed_key_is_422_naming_the_header_on_every_kind_of_route() {
    let app = TestApp::new().await;
    let a = app.hire("Ann Malformed", None).await;
    let before = app.counts().await;
    let long = "k".repeat(256);
    let keys: [&[u8]; 5] = [b"", long.as_bytes(), b"has space", b"tab\there", "caf\u{e9}".as_bytes()];
    for key in keys {
        for (method, path, body) in [
            (Method::POST, "/api/v1/events".to_string(), Some(win(a, "x").to_string())),
            (Method::PATCH, format!("/api/v1/people/{a}"), Some(json!({"department": "X"}).to_string())),
            (Method::DELETE, "/api/v1/me/delegation".to_string(), None),
        ] {
            let mut req = Request::builder().method(method.clone()).uri(&path).header(header::AUTHORIZATION, format!("Bearer {}", app.admin));
            req = req.header(KEY, HeaderValue::from_bytes(key).unwrap());
            let req = match body {
                Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b)).unwrap(),
                None => req.body(Body::empty()).unwrap(),
            };
            let res = app.request(req).await;
            assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), [KEY], "{method} {path} with {key:?}");
        }
    }
    assert_eq!(app.counts().await, before);
    // The longest key is fine.
    app.post_json_with_key("/api/v1/events", &app.admin, &"k".repeat(255), &win(a, "x")).await.assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn an_append_that_committed_before_its_answer_was_kept_is_replayed_by_the_ledger_not_appended_again() {
    let app = TestApp::new().await;
    let a = app.hire("Ann Crash", None).await;
    let body = win(a, "committed, then the process died").to_string();
    // The append of a first attempt committed with its ledger claim (the layer's
    // fingerprint), and the process died before the layer kept the answer.
    let uri: axum::http::Uri = "/api/v1/events".parse().unwrap();
    let claim = rungs_core::store::IdempotencyClaim {
        scope: app.admin_id.to_string(),
        key: "crash".into(),
        fingerprint: rungs_web::replay::fingerprint(&Method::POST, &uri, body.as_bytes()),
    };
    let viewer = rungs_app::tokens::authenticate(app.store.as_ref(), &app.admin).await.unwrap();
    let input: rungs_core::event::EventInput = serde_json::from_str(&body).unwrap();
    let appended = rungs_app::events::record(app.store.as_ref(), &viewer, vec![input], Some(claim)).await.unwrap();
    let before = app.counts().await;
    let res = app.send(Method::POST, "/api/v1/events", Some(&app.admin), Some(body.into_bytes()), &[(KEY, "crash")]).await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["id"], json!(appended.events[0].id), "the ledger's claim answers with the event of the first attempt");
    assert_eq!(app.counts().await, before, "nothing appended twice");
}

#[tokio::test]
async fn a_request_cancelled_at_its_time_limit_releases_its_key_and_the_retry_acts_once() {
    let app = TestApp::new().await;
    let a = app.hire("Ann Slow", None).await;
    let before = app.counts().await;
    let impatient =
        rungs_web::router(AppState::new(app.store.clone()).with_config(WebConfig { api_timeout: std::time::Duration::from_nanos(1), ..WebConfig::default() }));
    let body = win(a, "slow").to_string();
    let req = |router_body: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/events")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.admin))
            .header(header::CONTENT_TYPE, "application/json")
            .header(KEY, "slow")
            .body(Body::from(router_body.to_string()))
            .unwrap()
    };
    let cancelled = send_to(&impatient, req(&body)).await;
    cancelled.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    // The key is released in the background (the request's future was dropped):
    // until then a retry is told the first is in flight.
    let mut retry = app.request(req(&body)).await;
    for _ in 0..200 {
        if retry.status != StatusCode::CONFLICT {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        retry = app.request(req(&body)).await;
    }
    retry.assert_status(StatusCode::CREATED);
    assert_eq!(app.counts().await.0, before.0 + 1, "once, whether or not the cancelled append had committed");
    let again = app.request(req(&body)).await;
    assert_eq!((again.status, &again.body), (StatusCode::CREATED, &retry.body));
}
