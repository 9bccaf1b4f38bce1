//! The API's contract with its clients: one reading of every JSON body (a repeated
//! key is refused, at any depth), one fingerprint for every `Idempotency-Key`, and an
//! OpenAPI document that is valid OpenAPI 3.1 and says what the server enforces.

use axum::http::{Method, StatusCode};
use rungs_core::person::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, hire_body, win};

// ---- duplicate keys --------------------------------------------------------------

#[tokio::test]
async fn a_key_repeated_in_a_body_is_refused_naming_it_and_records_nothing() {
    let app = TestApp::new().await;
    let a = app.hire("Alice Dup", None).await;
    let b = app.hire("Bob Dup", None).await;
    let before = app.counts().await;
    let top = format!(r#"{{"subject":"{a}","subject":"{b}","kind":"micro_progression","payload":{{"category":"skill","magnitude":"micro","title":"x"}}}}"#);
    let res = app.post_raw("/api/v1/events", &app.admin, top).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["subject"]);
    let nested = format!(r#"{{"subject":"{a}","kind":"micro_progression","payload":{{"category":"skill","magnitude":"micro","title":"x","title":"y"}}}}"#);
    let res = app.post_raw("/api/v1/events", &app.admin, nested).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["payload.title"]);
    let in_bulk = format!(r#"{{"events":[{w},{{"subject":"{a}","kind":"recognition","kind":"micro_progression","payload":{{}}}}]}}"#, w = win(a, "fine"));
    let res = app.post_raw("/api/v1/events/bulk", &app.admin, in_bulk).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["events[1].kind"]);
    // Typed bodies too: a token request that names two roles.
    let token = format!(r#"{{"person_id":"{a}","role":"employee","role":"admin","label":"x"}}"#);
    let res = app.post_raw("/api/v1/tokens", &app.admin, token).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["role"]);
    assert_eq!(app.counts().await, before);
    // The same key in two different objects is no duplicate.
    let ok = json!({"events": [win(a, "one"), win(b, "two")]});
    app.post_json("/api/v1/events/bulk", &app.admin, &ok).await.assert_status(StatusCode::CREATED);
}

// ---- Idempotency-Key: the same key with another body is a 422 on every route ------

/// Every route that takes `Idempotency-Key`, with two different bodies for it.
async fn keyed_routes(app: &TestApp) -> Vec<(Method, String, Value, Value)> {
    let a = app.hire("Ida Keyed", None).await;
    let manager = app.hire("Max Keyed", None).await;
    let opp = app.post_json("/api/v1/opportunities", &app.admin, &json!({"title": "Board", "competencies": ["testing"], "owner": manager})).await;
    opp.assert_status(StatusCode::CREATED);
    let opp = opp.json()["id"].as_str().unwrap().to_string();
    let opportunity = |category: &str| json!({"title": "Gig", "competencies": ["testing"], "category": category, "capacity": 2});
    vec![
        (Method::POST, "/api/v1/events".into(), win(a, "one"), win(a, "two")),
        (Method::POST, "/api/v1/events/bulk".into(), json!({"events": [win(a, "one")]}), json!({"events": [win(a, "two")]})),
        (Method::POST, "/api/v1/people".into(), hire_body("Key One", None), hire_body("Key Two", None)),
        (Method::PATCH, format!("/api/v1/people/{a}"), json!({"department": "One"}), json!({"department": "Two"})),
        (Method::POST, "/api/v1/opportunities".into(), opportunity("skill"), opportunity("mentoring")),
        (Method::POST, format!("/api/v1/opportunities/{opp}/applications"), json!({"note": "one"}), json!({"note": "two"})),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            json!({"person_id": a, "role": "employee", "label": "one"}),
            json!({"person_id": a, "role": "employee", "label": "two"}),
        ),
    ]
}

#[tokio::test]
async fn every_keyed_route_answers_422_to_its_key_with_another_body_and_changes_nothing() {
    let app = TestApp::new().await;
    for (method, path, first, second) in keyed_routes(&app).await {
        let key = format!("key-{path}");
        let headers = [("Idempotency-Key", key.as_str())];
        let send = |body: &Value| app.send(method.clone(), &path, Some(&app.admin), Some(body.to_string().into_bytes()), &headers);
        let res = send(&first).await;
        assert!(res.status.is_success(), "{method} {path}: {}", res.text());
        let before = app.counts().await;
        let boards = app.get("/api/v1/opportunities", &app.admin).await.json();
        let tokens = app.get("/api/v1/tokens", &app.admin).await.json();
        let res = send(&second).await;
        assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["Idempotency-Key"], "{method} {path}");
        // Whitespace is part of the body: the fingerprint covers exactly the bytes sent.
        let spaced = app.send(method.clone(), &path, Some(&app.admin), Some(format!(" {first}").into_bytes()), &headers).await;
        assert_eq!(spaced.fields(StatusCode::UNPROCESSABLE_ENTITY), ["Idempotency-Key"], "{method} {path}");
        assert_eq!(app.counts().await, before, "{method} {path}");
        assert_eq!(app.get("/api/v1/opportunities", &app.admin).await.json(), boards, "{method} {path}");
        assert_eq!(app.get("/api/v1/tokens", &app.admin).await.json(), tokens, "{method} {path}");
    }
}

#[tokio::test]
async fn an_opportunity_or_application_replayed_with_its_key_and_body_is_created_once() {
    let app = TestApp::new().await;
    let body = json!({"title": "Gig", "competencies": ["testing"], "category": "skill"});
    let first = app.post_json_with_key("/api/v1/opportunities", &app.admin, "opp-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.post_json_with_key("/api/v1/opportunities", &app.admin, "opp-1", &body).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.json()["id"], first.json()["id"]);
    let opp = first.json()["id"].as_str().unwrap().to_string();
    let someone = app.hire("Ann Applicant", None).await;
    let token = app.token_for(someone, Role::Employee).await;
    let path = format!("/api/v1/opportunities/{opp}/applications");
    let first = app.post_json_with_key(&path, &token, "app-1", &json!({"note": "me"})).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.post_json_with_key(&path, &token, "app-1", &json!({"note": "me"})).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.json()["id"], first.json()["id"]);
    let board = app.get("/api/v1/opportunities", &app.admin).await.json();
    assert_eq!(board["items"].as_array().unwrap().len(), 1, "{board}");
    assert_eq!(board["items"][0]["applications"].as_array().unwrap().len(), 1, "{board}");
}

// ---- the OpenAPI document ----------------------------------------------------------

/// The OpenAPI 3.1 meta-schema (2022-10-07), vendored from the PyPI package
/// `openapi-spec-validator` 0.9.0 (`resources/schemas/v3.1/schema.json`).
const OAS_31_SCHEMA: &str = include_str!("fixtures/openapi-3.1.schema.json");

#[test]
fn the_openapi_document_validates_against_the_openapi_3_1_meta_schema() {
    let doc = serde_json::to_value(rungs_web::openapi()).unwrap();
    let meta: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&meta).expect("the meta-schema compiles");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "the OpenAPI document is not valid OpenAPI 3.1:\n{}", errors.join("\n"));
    // The meta-schema leaves Schema Objects alone: each must be valid JSON Schema 2020-12.
    let mut schemas = vec![];
    collect_schemas(&doc, "", &mut schemas);
    assert!(schemas.len() > 50, "{}", schemas.len());
    for (at, schema) in schemas {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("{at} is not a valid JSON Schema: {e}\n{schema}");
        }
    }
}

/// Every `schema` value and every component schema, with where it is.
fn collect_schemas<'a>(v: &'a Value, at: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let here = format!("{at}/{k}");
                if k == "schema" {
                    out.push((here.clone(), child));
                }
                if at == "/components/schemas" {
                    out.push((here.clone(), child));
                }
                collect_schemas(child, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_schemas(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_ref_in_the_openapi_document_points_at_something() {
    let doc = serde_json::to_value(rungs_web::openapi()).unwrap();
    let mut refs = vec![];
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r} is not a local reference"));
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

#[tokio::test]
async fn query_parameters_the_schema_refuses_are_refused_naming_them() {
    let app = TestApp::new().await;
    let id = app.admin_id;
    for (path, field) in [
        ("/api/v1/opportunities?owner=".to_string(), "owner"),
        ("/api/v1/opportunities?status=".to_string(), "status"),
        ("/api/v1/opportunities?status=ok".to_string(), "status"),
        (format!("/api/v1/people/{id}/readiness?at="), "at"),
        (format!("/api/v1/people/{id}/packet?at="), "at"),
        ("/api/v1/framework/diff?to=0".to_string(), "to"),
        ("/api/v1/framework/suggest".to_string(), "text"),
    ] {
        assert_eq!(app.get(&path, &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), [field], "{path}");
    }
    // A `to` before `from` is an empty range, not an error the schema could not state.
    let res = app.get(&format!("/api/v1/people/{id}/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z&kind=hired,%20promotion"), &app.admin).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["items"], json!([]));
}

// ---- unexpected errors -------------------------------------------------------------

#[test]
fn an_unexpected_error_keeps_its_cause_chain_for_the_log_and_tells_the_client_nothing() {
    use rungs_app::AppError;
    use rungs_core::store::StoreError;
    let io = || std::io::Error::other("password=hunter2 in /var/lib/rungs/rungs.db");
    // A store error's cause survives the trip through the use case's error.
    let e = AppError::from(StoreError::context("column 3", io()));
    let AppError::Unexpected(cause) = &e else { panic!("{e:?}") };
    assert_eq!(rungs_core::error::report(cause), "column 3: password=hunter2 in /var/lib/rungs/rungs.db");
    assert!(std::error::Error::source(cause).is_some(), "the driver error is kept as the source, not flattened into a string");
    for e in [e, AppError::context("reading the issuer key file", io()), AppError::unexpected(io()), AppError::internal("the writer stopped")] {
        let api = rungs_web::ApiError::from(e);
        assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let p = serde_json::to_string(&api.problem()).unwrap();
        for secret in ["hunter2", "rungs.db", "column", "issuer", "writer"] {
            assert!(!p.contains(secret), "{p}");
        }
    }
}
