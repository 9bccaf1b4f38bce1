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
