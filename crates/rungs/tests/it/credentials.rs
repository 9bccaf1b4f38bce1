//! The credential issuer over real HTTP: `init` creates a private key file beside the
//! database, `serve --public-url` publishes it as did:web at `/.well-known/did.json`
//! and the issuer profile at `/issuer`, and the key survives restarts.

use crate::support::*;

async fn get_json(base: &str, path: &str) -> serde_json::Value {
    let res = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_creates_a_private_issuer_key_that_serve_publishes_as_did_web() {
    let dir = tempdir();
    let db = db(dir.path(), "r.db");
    let out = run(&["init", "--db", &db, "--admin-email", "admin@acme.test", "--org-name", "Acme"], 0);
    let key_file = format!("{db}.issuer-key");
    assert!(stdout(&out).contains(&key_file), "{}", stdout(&out));
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(&key_file).unwrap();

    let server = Server::start_with(&db, &[("RUNGS_PUBLIC_URL", "https://rungs.acme.test")], None);
    let doc = get_json(&server.base, "/.well-known/did.json").await;
    assert_eq!(doc["id"], "did:web:rungs.acme.test");
    let method = &doc["verificationMethod"][0];
    assert_eq!(method["id"], "did:web:rungs.acme.test#key-1");
    assert_eq!(method["type"], "Multikey");
    let public = method["publicKeyMultibase"].as_str().unwrap().to_string();
    assert!(public.starts_with("z6Mk"), "{public}");
    assert_eq!(doc["assertionMethod"][0], "did:web:rungs.acme.test#key-1");
    let profile = get_json(&server.base, "/issuer").await;
    assert_eq!(profile["id"], "did:web:rungs.acme.test");
    assert_eq!(profile["name"], "Acme");
    assert_eq!(profile["url"], "https://rungs.acme.test");
    assert_eq!(profile["type"][0], "Profile");
    drop(server);

    // Restarted without a public URL: the same key, now as its did:key; the file is untouched.
    let server = Server::start(&db);
    let doc = get_json(&server.base, "/.well-known/did.json").await;
    assert_eq!(doc["id"], format!("did:key:{public}"));
    assert_eq!(doc["verificationMethod"][0]["publicKeyMultibase"], public.as_str());
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), secret);
    drop(server);

    // A credential signed with key-1, then `rotate-key`: after a restart key-2 signs
    // new credentials, the DID document lists both, and the old one still verifies.
    let url = "https://rungs.acme.test";
    let token = stdout(&run(&["token", "create", "--db", &db, "--email", "admin@acme.test", "--role", "admin"], 0)).trim().to_string();
    let server = Server::start_with(&db, &[("RUNGS_PUBLIC_URL", url)], None);
    let http = reqwest::Client::new();
    let me: serde_json::Value = http.get(format!("{}/api/v1/me", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let admin = me["person"]["id"].as_str().unwrap().to_string();
    let scope = |s: &str| serde_json::json!({"subject": admin, "kind": "micro_promotion", "payload": {"scope": s}});
    for s in ["team coordinator", "release captain"] {
        let r = http.post(format!("{}/api/v1/events", server.base)).bearer_auth(&token).json(&scope(s)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    let events: serde_json::Value =
        http.get(format!("{}/api/v1/people/{admin}/events?kind=micro_promotion", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let ids: Vec<String> = events["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2, "{events}");
    let issue = |event: &str| stdout(&run(&["credential", "issue", "--db", &db, "--public-url", url, "--email", "admin@acme.test", "--event", event], 0));
    let old_id = issue(&ids[0]).split_whitespace().next().unwrap().to_string();
    let old = get_json(&server.base, &format!("/credentials/{old_id}")).await;
    assert_eq!(old["proof"]["verificationMethod"], "did:web:rungs.acme.test#key-1");
    drop(server);

    let out = run(&["credential", "rotate-key", "--db", &db], 0);
    assert!(stdout(&out).contains("key-2 now signs"), "{}", stdout(&out));
    let rotated = std::fs::read_to_string(&key_file).unwrap();
    assert!(rotated.contains(secret.lines().rfind(|l| l.starts_with("key-1")).unwrap()), "key-1 kept");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600, "still private");
    }
    let server = Server::start_with(&db, &[("RUNGS_PUBLIC_URL", url)], None);
    let doc = get_json(&server.base, "/.well-known/did.json").await;
    assert_eq!(doc["assertionMethod"], serde_json::json!(["did:web:rungs.acme.test#key-2", "did:web:rungs.acme.test#key-1"]), "the signing key first");
    let new_id = issue(&ids[1]).split_whitespace().next().unwrap().to_string();
    let new = get_json(&server.base, &format!("/credentials/{new_id}")).await;
    assert_eq!(new["proof"]["verificationMethod"], "did:web:rungs.acme.test#key-2");
    for doc in [old, new] {
        let v: serde_json::Value = http.post(format!("{}/api/v1/credentials/verify", server.base)).json(&doc).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["valid"], true, "{v}");
    }
}

#[test]
fn a_public_url_with_a_path_stops_serve_with_a_message_naming_it() {
    let dir = tempdir();
    let db = db(dir.path(), "r.db");
    init(&db);
    let out =
        rungs().args(["serve", "--db", &db, "--listen", &format!("127.0.0.1:{}", free_port()), "--public-url", "https://acme.test/rungs"]).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("public_url") && stderr(&out).contains("no path"), "{}", stderr(&out));
}

/// Issue → publish → verify → revoke → verify, across the CLI and real HTTP: the
/// credential `rungs credential issue` signs is served at its URL (JSON-LD and baked
/// PNG), verifies through the public endpoint, is revoked once by the people team,
/// and then verifies as revoked through the endpoint and the CLI alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_credential_is_published_verified_and_revoked() {
    let dir = tempdir();
    let db = db(dir.path(), "r.db");
    let token = init(&db);
    let url = "https://rungs.acme.test";
    let server = Server::start_with(&db, &[("RUNGS_PUBLIC_URL", url)], None);
    let http = reqwest::Client::new();
    let bearer = format!("Bearer {token}");
    let post = |path: &str, body: serde_json::Value| http.post(format!("{}{path}", server.base)).header("authorization", &bearer).json(&body).send();
    let ada = post(
        "/api/v1/people",
        serde_json::json!({"name": "Ada", "email": "ada@acme.test", "position": {"track": "engineering", "level": "e2", "title": "Engineer"}}),
    )
    .await
    .unwrap();
    assert_eq!(ada.status().as_u16(), 201);
    let ada = ada.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let e = post("/api/v1/events", serde_json::json!({"subject": ada, "kind": "micro_promotion", "payload": {"scope": "team coordinator"}})).await.unwrap();
    assert_eq!(e.status().as_u16(), 201, "{}", e.text().await.unwrap());

    let out = run(&["credential", "issue", "--db", &db, "--public-url", url, "--email", "ada@acme.test"], 0);
    let line = stdout(&out);
    let id = line.split_whitespace().next().expect("an id").to_string();
    assert!(line.contains(&format!("{url}/credentials/{id}")), "{line}");
    // Again: the same one.
    let again = run(&["credential", "issue", "--db", &db, "--public-url", url, "--email", "ada@acme.test"], 0);
    assert_eq!(stdout(&again), line);

    let res = reqwest::get(format!("{}/credentials/{id}", server.base)).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    let credential: serde_json::Value = res.json().await.unwrap();
    assert_eq!(credential["id"], format!("{url}/credentials/{id}"));
    assert_eq!(credential["issuer"]["id"], "did:web:rungs.acme.test");
    let png = reqwest::get(format!("{}/credentials/{id}.png", server.base)).await.unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    assert!(png.windows(19).any(|w| w == b"openbadgecredential"));

    let verify = |doc: serde_json::Value| http.post(format!("{}/api/v1/credentials/verify", server.base)).json(&doc).send();
    let v: serde_json::Value = verify(credential.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(v["valid"], true, "{v}");

    let revoke = |reason: &str| post(&format!("/api/v1/credentials/{id}/revoke"), serde_json::json!({"reason": reason}));
    let empty = revoke("").await.unwrap();
    assert_eq!(empty.status().as_u16(), 422);
    let done = revoke("recorded for the wrong person").await.unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert_eq!(revoke("again").await.unwrap().status().as_u16(), 409);

    let list_url = credential["credentialStatus"]["statusListCredential"].as_str().unwrap().replace(url, &server.base);
    let list: serde_json::Value = reqwest::get(list_url).await.unwrap().json().await.unwrap();
    assert_eq!(list["type"][1], "BitstringStatusListCredential");
    assert!(list["proof"]["proofValue"].is_string());
    let v: serde_json::Value = verify(credential.clone()).await.unwrap().json().await.unwrap();
    assert_eq!((v["valid"].clone(), v["revoked"].clone(), v["signature"]["ok"].clone()), (false.into(), true.into(), true.into()), "{v}");

    // The same file, verified by the CLI in another process: revoked, signature intact.
    let file = dir.path().join("credential.json");
    std::fs::write(&file, serde_json::to_vec(&credential).unwrap()).unwrap();
    let out = rungs().args(["credential", "verify", "--db", &db, "--public-url", url, file.to_str().unwrap()]).output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("signature  ok"), "{text}");
    assert!(text.starts_with("NOT VALID"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("revoked"), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
}
