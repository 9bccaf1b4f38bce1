//! Health, the OpenAPI document, metrics and what happens off the route table.

use axum::http::{Method, StatusCode, header};

use crate::support::TestApp;

#[tokio::test]
async fn health_answers_ok_and_names_the_backend_without_a_token() {
    let app = TestApp::new().await;
    let res = app.get_anonymous("/healthz").await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json(), serde_json::json!({"status": "ok", "backend": "sqlite"}));
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_route_with_its_operation_id() {
    let app = TestApp::new().await;
    let res = app.get_anonymous("/api/openapi.json").await;
    res.assert_status(StatusCode::OK);
    let doc = res.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push(format!("{} {path} {}", method.to_uppercase(), op["operationId"].as_str().unwrap()));
        }
    }
    ops.sort();
    let want = [
        "DELETE /api/v1/evidence/sources/{id} remove_source",
        "DELETE /api/v1/me/delegation end_delegation",
        "DELETE /api/v1/people/{id}/sso-links unlink_person_sso",
        "DELETE /api/v1/tokens/{id} revoke_token",
        "DELETE /api/v1/webhooks/{id} remove_webhook",
        "GET /api/openapi.json get_openapi",
        "GET /api/v1/analytics/equity get_equity_report",
        "GET /api/v1/analytics/equity.svg get_equity_chart",
        "GET /api/v1/analytics/metrics get_metrics_report",
        "GET /api/v1/analytics/metrics.svg get_cadence_chart",
        "GET /api/v1/analytics/stagnation get_stagnation_report",
        "GET /api/v1/analytics/what-works get_what_works_report",
        "GET /api/v1/analytics/what-works.svg get_what_works_chart",
        "GET /api/v1/approvals approvals",
        "GET /api/v1/badges list_badges",
        "GET /api/v1/badges/{key}/image.svg get_badge_image",
        "GET /api/v1/cases list_cases",
        "GET /api/v1/cases/{id} get_case",
        "GET /api/v1/credentials list_credentials",
        "GET /api/v1/cycles list_cycles",
        "GET /api/v1/cycles/{id}/board get_calibration_board",
        "GET /api/v1/events/{id} get_event",
        "GET /api/v1/evidence/mapping get_mapping",
        "GET /api/v1/evidence/sources list_sources",
        "GET /api/v1/framework get_framework",
        "GET /api/v1/framework/diff get_framework_diff",
        "GET /api/v1/framework/suggest suggest_competencies",
        "GET /api/v1/framework/versions list_framework_versions",
        "GET /api/v1/framework/yaml export_framework_yaml",
        "GET /api/v1/leaderboards get_leaderboard",
        "GET /api/v1/leaderboards/settings get_leaderboard_settings",
        "GET /api/v1/me get_me",
        "GET /api/v1/me/delegation get_delegation",
        "GET /api/v1/me/delegation/candidates delegation_candidates",
        "GET /api/v1/me/suggestions list_suggestions",
        "GET /api/v1/notifications list_notifications",
        "GET /api/v1/notifications/preferences get_preferences",
        "GET /api/v1/opportunities list_opportunities",
        "GET /api/v1/opportunities/{id} get_opportunity",
        "GET /api/v1/org/time-zone get_time_zone",
        "GET /api/v1/people list_people",
        "GET /api/v1/people/{id} get_person",
        "GET /api/v1/people/{id}/badges list_person_badges",
        "GET /api/v1/people/{id}/events list_person_events",
        "GET /api/v1/people/{id}/packet get_promotion_packet",
        "GET /api/v1/people/{id}/readiness get_readiness",
        "GET /api/v1/people/{id}/recommendations get_recommendations",
        "GET /api/v1/people/{id}/sign-in get_person_sign_in",
        "GET /api/v1/people/{id}/timeline get_timeline",
        "GET /api/v1/proposals list_proposals",
        "GET /api/v1/proposals/{id} get_proposal",
        "GET /api/v1/readiness list_readiness",
        "GET /api/v1/recognition list_recognition",
        "GET /api/v1/recognition/balance get_recognition_balance",
        "GET /api/v1/recognition/collusion get_recognition_collusion",
        "GET /api/v1/recognition/policy get_recognition_policy",
        "GET /api/v1/routes list_routes",
        "GET /api/v1/tokens list_tokens",
        "GET /api/v1/webhooks list_webhooks",
        "GET /api/v1/webhooks/deliveries list_deliveries",
        "GET /healthz get_health",
        "GET /metrics get_metrics",
        "GET /readyz get_ready",
        "PATCH /api/v1/cases/{id} edit_case",
        "PATCH /api/v1/people/{id} update_person",
        "POST /api/v1/badges/preview preview_badge",
        "POST /api/v1/cases/{id}/moves move_case",
        "POST /api/v1/cases/{id}/packet refresh_case_packet",
        "POST /api/v1/cases/{id}/rank rank_case",
        "POST /api/v1/cases/{id}/reviews review_case",
        "POST /api/v1/credentials issue_credential",
        "POST /api/v1/credentials/verify verify_credential",
        "POST /api/v1/credentials/{id}/revoke revoke_credential",
        "POST /api/v1/cycles create_cycle",
        "POST /api/v1/cycles/{id}/cases nominate",
        "POST /api/v1/events create_event",
        "POST /api/v1/events/bulk create_events",
        "POST /api/v1/evidence/sources create_source",
        "POST /api/v1/framework/markdown import_framework_markdown",
        "POST /api/v1/framework/matrix import_framework_matrix",
        "POST /api/v1/framework/sheet import_framework_sheet",
        "POST /api/v1/framework/yaml import_framework_yaml",
        "POST /api/v1/me/suggestions/{id}/accept accept_suggestion",
        "POST /api/v1/me/suggestions/{id}/dismiss dismiss_suggestion",
        "POST /api/v1/notifications/read-all read_all_notifications",
        "POST /api/v1/notifications/{id}/read read_notification",
        "POST /api/v1/opportunities create_opportunity",
        "POST /api/v1/opportunities/{id}/applications apply_to_opportunity",
        "POST /api/v1/opportunities/{id}/applications/{application_id}/{action} decide_application",
        "POST /api/v1/opportunities/{id}/close close_opportunity",
        "POST /api/v1/people create_person",
        "POST /api/v1/people/{id}/badges award_badge",
        "POST /api/v1/people/{id}/invite invite_person",
        "POST /api/v1/people/{id}/sso-links link_person_sso",
        "POST /api/v1/proposals propose",
        "POST /api/v1/proposals/{id}/decisions decide",
        "POST /api/v1/proposals/{id}/withdraw withdraw",
        "POST /api/v1/recognition give_recognition",
        "POST /api/v1/tokens create_token",
        "POST /api/v1/webhooks create_webhook",
        "POST /api/v1/webhooks/deliveries/{id}/replay replay_delivery",
        "POST /hooks/v1/evidence/{source} receive_evidence",
        "PUT /api/v1/badges/{key} define_badge",
        "PUT /api/v1/credentials/settings put_credential_settings",
        "PUT /api/v1/evidence/mapping update_mapping",
        "PUT /api/v1/framework update_framework",
        "PUT /api/v1/leaderboards/settings update_leaderboard_settings",
        "PUT /api/v1/me/delegation set_delegation",
        "PUT /api/v1/notifications/preferences put_preferences",
        "PUT /api/v1/org/time-zone set_time_zone",
        "PUT /api/v1/recognition/policy update_recognition_policy",
        "PUT /api/v1/routes save_route",
    ];
    assert_eq!(ops, want);
    // The served document is the one the binary dumps.
    assert_eq!(doc, serde_json::to_value(rungs_web::openapi()).unwrap());
    // Error responses are documented as problem+json.
    let get_person = &doc["paths"]["/api/v1/people/{id}"]["get"]["responses"];
    for code in ["401", "404", "500"] {
        assert!(get_person[code]["content"]["application/problem+json"].is_object(), "{code}: {get_person}");
    }
}

#[tokio::test]
async fn metrics_label_requests_by_route_template_and_report_ledger_sizes() {
    let app = TestApp::new().await;
    let id = app.admin_id;
    app.get(&format!("/api/v1/people/{id}"), &app.admin).await.assert_status(StatusCode::OK);
    app.get("/api/v1/people/not-a-uuid", &app.admin).await;
    let res = app.get_anonymous("/metrics").await;
    res.assert_status(StatusCode::OK);
    assert!(res.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let text = res.text();
    assert!(text.contains(r#"http_requests_total{route="/api/v1/people/{id}",method="GET",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"http_requests_total{route="/api/v1/people/{id}",method="GET",status="400"} 1"#), "{text}");
    assert!(text.contains(r#"http_request_duration_seconds_bucket{route="/api/v1/people/{id}",le="+Inf"} 2"#), "{text}");
    assert!(!text.contains(&id.to_string()), "raw URIs leak into labels: {text}");
    assert!(!text.contains("not-a-uuid"), "{text}");
    assert!(text.contains("\nrungs_ledger_events 1\n"), "{text}");
    assert!(text.contains("\nrungs_people 1\n"), "{text}");
    assert!(text.contains("\nrungs_write_queue_depth "), "{text}");
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_404() {
    let app = TestApp::new().await;
    app.get("/api/v1/nothing-here", &app.admin).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_method_is_a_problem_405_that_keeps_the_allow_header() {
    let app = TestApp::new().await;
    let res = app.send(Method::DELETE, "/api/v1/people", Some(&app.admin), None, &[]).await;
    res.problem(StatusCode::METHOD_NOT_ALLOWED);
    let allow = res.headers[header::ALLOW].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn me_names_the_token_holder_and_their_role() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/me", &app.admin).await;
    res.assert_status(StatusCode::OK);
    let me = res.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["person"]["id"], app.admin_id.to_string());
    assert_eq!(me["person"]["email"], "ada@example.com");
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    // Any change to the API shows up as a diff of tests/it/snapshots/openapi.json.
    // Review it, then accept with UPDATE_SNAPSHOTS=1 cargo test -p rungs-web.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/openapi.json");
    let now = rungs_web::openapi().to_pretty_json().unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
    }
    let saved = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(saved == now, "the OpenAPI document changed; review and run with UPDATE_SNAPSHOTS=1 to accept");
}

/// `rungs serve` on a real socket (127.0.0.1, a free port) until `stop`.
struct RealServer {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RealServer {
    async fn start(app: &TestApp) -> RealServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(rungs_web::serve(listener, rungs_web::AppState::new(app.store.clone()), async {
            let _ = stopped.await;
        }));
        RealServer { addr, stop, task }
    }

    /// Send raw bytes on a new connection and read the reply to the end.
    async fn send(&self, request: Vec<u8>) -> String {
        use std::io::{Read, Write};
        let addr = self.addr;
        tokio::task::spawn_blocking(move || {
            let mut conn = std::net::TcpStream::connect(addr).unwrap();
            // The server may answer and close before all of a huge request is read.
            let _ = conn.write_all(&request);
            let mut reply = Vec::new();
            let _ = conn.read_to_end(&mut reply);
            String::from_utf8_lossy(&reply).into_owned()
        })
        .await
        .unwrap()
    }

    /// Shut down gracefully; the server must stop cleanly.
    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn serve_answers_on_a_real_socket_and_stops_gracefully_on_shutdown() {
    let app = TestApp::new().await;
    let server = RealServer::start(&app).await;
    let reply = server.send(HEALTHZ.to_vec()).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains(r#""status":"ok""#), "{reply}");
    server.stop().await;
}

/// Requests hyper refuses before the router sees them (a 100 KB cursor, 1 MB of
/// headers, a malformed request line) are answered with problem+json like every other
/// error, and the server keeps serving. A real socket: `oneshot` never meets hyper's parser.
#[tokio::test]
async fn requests_refused_below_the_router_still_get_a_problem_document() {
    let app = TestApp::new().await;
    let server = RealServer::start(&app).await;
    let cursor = "p".repeat(100 * 1024);
    let long_uri = format!("GET /api/v1/people?cursor={cursor} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    let huge_header = format!("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(1024 * 1024));
    let cases = [
        (long_uri.into_bytes(), "414", "urn:rungs:problem:uri-too-long", r#""field":"uri""#),
        (huge_header.into_bytes(), "431", "urn:rungs:problem:headers-too-large", r#""field":"headers""#),
        (b"G\x01T / HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(), "400", "urn:rungs:problem:malformed-request", r#""field":"request""#),
    ];
    for (request, status, kind, field) in cases {
        let reply = server.send(request).await;
        assert!(reply.starts_with(&format!("HTTP/1.1 {status} ")), "{status}: {reply}");
        assert!(reply.to_ascii_lowercase().contains("content-type: application/problem+json"), "{status}: {reply}");
        let body = reply.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        let problem: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{status}: {e}: {reply}"));
        assert_eq!(problem["type"], kind, "{reply}");
        assert_eq!(problem["status"].to_string(), status, "{reply}");
        assert!(body.contains(field), "{reply}");
    }
    let ok = server.send(HEALTHZ.to_vec()).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "the server is unharmed: {ok}");
    server.stop().await;
}

/// docs/framework.schema.json is the JSON Schema (2020-12) of the framework format,
/// cut from the OpenAPI components so it cannot drift from the code. Accept a change
/// with UPDATE_SNAPSHOTS=1 like the OpenAPI snapshot.
#[tokio::test]
async fn the_framework_json_schema_in_docs_matches_the_code() {
    let doc = serde_json::to_value(rungs_web::openapi()).unwrap();
    let all = &doc["components"]["schemas"];
    let mut defs = serde_json::Map::new();
    let mut todo = vec!["Framework".to_string()];
    while let Some(name) = todo.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        let schema = all[&name].clone();
        let text = schema.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            todo.push(part.split('"').next().unwrap().to_string());
        }
        defs.insert(name, schema);
    }
    let defs = serde_json::Value::Object(defs).to_string().replace("#/components/schemas/", "#/$defs/");
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Rungs career framework",
        "description": "The format of docs/FRAMEWORKS.md, for YAML files and the JSON API alike. Generated from the code by crates/rungs-web/tests/it/system.rs.",
        "$ref": "#/$defs/Framework",
        "$defs": serde_json::from_str::<serde_json::Value>(&defs).unwrap(),
    });
    let now = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/framework.schema.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &now).unwrap();
    }
    let saved = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(saved == now, "docs/framework.schema.json is out of date; review and run with UPDATE_SNAPSHOTS=1 to accept");
}
