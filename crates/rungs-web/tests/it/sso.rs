//! OIDC single sign-on against a fake provider served over real HTTP in the test:
//! discovery, a JWKS the test can rotate, and a token endpoint that checks client
//! authentication and PKCE and returns the ID token the test asks for, signed with
//! real RSA keys (fixtures/sso_rsa_*.pem). Validation failures are asked of
//! `Provider::validate` directly; the whole flow goes through the router.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rungs_app::sso::{OidcConfig, Provider, SsoError};
use rungs_core::store::Store;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::TestResponse;

const CLIENT: &str = "rungs-client";
const SECRET: &str = "s3cret/with+odd=chars";

#[derive(Default)]
struct Idp {
    issuer: String,
    /// The JWKs published now.
    published: Vec<Value>,
    jwks_fetches: usize,
    /// code -> (S256 challenge it was issued for, the ID token to hand out).
    codes: HashMap<String, (String, String)>,
    /// Discovery leaves out `end_session_endpoint` (no RP-initiated logout).
    no_end_session: bool,
}

type Shared = Arc<Mutex<Idp>>;

fn jwk(n: u8) -> Value {
    let text = if n == 1 { include_str!("fixtures/sso_rsa_1.jwk.json") } else { include_str!("fixtures/sso_rsa_2.jwk.json") };
    serde_json::from_str(text).unwrap()
}

fn key(n: u8) -> EncodingKey {
    let pem: &[u8] = if n == 1 { include_bytes!("fixtures/sso_rsa_1.pem") } else { include_bytes!("fixtures/sso_rsa_2.pem") };
    EncodingKey::from_rsa_pem(pem).unwrap()
}

async fn discovery(State(s): State<Shared>) -> Json<Value> {
    let (iss, end_session) = {
        let idp = s.lock().unwrap();
        (idp.issuer.clone(), !idp.no_end_session)
    };
    let mut doc = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "jwks_uri": format!("{iss}/jwks"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
    });
    if end_session {
        doc["end_session_endpoint"] = json!(format!("{iss}/session/end?ui=plain"));
    }
    Json(doc)
}

async fn jwks(State(s): State<Shared>) -> Json<Value> {
    let mut idp = s.lock().unwrap();
    idp.jwks_fetches += 1;
    Json(json!({"keys": idp.published}))
}

/// The token endpoint: client_secret_basic (form-urlencoded parts), then PKCE.
async fn token(State(s): State<Shared>, headers: HeaderMap, body: String) -> (StatusCode, Json<Value>) {
    use base64::Engine;
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap();
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic ")).unwrap_or_default();
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(auth).unwrap_or_default()).unwrap_or_default();
    let expected = format!("{}:{}", form_encode(CLIENT), form_encode(SECRET));
    if decoded != expected {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"})));
    }
    let idp = s.lock().unwrap();
    let Some((challenge, id_token)) = idp.codes.get(form.get("code").map_or("", String::as_str)) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"})));
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if &computed != challenge || form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "PKCE verification failed"})));
    }
    (StatusCode::OK, Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token})))
}

fn form_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).unwrap().trim_start_matches("v=").to_string()
}

/// Start the fake provider; it publishes key 1.
async fn start_idp() -> Shared {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let shared: Shared = Arc::new(Mutex::new(Idp { issuer, published: vec![jwk(1)], ..Idp::default() }));
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(shared.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    shared
}

fn config(idp: &Shared) -> OidcConfig {
    let mut c = OidcConfig::new(&idp.lock().unwrap().issuer, CLIENT, Some(SECRET.into()), "http://rungs.test");
    c.clock_skew = Duration::from_secs(60);
    c
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a good token for `sub`/`email`, issued now, with `nonce`.
fn claims(idp: &Shared, sub: &str, email: &str, nonce: &str) -> Value {
    json!({"iss": idp.lock().unwrap().issuer, "aud": CLIENT, "sub": sub, "email": email, "email_verified": true,
           "name": "Sam Sso", "iat": now(), "exp": now() + 300, "nonce": nonce})
}

fn sign(claims: &Value, key_no: u8) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(format!("key-{key_no}"));
    jsonwebtoken::encode(&h, claims, &key(key_no)).unwrap()
}

async fn refused(p: &Provider, token: &str, nonce: &str) -> String {
    match p.validate(token, nonce, chrono::Utc::now()).await {
        Err(SsoError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_good_token_validates_and_bad_ones_are_refused_for_their_reason() {
    let idp = start_idp().await;
    let p = Provider::new(config(&idp)).unwrap();
    let good = claims(&idp, "sub-1", "Sam@Example.com", "n1");
    let c = p.validate(&sign(&good, 1), "n1", chrono::Utc::now()).await.unwrap();
    assert_eq!((c.subject.as_str(), c.email.as_deref(), c.email_verified), ("sub-1", Some("sam@example.com"), true));

    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    assert!(refused(&p, &sign(&good, 1), "another nonce").await.contains("nonce"));
    assert!(refused(&p, &sign(&with("aud", json!("someone-else")), 1), "n1").await.contains("aud"));
    assert!(refused(&p, &sign(&with("aud", json!([CLIENT, "other"])), 1), "n1").await.contains("azp"), "several audiences need azp = us");
    p.validate(
        &sign(
            &with("aud", json!([CLIENT, "other"]))
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("azp".into(), json!(CLIENT));
                    Value::Object(o)
                })
                .unwrap(),
            1,
        ),
        "n1",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(refused(&p, &sign(&with("iss", json!("https://evil.example")), 1), "n1").await.contains("issuer"));
    assert!(refused(&p, &sign(&with("exp", json!(now() - 120)), 1), "n1").await.contains("expired"));
    // Within the skew: expired 30 s ago, issued 30 s in the future: both accepted.
    p.validate(&sign(&with("exp", json!(now() - 30)), 1), "n1", chrono::Utc::now()).await.unwrap();
    p.validate(&sign(&with("iat", json!(now() + 30)), 1), "n1", chrono::Utc::now()).await.unwrap();
    assert!(refused(&p, &sign(&with("iat", json!(now() + 600)), 1), "n1").await.contains("future"), "beyond the skew");
    let mut no_nonce = good.clone();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    assert!(refused(&p, &sign(&no_nonce, 1), "n1").await.contains("no nonce"));

    // A symmetric token (HS256 keyed with anything, even the client secret) is refused
    // before any key is looked up, as is a token signed by a key nobody published.
    let hs = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &good, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap();
    assert!(refused(&p, &hs, "n1").await.contains("not allowed"));
    let mut forged_header = Header::new(Algorithm::RS256);
    forged_header.kid = Some("key-1".into());
    let forged = jsonwebtoken::encode(&forged_header, &good, &key(2)).unwrap();
    assert!(refused(&p, &forged, "n1").await.contains("signature"), "key 2 pretending to be key 1");
    // A tampered payload under a genuine signature.
    let genuine = sign(&good, 1);
    let mut parts: Vec<String> = genuine.split('.').map(str::to_string).collect();
    parts[1] = sign(&with("sub", json!("admin")), 1).split('.').nth(1).unwrap().to_string();
    assert!(refused(&p, &parts.join("."), "n1").await.contains("signature"));
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_an_unknown_one_is_refused() {
    let idp = start_idp().await;
    let p = Provider::new(config(&idp)).unwrap();
    p.validate(&sign(&claims(&idp, "s", "a@example.com", "n"), 1), "n", chrono::Utc::now()).await.unwrap();
    p.validate(&sign(&claims(&idp, "s", "a@example.com", "n"), 1), "n", chrono::Utc::now()).await.unwrap();
    assert_eq!(idp.lock().unwrap().jwks_fetches, 1, "the key set is cached");
    // The provider rotates: key 2 published, key 1 retired.
    idp.lock().unwrap().published = vec![jwk(2)];
    p.validate(&sign(&claims(&idp, "s", "a@example.com", "n"), 2), "n", chrono::Utc::now()).await.unwrap();
    assert_eq!(idp.lock().unwrap().jwks_fetches, 2, "an unknown kid refetched the set once");
    // A kid that is not published even after the refetch: refused, after one fetch.
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("key-9".into());
    let t = jsonwebtoken::encode(&h, &claims(&idp, "s", "a@example.com", "n"), &key(2)).unwrap();
    assert!(refused(&p, &t, "n").await.contains("key-9"));
    assert_eq!(idp.lock().unwrap().jwks_fetches, 3);
}

/// Rungs with single sign-on to the fake provider, over the router.
struct SsoApp {
    router: axum::Router,
    store: Arc<dyn Store>,
    idp: Shared,
    _dir: tempfile::TempDir,
}

impl SsoApp {
    async fn new(jit: bool, sso_only: bool) -> SsoApp {
        let idp = start_idp().await;
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.unwrap());
        rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.unwrap();
        let mut c = config(&idp);
        c.jit = jit;
        c.sso_only = sso_only;
        let state = rungs_web::AppState::new(store.clone()).with_sso(Provider::new(c).unwrap());
        SsoApp { router: rungs_web::router(state), store, idp, _dir: dir }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> TestResponse {
        let mut b = Request::builder().uri(uri).header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        crate::support::send_to(&self.router, b.body(Body::empty()).unwrap()).await
    }

    /// `/sso/start`: the authorization URL's query and the pending cookie.
    async fn start(&self) -> (HashMap<String, String>, String) {
        let res = self.get("/sso/start?next=/progress", None).await;
        res.assert_status(StatusCode::SEE_OTHER);
        let location = res.headers[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.starts_with(&format!("{}/authorize?", self.idp.lock().unwrap().issuer)), "{location}");
        let query: HashMap<String, String> = serde_urlencoded::from_str(location.split_once('?').unwrap().1).unwrap();
        let cookie = res.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("rungs_sso=")).unwrap();
        (query, cookie.split(';').next().unwrap().to_string())
    }

    /// The provider "signs in" `email`: a code bound to the PKCE challenge, for a
    /// token carrying the flow's nonce (or `nonce` instead).
    fn issue_code(&self, q: &HashMap<String, String>, sub: &str, email: &str, nonce: Option<&str>) -> String {
        let token = sign(&claims(&self.idp, sub, email, nonce.unwrap_or(&q["nonce"])), 1);
        let code = format!("code-{sub}-{}", q["state"].len());
        self.idp.lock().unwrap().codes.insert(code.clone(), (q["code_challenge"].clone(), token));
        code
    }
}

fn session_cookie(res: &TestResponse) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("rungs_session=") && !c.starts_with("rungs_session=;"))
        .map(|c| c.split(';').next().unwrap().to_string())
}

#[tokio::test]
async fn the_code_flow_signs_a_verified_email_in_and_links_the_account() {
    let app = SsoApp::new(false, false).await;
    let (q, pending) = app.start().await;
    assert_eq!((q["response_type"].as_str(), q["code_challenge_method"].as_str(), q["client_id"].as_str()), ("code", "S256", CLIENT));
    assert_eq!(q["redirect_uri"], "http://rungs.test/sso/callback");
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    let code = app.issue_code(&q, "sub-ada", "ADA@example.com", None);

    // A callback whose state is not this browser's is refused, and nothing is exchanged.
    let res = app.get(&format!("/sso/callback?code={code}&state=not-mine"), Some(&pending)).await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(session_cookie(&res).is_none());
    // Without the pending cookie (another browser): refused too.
    app.get(&format!("/sso/callback?code={code}&state={}", q["state"]), None).await.assert_status(StatusCode::BAD_REQUEST);

    let res = app.get(&format!("/sso/callback?code={code}&state={}", q["state"]), Some(&pending)).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.headers[header::LOCATION], "/progress", "back where the person was going");
    let session = session_cookie(&res).expect("a session");
    let home = app.get("/", Some(&session)).await;
    home.assert_status(StatusCode::OK);
    assert!(home.text().contains("Ada"), "signed in as Ada");
    let issuer = app.idp.lock().unwrap().issuer.clone();
    let link = app.store.sso_link(&issuer, "sub-ada").await.unwrap();
    let ada = app.store.person_by_email(link.org_id, "ada@example.com").await.unwrap();
    assert_eq!(link.person_id, ada.id, "the (issuer, sub) link is stored");

    // Signing out ends the Rungs session.
    let csrf = rungs_app::accounts::csrf_token(session.trim_start_matches("rungs_session="));
    let out = crate::support::send_to(
        &app.router,
        Request::post("/logout")
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap(),
    )
    .await;
    out.assert_status(StatusCode::SEE_OTHER);
    app.get("/", Some(&session)).await.assert_status(StatusCode::SEE_OTHER);
}

impl SsoApp {
    /// A full sign-in of `sub`/`email`: the session cookie and the ID-token hint
    /// cookie (as the browser sends it back to `/logout`).
    async fn sign_in(&self, sub: &str, email: &str) -> (String, Option<String>) {
        let (q, pending) = self.start().await;
        let code = self.issue_code(&q, sub, email, None);
        let res = self.get(&format!("/sso/callback?code={code}&state={}", q["state"]), Some(&pending)).await;
        res.assert_status(StatusCode::SEE_OTHER);
        let hint = res.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("rungs_sso_hint="));
        if let Some(h) = hint {
            assert!(h.contains("Path=/logout") && h.contains("HttpOnly"), "only /logout receives the ID token: {h}");
        }
        (session_cookie(&res).expect("a session"), hint.map(|h| h.split(';').next().unwrap().to_string()))
    }

    /// `POST /logout` with these cookies: the response.
    async fn logout(&self, cookies: &[&str]) -> TestResponse {
        let session = cookies.iter().find(|c| c.starts_with("rungs_session=")).unwrap();
        let csrf = rungs_app::accounts::csrf_token(session.trim_start_matches("rungs_session="));
        let req = Request::post("/logout")
            .header(header::COOKIE, cookies.join("; "))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap();
        crate::support::send_to(&self.router, req).await
    }
}

/// Where a page's `<meta http-equiv="refresh">` sends the browser (HTML-unescaped).
fn refresh_url(html: &str) -> String {
    let start = html.find("http-equiv=\"refresh\" content=\"0; url=").expect("a meta refresh") + "http-equiv=\"refresh\" content=\"0; url=".len();
    let end = start + html[start..].find('"').unwrap();
    [("&#x2f;", "/"), ("&quot;", "\""), ("&#x27;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
        .iter()
        .fold(html[start..end].to_string(), |acc, (from, to)| acc.replace(from, to))
}

#[tokio::test]
async fn signing_out_of_an_sso_session_ends_it_here_and_at_the_provider() {
    let app = SsoApp::new(false, false).await;
    let (session, hint) = app.sign_in("sub-ada", "ada@example.com").await;
    let hint = hint.expect("the ID token is kept for the sign-out");
    let id_token = hint.trim_start_matches("rungs_sso_hint=").to_string();
    assert_eq!(id_token.split('.').count(), 3, "a JWT: {id_token}");
    let out = app.logout(&[&session, &hint]).await;
    // Off to the provider's end_session_endpoint (its own query kept) with the hint,
    // the client and the way back to the sign-in page (RP-Initiated Logout 1.0 §2) —
    // from a page of ours (meta refresh and a link): browsers refuse a form POST's
    // redirect to another origin under the pages' `form-action 'self'`.
    out.assert_status(StatusCode::OK);
    assert_eq!(out.headers[header::CACHE_CONTROL], "no-store");
    let page = out.text();
    let to = refresh_url(&page);
    assert!(page.contains("Continue to "), "a link for browsers that do not refresh: {page}");
    let issuer = app.idp.lock().unwrap().issuer.clone();
    assert!(to.starts_with(&format!("{issuer}/session/end?")), "{to}");
    let q: HashMap<String, String> = serde_urlencoded::from_str(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(q.get("ui").map(String::as_str), Some("plain"));
    assert_eq!(q.get("id_token_hint"), Some(&id_token));
    assert_eq!(q.get("client_id").map(String::as_str), Some(CLIENT));
    assert_eq!(q.get("post_logout_redirect_uri").map(String::as_str), Some("http://rungs.test/login"));
    // The Rungs session is over, and both cookies are cleared.
    app.get("/", Some(&session)).await.assert_status(StatusCode::SEE_OTHER);
    let cleared: Vec<&str> = out.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cleared.iter().any(|c| c.starts_with("rungs_session=;") && c.contains("Max-Age=0")), "{cleared:?}");
    assert!(cleared.iter().any(|c| c.starts_with("rungs_sso_hint=;") && c.contains("Path=/logout") && c.contains("Max-Age=0")), "{cleared:?}");

    // Without the hint (a cookie the browser lost): the Rungs session still ends, and
    // the sign-out page is Rungs' own.
    let (session, _) = app.sign_in("sub-ada", "ada@example.com").await;
    let out = app.logout(&[&session]).await;
    assert_eq!(out.headers[header::LOCATION], "/login");
    app.get("/", Some(&session)).await.assert_status(StatusCode::SEE_OTHER);

    // A password session never sends anyone to the provider.
    rungs_app::accounts::set_password(
        app.store.as_ref(),
        app.store.default_org().await.unwrap().unwrap().id,
        "ada@example.com",
        None,
        "a long enough password",
    )
    .await
    .unwrap();
    let throttle = rungs_app::accounts::LoginThrottle::default();
    let s = rungs_app::accounts::login(app.store.as_ref(), &throttle, "ada@example.com", "a long enough password", None).await.unwrap();
    let out = app.logout(&[&format!("rungs_session={}", s.secret)]).await;
    assert_eq!(out.headers[header::LOCATION], "/login");
}

#[tokio::test]
async fn without_an_end_session_endpoint_or_when_asked_to_keep_it_the_provider_session_is_left_alone() {
    // The provider offers no RP-initiated logout.
    let app = SsoApp::new(false, false).await;
    app.idp.lock().unwrap().no_end_session = true;
    let (session, hint) = app.sign_in("sub-ada", "ada@example.com").await;
    let out = app.logout(&[&session, &hint.unwrap()]).await;
    assert_eq!(out.headers[header::LOCATION], "/login");
    app.get("/", Some(&session)).await.assert_status(StatusCode::SEE_OTHER);

    // The server keeps provider sessions (--oidc-keep-provider-session).
    let idp = start_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("rungs.db")).await.unwrap());
    rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada Admin").await.unwrap();
    let mut c = config(&idp);
    c.provider_logout = false;
    let state = rungs_web::AppState::new(store.clone()).with_sso(Provider::new(c).unwrap());
    let app = SsoApp { router: rungs_web::router(state), store, idp, _dir: dir };
    let (session, hint) = app.sign_in("sub-ada", "ada@example.com").await;
    let out = app.logout(&[&session, &hint.unwrap()]).await;
    assert_eq!(out.headers[header::LOCATION], "/login");
    app.get("/", Some(&session)).await.assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_replayed_nonce_an_unknown_email_and_jit_provisioning() {
    let app = SsoApp::new(false, false).await;
    // A token minted for another flow (its nonce is not this browser's): refused.
    let (q, pending) = app.start().await;
    let code = app.issue_code(&q, "sub-ada", "ada@example.com", Some("stolen-nonce"));
    let res = app.get(&format!("/sso/callback?code={code}&state={}", q["state"]), Some(&pending)).await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(res.text().contains("nonce"), "{}", res.text());

    // Nobody has this email and just-in-time provisioning is off: refused, nobody hired.
    let before = app.store.stats().await.unwrap();
    let (q, pending) = app.start().await;
    let code = app.issue_code(&q, "sub-new", "newcomer@example.com", None);
    let res = app.get(&format!("/sso/callback?code={code}&state={}", q["state"]), Some(&pending)).await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(res.text().contains("newcomer@example.com"));
    assert_eq!(app.store.stats().await.unwrap().people, before.people);

    // With JIT on, the same sign-in hires them (a `hired` event) and signs them in.
    let app = SsoApp::new(true, false).await;
    let (q, pending) = app.start().await;
    let code = app.issue_code(&q, "sub-new", "newcomer@example.com", None);
    let res = app.get(&format!("/sso/callback?code={code}&state={}", q["state"]), Some(&pending)).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(session_cookie(&res).is_some());
    let issuer = app.idp.lock().unwrap().issuer.clone();
    let link = app.store.sso_link(&issuer, "sub-new").await.unwrap();
    let p = app.store.person(link.org_id, link.person_id).await.unwrap();
    assert_eq!((p.name.as_str(), p.email.as_str()), ("Sam Sso", "newcomer@example.com"));
    let events = app.store.subject_events(link.org_id, p.id).await.unwrap();
    assert_eq!(events.first().map(|e| e.body.kind().as_str()), Some("hired"), "on the ledger as a hire");
}

#[tokio::test]
async fn sso_only_hides_the_password_form_and_refuses_a_password_post() {
    let app = SsoApp::new(false, true).await;
    rungs_app::accounts::set_password(
        app.store.as_ref(),
        app.store.default_org().await.unwrap().unwrap().id,
        "ada@example.com",
        None,
        "a long enough password",
    )
    .await
    .unwrap();
    let page = app.get("/login", None).await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Sign in with your company account") && html.contains("start?next=%2F"), "the SSO button");
    assert!(!html.contains("type=\"password\""), "no password field");
    let res = crate::support::send_to(
        &app.router,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("email=ada%40example.com&password=a+long+enough+password&csrf=x&next=%2F"))
            .unwrap(),
    )
    .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(session_cookie(&res).is_none(), "the correct password opened nothing");
}
