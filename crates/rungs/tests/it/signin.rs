//! The sign-in form's CSRF key across processes: `RUNGS_SECRET_KEY` shared by two
//! instances lets a form fetched from one be posted to the other; a key too short
//! stops `serve` with a message naming it.

use crate::support::*;

async fn form_token(client: &reqwest::Client, base: &str) -> String {
    let res = client.get(format!("{base}/login")).send().await.unwrap();
    let c = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("rungs_login_csrf=")).unwrap();
    c.trim_start_matches("rungs_login_csrf=").split(';').next().unwrap().to_string()
}

async fn post_wrong_password(client: &reqwest::Client, base: &str, token: &str) -> u16 {
    let body = format!("email=admin%40acme.test&password=wrong+password&csrf={token}&next=%2F");
    let res = client
        .post(format!("{base}/login"))
        .header("cookie", format!("rungs_login_csrf={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_the_secret_key_accept_each_others_sign_in_forms() {
    let dir = tempdir();
    let db = db(dir.path(), "r.db");
    init(&db);
    let key = ("RUNGS_SECRET_KEY", "0123456789abcdef0123456789abcdef-test");
    let (a, b, lone) = (Server::start_with(&db, &[key], None), Server::start_with(&db, &[key], None), Server::start(&db));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let token = form_token(&client, &a.base).await;
    assert_eq!(post_wrong_password(&client, &b.base, &token).await, 401, "same key: the form is accepted, the password checked");
    assert_eq!(post_wrong_password(&client, &lone.base, &token).await, 403, "another key: the form is refused");

    let out = rungs().args(["serve", "--db", &db, "--listen", &format!("127.0.0.1:{}", free_port())]).env("RUNGS_SECRET_KEY", "too short").output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("RUNGS_SECRET_KEY must be at least 32 characters"), "{}", stderr(&out));
}
