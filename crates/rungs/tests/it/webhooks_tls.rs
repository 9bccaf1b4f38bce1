//! Webhooks to an `https://` receiver (docs/WEBHOOKS.md): a TLS server on loopback
//! with a certificate signed by an internal CA made by `openssl` for the test (a
//! bare `openssl req -x509` certificate is a CA, which TLS refuses as a server's
//! own: the delivery log says so in words). Trusted through
//! the dispatcher's extra roots (`RUNGS_WEBHOOK_CA_FILE` in a server), every event
//! arrives once, signed; without it the certificate is refused and the reason is in
//! the delivery log — nothing is sent in the clear.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rungs_app::Viewer;
use rungs_app::webhooks::{self, Dispatcher, SystemClock};
use rungs_core::event::EventInput;
use rungs_core::store::Store;
use rungs_core::webhooks::{DeliveryStatus, SubscriptionInput, verify};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::support::*;

/// An internal CA and a receiver certificate for 127.0.0.1 and localhost signed by
/// it, as an operator makes them with `openssl`: (CA PEM, receiver cert PEM, receiver
/// key PEM). The CA is what `RUNGS_WEBHOOK_CA_FILE` names.
fn internal_ca(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let p = |name: &str| dir.join(name);
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl").current_dir(dir).args(args).output().expect("the openssl tool");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(&[&["req", "-x509"][..], &ec, &["-days", "2", "-subj", "/CN=Acme internal CA", "-keyout", "ca.key", "-out", "ca.pem"]].concat());
    openssl(&[&["req"][..], &ec, &["-subj", "/CN=localhost", "-keyout", "hook.key", "-out", "hook.csr"]].concat());
    std::fs::write(p("ext.cnf"), "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "hook.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "hook.pem",
    ]);
    (p("ca.pem"), p("hook.pem"), p("hook.key"))
}

/// What the receiver got: each POST's (headers, body).
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// An HTTPS receiver answering 200 to every POST; keeps each (headers, body).
async fn tls_receiver(cert: &std::path::Path, key: &std::path::Path) -> (String, Received) {
    let certs = vec![CertificateDer::from_pem_file(cert).unwrap()];
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    // ring is the provider this tree builds (no aws-lc); its post-quantum-less default
    // is fine for a test receiver on localhost.
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    let got: Received = Arc::default();
    let keep = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, got) = (acceptor.clone(), keep.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else { return };
                let mut buf = Vec::new();
                loop {
                    let mut chunk = [0u8; 8192];
                    let end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i;
                        }
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let len: usize = head
                        .lines()
                        .filter_map(|l| l.split_once(':'))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.trim().parse().ok())
                        .unwrap_or(0);
                    let mut body = buf[end + 4..].to_vec();
                    while body.len() < len {
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => body.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf = body.split_off(len);
                    got.lock().unwrap().push((head, body));
                    if tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_receiver_behind_a_trusted_internal_ca_gets_every_event() {
    let dir = tempdir();
    let (ca, cert, key) = internal_ca(dir.path());
    let (url, got) = tls_receiver(&cert, &key).await;
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("tls.db")).await.unwrap());
    let done = rungs_app::org::init(store.as_ref(), "Acme", "admin@acme.test", "Ada Admin").await.unwrap();
    let viewer = Viewer::system(done.org.id);
    let sub = webhooks::create(store.as_ref(), &viewer, &SubscriptionInput { url: url.clone(), description: None, kinds: vec![] }, Utc::now()).await.unwrap();
    let config = || rungs_app::webhooks::Config { poll: Duration::from_millis(20), timeout: Duration::from_secs(5), ..rungs_app::webhooks::Config::from_env() };

    // Not trusted: the handshake fails, the reason is logged, nothing is accepted.
    let untrusting = Dispatcher::new(store.clone(), Arc::new(SystemClock), config());
    let event = |title: &str| EventInput {
        subject: json!(done.admin.id.to_string()),
        kind: json!("micro_progression"),
        payload: json!({"category": "skill", "magnitude": "nano", "title": title}),
        ..EventInput::default()
    };
    rungs_app::events::record(store.as_ref(), &viewer, vec![event("Over TLS")], None).await.unwrap();
    untrusting.tick().await.unwrap();
    assert!(got.lock().unwrap().is_empty());
    let log = webhooks::deliveries(store.as_ref(), &viewer, Some(sub.subscription.id), None, None, Some(10)).await.unwrap();
    let (_, attempts) = webhooks::delivery(store.as_ref(), &viewer, log[0].id).await.unwrap();
    let why = attempts[0].error.clone().unwrap_or_default();
    assert!(why.to_lowercase().contains("certificate") || why.to_lowercase().contains("tls") || why.contains("connect"), "{why}");

    // Trusted: the retry is delivered over TLS, signed, and so is the next event.
    let mut trusting = Dispatcher::new(store.clone(), Arc::new(SystemClock), config());
    trusting.trust(&std::fs::read(&ca).unwrap()).unwrap();
    assert!(trusting.trust(b"not a certificate").is_err());
    rungs_app::events::record(store.as_ref(), &viewer, vec![event("Again over TLS")], None).await.unwrap();
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while got.lock().unwrap().len() < 2 {
        if std::time::Instant::now() > until {
            let log = webhooks::deliveries(store.as_ref(), &viewer, Some(sub.subscription.id), None, None, Some(10)).await.unwrap();
            let mut why = vec![];
            for d in &log {
                why.push(format!("{:?}", webhooks::delivery(store.as_ref(), &viewer, d.id).await.unwrap().1));
            }
            panic!("both events over TLS within a minute (backoff included); attempts: {why:?}");
        }
        trusting.tick().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "each event once");
    for (head, body) in &got {
        let h =
            |name: &str| head.lines().filter_map(|l| l.split_once(':')).find(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string());
        let sig = h("Rungs-Signature").expect("signed");
        assert!(verify(&sub.secret, &sig, body, Utc::now(), chrono::Duration::minutes(5)), "a valid signature: {sig}");
    }
    let log = webhooks::deliveries(store.as_ref(), &viewer, Some(sub.subscription.id), None, None, Some(10)).await.unwrap();
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Delivered), "{log:?}");
}
