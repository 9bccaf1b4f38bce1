//! Authorization before validation (issue 10, defect 10a): a caller without the role
//! gets the refusal whatever they send, never field details about their input.
//! Generated from the OpenAPI document: every operation marked for the people team
//! (`security: bearer: [admin]`) gets malformed requests from each other role; every
//! other operation that reads a body shows its malformed body is refused as such
//! (so an unmarked people-team route would show up as a 403 there).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rungs_core::person::Role;
use serde_json::Value;

use crate::support::{TestApp, TestResponse};

/// A request as broken as it can be while still reaching the handler's route:
/// bad path ids, junk query values, a bad `Idempotency-Key`, and a body that is
/// truncated JSON, JSON of the wrong shape, or not JSON at all.
fn malformed(method: &Method, path: &str, token: &str, variant: usize) -> Request<Body> {
    let path = path.split('/').map(|seg| if seg.starts_with('{') { "not-an-id" } else { seg }).collect::<Vec<_>>().join("/");
    let uri = format!("{path}?commit=maybe&track=&file=&limit=0&confirm=%00");
    let (ct, body): (&str, &[u8]) = match variant {
        0 => ("application/json", b"{\"name\": 5,"),
        1 => ("application/json", b"{\"unexpected\": [1, 2, 3]}"),
        _ => ("text/plain", b"\x00\x01 not json"),
    };
    Request::builder()
        .method(method.clone())
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .header("Idempotency-Key", "k".repeat(500))
        .body(Body::from(body.to_vec()))
        .unwrap()
}

/// Every operation of the document: (method, path, for the people team only, reads a body).
fn operations() -> Vec<(Method, String, bool, bool)> {
    let doc = serde_json::to_value(rungs_web::openapi()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let Ok(method) = m.to_uppercase().parse::<Method>() else { continue };
            let Some(security) = op.get("security").and_then(Value::as_array) else { continue };
            let admin = security.iter().any(|s| s["bearer"].as_array().is_some_and(|r| r.iter().any(|x| x == "admin")));
            ops.push((method, path.clone(), admin, op.get("requestBody").is_some()));
        }
    }
    ops
}

#[tokio::test]
async fn people_team_routes_refuse_other_roles_before_reading_their_input() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let ops = operations();
    let admin_ops: Vec<_> = ops.iter().filter(|o| o.2).collect();
    assert!(admin_ops.len() >= 7, "the people team's operations are marked in the document: {admin_ops:?}");
    for (method, path, _, _) in &admin_ops {
        for variant in 0..3 {
            for (role, token) in [(Role::Employee, &t.report), (Role::Manager, &t.manager)] {
                let res: TestResponse = app.request(malformed(method, path, token, variant)).await;
                let p = res.json();
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{method} {path} as {role:?}, body variant {variant}: {p}");
                assert_eq!(p["errors"], serde_json::json!([]), "no field details: {p}");
            }
            // The same request from the people team is refused as malformed: the sweep
            // really sends bad input.
            let res = app.request(malformed(method, path, &app.admin, variant)).await;
            assert!(res.status.is_client_error() && res.status != StatusCode::FORBIDDEN, "{method} {path} as admin: {} {}", res.status, res.text());
        }
    }
    // Routes open to every role read their body first (what they may do depends on
    // it); a malformed one is a 4xx about the input, never a 403 — which is also what
    // would catch a people-team route missing its mark.
    for (method, path, _, _) in ops.iter().filter(|o| !o.2 && o.3) {
        let res = app.request(malformed(method, path, &t.report, 0)).await;
        assert!(res.status.is_client_error() && res.status != StatusCode::FORBIDDEN, "{method} {path}: {} {}", res.status, res.text());
    }
}

/// The people-team form posts check the role before reading the upload.
#[tokio::test]
async fn people_team_forms_refuse_other_roles_before_reading_the_upload() {
    let app = TestApp::new().await;
    app.team().await;
    let post = |path: &str, cookie: &str, ct: &str, body: &str| {
        let req = Request::builder().method(Method::POST).uri(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, ct);
        app.request(req.body(Body::from(body.to_string())).unwrap())
    };
    let employee = app.sign_in("rex.report@example.com", Role::Employee).await;
    let manager = app.sign_in("mona.manager@example.com", Role::Manager).await;
    let admin = app.sign_in("ada@example.com", Role::Admin).await;
    for path in ["/people/import", "/framework/import", "/framework/matrix"] {
        for (ct, body) in [("multipart/form-data; boundary=x", "--x\r\nbroken"), ("text/plain", "not a form")] {
            for (who, b) in [("employee", &employee), ("manager", &manager)] {
                let res = post(path, &b.cookie, ct, body).await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} as {who} with {ct}: {}", res.text());
            }
            let res = post(path, &admin.cookie, ct, body).await;
            assert!(res.status.is_client_error() && res.status != StatusCode::FORBIDDEN, "{path} as admin with {ct}: {}", res.status);
        }
    }
}
