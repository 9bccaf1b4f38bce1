//! The web pages, in process: every page renders for its role, hostile text is
//! escaped, forms need their CSRF token, sessions and cookies behave.

use axum::http::{Method, StatusCode, header};
use rungs_core::PersonId;
use rungs_core::person::Role;
use serde_json::json;

use crate::support::*;

const PASSWORD: &str = "a long test password";

/// A signed-in browser: its session cookie and CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub async fn sign_in(&self, email: &str, role: Role) -> Browser {
        rungs_app::accounts::set_password(self.store.as_ref(), self.org, email, Some(role), PASSWORD).await.expect("set password");
        let login = self.send(Method::GET, "/login", None, None, &[]).await;
        login.assert_status(StatusCode::OK);
        let pre = set_cookie_value(&login, "rungs_login_csrf");
        let body = form(&[("email", email), ("password", PASSWORD), ("csrf", &pre), ("next", "/")]);
        let res = self.form_post("/login", &format!("rungs_login_csrf={pre}"), body, &[]).await;
        res.assert_status(StatusCode::SEE_OTHER);
        let cookie = format!("rungs_session={}", set_cookie_value(&res, "rungs_session"));
        let home = self.page("/", &cookie).await;
        home.assert_status(StatusCode::OK);
        let csrf = hidden(&home.text(), "csrf");
        Browser { cookie, csrf }
    }

    pub async fn page(&self, path: &str, cookie: &str) -> TestResponse {
        self.send(Method::GET, path, None, None, &[(header::COOKIE.as_str(), cookie), ("accept", "text/html")]).await
    }

    /// POST a multipart form (text fields and an optional file) with the session cookie.
    pub async fn multipart_post(
        &self,
        path: &str,
        cookie: &str,
        fields: Vec<(&'static str, String)>,
        file: Option<(&'static str, &'static str)>,
    ) -> TestResponse {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (ct, body) = multipart(&f, file);
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ct)
            .body(axum::body::Body::from(body))
            .unwrap();
        self.request(req).await
    }

    pub async fn form_post(&self, path: &str, cookie: &str, body: String, extra: &[(&str, &str)]) -> TestResponse {
        let mut headers = vec![(header::COOKIE.as_str(), cookie), (header::CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded")];
        headers.extend_from_slice(extra);
        let req = {
            let mut b = axum::http::Request::builder().method(Method::POST).uri(path);
            for (k, v) in headers {
                b = b.header(k, v);
            }
            b.body(axum::body::Body::from(body)).unwrap()
        };
        self.request(req).await
    }
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", rungs_web::html::encode_form(v))).collect::<Vec<_>>().join("&")
}

pub fn set_cookie_value(res: &TestResponse, name: &str) -> String {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", res.headers))
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[track_caller]
pub fn assert_html(res: &TestResponse, status: StatusCode) -> String {
    res.assert_status(status);
    let ct = res.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(ct.starts_with("text/html"), "{ct}");
    let body = res.text();
    assert!(body.starts_with("<!doctype html>") && body.contains("<h1"), "{body}");
    body
}

#[tokio::test]
async fn every_page_renders_for_the_people_team() {
    let app = TestApp::new().await;
    let team = app.team().await;
    // The admin manages Mona, so "My team" has people in it.
    app.patch_json(&format!("/api/v1/people/{}", team.manager_id), &app.admin, &json!({"manager_id": app.admin_id})).await.assert_status(StatusCode::OK);
    app.record(&team.report, &win(team.report_id, "Shipped the thing")).await.assert_status(StatusCode::CREATED);
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let report_progress = format!("/people/{}/progress", team.report_id);
    for path in [
        "/",
        "/wins/new",
        "/timeline",
        "/timeline?kind=hired",
        "/team",
        "/people",
        "/people?q=rex",
        "/people/import",
        &format!("/people/{}/timeline", team.report_id),
        "/progress",
        &report_progress,
        "/framework",
    ] {
        let body = assert_html(&app.page(path, &b.cookie).await, StatusCode::OK);
        assert!(body.contains("Sign out"), "{path}");
    }
    let team_page = app.page("/team", &b.cookie).await.text();
    assert!(team_page.contains("Mona Manager") && team_page.contains("Rex Report"), "{team_page}");
    assert!(!team_page.contains("Olga Outsider"), "only reports are on my team");
    let people = app.page("/people?q=rex", &b.cookie).await.text();
    assert!(people.contains("Rex Report") && !people.contains("Olga Outsider"), "{people}");
    assert_html(&app.page("/no/such/page", &b.cookie).await, StatusCode::NOT_FOUND);
    let css = app.page("/static/rungs.css", &b.cookie).await;
    css.assert_status(StatusCode::OK);
    assert!(css.text().contains(":focus-visible"));
}

#[tokio::test]
async fn hostile_names_and_titles_are_escaped() {
    let app = TestApp::new().await;
    let evil = "<script>alert(1)</script>";
    let id = app.hire(evil, None).await;
    let token = app.token_for(id, Role::Employee).await;
    app.record(&token, &win(id, evil)).await.assert_status(StatusCode::CREATED);
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    for path in ["/people".to_string(), format!("/people/{id}/timeline")] {
        let body = app.page(&path, &b.cookie).await.text();
        // minijinja's HTML escaping also encodes `/` (as `&#x2f;`).
        assert!(body.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{path}: {body}");
        assert!(!body.contains(evil), "{path} must not contain raw markup");
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() {
    let app = TestApp::new().await;
    let res = app.send(Method::GET, "/timeline?kind=promotion", None, None, &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.headers[header::LOCATION], "/login?next=/timeline%3Fkind%3Dpromotion");
    let login = assert_html(&app.send(Method::GET, "/login?next=//evil.example", None, None, &[]).await, StatusCode::OK);
    assert!(login.contains("name=\"next\" value=\"&#x2f;\""), "off-site next is dropped: {login}");
}

#[tokio::test]
async fn the_session_cookie_is_hardened_and_secure_behind_tls() {
    let app = TestApp::new().await;
    rungs_app::accounts::set_password(app.store.as_ref(), app.org, "ada@example.com", None, PASSWORD).await.unwrap();
    let tok = set_cookie_value(&app.send(Method::GET, "/login", None, None, &[]).await, "rungs_login_csrf");
    let body = form(&[("email", "ada@example.com"), ("password", PASSWORD), ("csrf", &tok)]);
    let res = app.form_post("/login", &format!("rungs_login_csrf={tok}"), body, &[("x-forwarded-proto", "https")]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let c = res.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).find(|v| v.starts_with("rungs_session=")).unwrap();
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(c.contains(attr), "{c}");
    }
    let secret = c.split(';').next().unwrap().trim_start_matches("rungs_session=");
    assert_eq!(secret.len(), 64, "256 random bits");
}

#[tokio::test]
async fn sign_in_needs_the_double_submit_token_and_wrong_passwords_are_limited() {
    let app = TestApp::new().await;
    rungs_app::accounts::set_password(app.store.as_ref(), app.org, "ada@example.com", None, PASSWORD).await.unwrap();
    let tok = set_cookie_value(&app.send(Method::GET, "/login", None, None, &[]).await, "rungs_login_csrf");
    let cookie = format!("rungs_login_csrf={tok}");
    let no_cookie = app.form_post("/login", "", form(&[("email", "ada@example.com"), ("password", PASSWORD), ("csrf", &tok)]), &[]).await;
    assert_html(&no_cookie, StatusCode::FORBIDDEN);
    for _ in 0..rungs_app::accounts::MAX_FAILURES {
        let res = app.form_post("/login", &cookie, form(&[("email", "ada@example.com"), ("password", "wrong password"), ("csrf", &tok)]), &[]).await;
        assert!(assert_html(&res, StatusCode::UNAUTHORIZED).contains("do not match"));
    }
    let res = app.form_post("/login", &cookie, form(&[("email", "ada@example.com"), ("password", PASSWORD), ("csrf", &tok)]), &[]).await;
    assert!(assert_html(&res, StatusCode::TOO_MANY_REQUESTS).contains("Too many failed sign-ins"));
}

#[tokio::test]
async fn logging_a_win_keeps_input_on_errors_and_needs_the_csrf_token() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let b = app.sign_in("rex.report@example.com", Role::Employee).await;
    assert_html(&app.page("/wins/new", &b.cookie).await, StatusCode::OK);
    let before = app.counts().await;
    let bad = form(&[("csrf", &b.csrf), ("title", ""), ("category", ""), ("magnitude", "micro"), ("evidence", "ftp://x.example/y")]);
    let body = assert_html(&app.form_post("/wins", &b.cookie, bad, &[]).await, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["title-error", "category-error", "evidence-error"] {
        assert!(body.contains(&format!("id=\"{id}\"")), "{id} in {body}");
    }
    assert!(body.contains("value=\"ftp:&#x2f;&#x2f;x.example&#x2f;y\""), "input is kept");
    // Values no select offers, and a competency the framework lacks: each named at its input.
    let odd = form(&[("csrf", &b.csrf), ("title", "Fine"), ("category", "nonsense"), ("magnitude", "huge"), ("competencies", "no-such-skill")]);
    let body = assert_html(&app.form_post("/wins", &b.cookie, odd, &[]).await, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["category-error", "magnitude-error"] {
        assert!(body.contains(&format!("id=\"{id}\"")), "{id} in {body}");
    }
    let unknown = form(&[("csrf", &b.csrf), ("title", "Fine"), ("category", "skill"), ("magnitude", "micro"), ("competencies", "no-such-skill")]);
    let body = assert_html(&app.form_post("/wins", &b.cookie, unknown, &[]).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("id=\"competencies-error\""), "{body}");
    let good = form(&[
        ("csrf", &b.csrf),
        ("title", "Learned Rust"),
        ("category", "learning"),
        ("magnitude", "nano"),
        ("competencies", "testing"),
        ("evidence", "https://x.example/y"),
    ]);
    // A stale token (an old tab, a new sign-in) keeps what was typed and asks again.
    let forged = good.replace(&b.csrf, &"0".repeat(64));
    let stale = assert_html(&app.form_post("/wins", &b.cookie, forged, &[]).await, StatusCode::FORBIDDEN);
    assert!(stale.contains("This form had expired") && stale.contains("value=\"Learned Rust\""), "{stale}");
    assert!(stale.contains(&format!("value=\"{}\"", b.csrf)), "a fresh token to send it again: {stale}");
    assert_eq!(app.counts().await, before, "refusals changed nothing");
    let res = app.form_post("/wins", &b.cookie, good, &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let timeline = app.page("/timeline", &b.cookie).await.text();
    assert!(timeline.contains("Learned Rust") && timeline.contains("Win"), "{timeline}");
    let export = app.page("/export", &b.cookie).await;
    export.assert_status(StatusCode::OK);
    assert!(export.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(export.json()["person"]["id"], team.report_id.to_string());
}

#[tokio::test]
async fn a_manager_validates_a_reports_win_and_an_employee_cannot_see_others() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let win_id = app.record(&team.report, &win(team.report_id, "Fixed the flaky test")).await.json()["id"].as_str().unwrap().to_string();
    let employee = app.sign_in("rex.report@example.com", Role::Employee).await;
    for other in [team.manager_id, team.outsider_id, PersonId::new()] {
        assert_html(&app.page(&format!("/people/{other}/timeline"), &employee.cookie).await, StatusCode::NOT_FOUND);
    }
    assert_html(&app.page("/people/import", &employee.cookie).await, StatusCode::FORBIDDEN);
    // My own manager is named on my home page (a name only: their timeline stays closed).
    let home = assert_html(&app.page("/", &employee.cookie).await, StatusCode::OK);
    assert!(home.contains("Your manager") && home.contains("Mona Manager"), "{home}");

    let m = app.sign_in("mona.manager@example.com", Role::Manager).await;
    let path = format!("/people/{}/timeline", team.report_id);
    assert!(assert_html(&app.page("/team", &m.cookie).await, StatusCode::OK).contains("Rex Report"));
    assert!(app.page(&path, &m.cookie).await.text().contains(">Validate<"));
    let res = app.form_post(&format!("/people/{}/validations", team.report_id), &m.cookie, form(&[("csrf", &m.csrf), ("target", &win_id)]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let after = app.page(&format!("{path}?validated=1"), &m.cookie).await.text();
    assert!(after.contains("Win validated") && after.contains("✓ Validated"), "{after}");
    assert!(!after.contains(">Validate<"), "no second validation");
    // A double click, or a second tab still showing the button: one validation, and
    // the second answer says so (a 303 as well, so a refresh sends nothing).
    let res = app.form_post(&format!("/people/{}/validations", team.report_id), &m.cookie, form(&[("csrf", &m.csrf), ("target", &win_id)]), &[]).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let location = res.headers["location"].to_str().unwrap().to_string();
    assert!(location.contains("validated=again"), "{location}");
    let again = app.page(&location, &m.cookie).await.text();
    assert!(again.contains("already validated this win") && again.contains("✓ Validated") && !again.contains("2 times"), "{again}");
    // The API answers the same second validation with a 409 naming the target.
    let api = app
        .post_json("/api/v1/events", &team.manager, &serde_json::json!({"subject": team.report_id, "kind": "validation", "payload": {"target": win_id}}))
        .await;
    api.assert_status(StatusCode::CONFLICT);
    assert_eq!(api.json()["errors"][0]["field"], "payload.target", "{}", api.text());

    // The manager's home: the inbox lists a report's win waiting for validation, and
    // validating it there comes back home with it gone from the list.
    let other = app.record(&team.report, &win(team.report_id, "Wrote the runbook")).await.json()["id"].as_str().unwrap().to_string();
    let home = app.page("/", &m.cookie).await.text();
    assert!(
        home.contains("Wins waiting for your validation") && home.contains("Wrote the runbook") && home.contains("1 win from your direct reports"),
        "{home}"
    );
    assert!(!home.contains("Fixed the flaky test"), "already validated: {home}");
    let res = app
        .form_post(&format!("/people/{}/validations", team.report_id), &m.cookie, form(&[("csrf", &m.csrf), ("target", &other), ("back", "home")]), &[])
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.headers["location"].to_str().unwrap().starts_with("/?validated=1"));
    let home = app.page("/?validated=1", &m.cookie).await.text();
    assert!(home.contains("Win validated") && !home.contains("Wrote the runbook"), "{home}");
    // An employee has no inbox.
    assert!(!app.page("/", &employee.cookie).await.text().contains("Your team needs you"));

    // Validating one's own win is refused by the same rule as the API.
    let own =
        app.form_post(&format!("/people/{}/validations", team.report_id), &employee.cookie, form(&[("csrf", &employee.csrf), ("target", &win_id)]), &[]).await;
    assert_html(&own, StatusCode::FORBIDDEN);

    let out = app.form_post("/logout", &m.cookie, form(&[("csrf", &m.csrf)]), &[]).await;
    out.assert_status(StatusCode::SEE_OTHER);
    app.page("/team", &m.cookie).await.assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_csv_import_page_shows_every_bad_row_and_imports_nothing_unless_asked() {
    let app = TestApp::new().await;
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let csv = "email,name,hire_date,track,level,title\nnew@example.com,New Person,2024-01-02,engineering,e2,Engineer\nbad,Bad,2024-01-02,engineering,e2,Engineer\nx@example.com,,nope,engineering,e2,Engineer\n";
    let upload = |skip: bool| {
        let boundary = "XyZ";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n", b.csrf);
        if skip {
            body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"skip_invalid\"\r\n\r\n1\r\n"));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
        ));
        axum::http::Request::builder()
            .method(Method::POST)
            .uri("/people/import")
            .header(header::COOKIE, &b.cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let before = app.counts().await;
    let body = assert_html(&app.request(upload(false)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Nothing was imported") && body.contains("<th scope=\"row\">3</th>") && body.contains("<th scope=\"row\">4</th>"), "{body}");
    assert_eq!(app.counts().await, before);
    let body = assert_html(&app.request(upload(true)).await, StatusCode::OK);
    assert!(body.contains("Imported 1 person"), "{body}");
    assert_eq!(app.counts().await.1, before.1 + 1);
}

#[tokio::test]
async fn the_progress_page_shows_the_map_readiness_and_next_steps_for_the_employee_and_their_manager() {
    let app = TestApp::new().await;
    let team = app.team().await;
    app.record(&team.report, &win(team.report_id, "Wrote the contract tests")).await.assert_status(StatusCode::CREATED);
    let rex = app.sign_in("rex.report@example.com", Role::Employee).await;
    let body = assert_html(&app.page("/progress", &rex.cookie).await, StatusCode::OK);
    for want in [
        "Readiness for Senior Engineer",
        ">5<",
        "Milestone map",
        "Own a service for a quarter",
        "Next steps",
        "rank 1 because",
        "Wrote the contract tests",
        "1.25 pts",
        "Missing:",
    ] {
        assert!(body.contains(want), "{want} in {body}");
    }
    let home = app.page("/", &rex.cookie).await.text();
    assert!(home.contains("5 / 100") && home.contains("href=\"/progress\""), "{home}");
    assert_html(&app.page(&format!("/people/{}/progress", team.outsider_id), &rex.cookie).await, StatusCode::NOT_FOUND);
    let mona = app.sign_in("mona.manager@example.com", Role::Manager).await;
    let body = assert_html(&app.page(&format!("/people/{}/progress", team.report_id), &mona.cookie).await, StatusCode::OK);
    assert!(body.contains("Rex Report’s progress") && body.contains("Wrote the contract tests"), "{body}");
    assert!(app.page("/team", &mona.cookie).await.text().contains(&format!("/people/{}/progress", team.report_id)));
    let packet = assert_html(&app.page(&format!("/people/{}/packet", team.report_id), &mona.cookie).await, StatusCode::OK);
    assert!(packet.contains("Promotion packet: Rex Report for Senior Engineer") && packet.contains("Wrote the contract tests"), "{packet}");
    let bad = assert_html(&app.page(&format!("/people/{}/packet?level=e1", team.report_id), &mona.cookie).await, StatusCode::BAD_REQUEST);
    assert!(bad.contains("level: &#x27;e1&#x27; is not above"), "{bad}");
}

/// A multipart body with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, String) {
    let b = "XyZzYboundary";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    if let Some((name, content)) = file {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn the_people_team_previews_then_saves_a_competency_matrix_and_errors_name_the_line() {
    let app = TestApp::new().await;
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let csv = "Category,Competency,Engineer,Senior Engineer\nCraft,Observability,Adds metrics,\"Designs dashboards, alerts\"\n";
    let post =
        |fields: Vec<(&'static str, String)>, file: Option<(&'static str, &'static str)>| app.multipart_post("/framework/matrix", &b.cookie, fields, file);
    let versions = || async { app.store.framework_versions(app.org).await.unwrap().len() };
    let before = versions().await;
    let preview = assert_html(
        &post(vec![("csrf", b.csrf.clone()), ("action", "preview".into()), ("track", "engineering".into())], Some(("ladder.csv", csv))).await,
        StatusCode::OK,
    );
    assert!(preview.contains("Preview: 1 competency,") && preview.contains("Observability") && preview.contains("Save as a new version"), "{preview}");
    assert_eq!(versions().await, before, "a preview saves nothing");
    let content = hidden(&preview, "content");
    assert!(content.contains("Observability"));
    let saved = assert_html(
        &post(vec![("csrf", b.csrf.clone()), ("action", "commit".into()), ("track", "engineering".into()), ("content", csv.into())], None).await,
        StatusCode::OK,
    );
    assert!(saved.contains("Saved as framework version"), "{saved}");
    assert_eq!(versions().await, before + 1);
    let bad = "Competency,e1,e2\nA,\"open,y\nB,x,y\n";
    let page = assert_html(
        &post(vec![("csrf", b.csrf.clone()), ("action", "commit".into()), ("track", "engineering".into())], Some(("bad.csv", bad))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert!(page.contains("bad.csv:2") && page.contains("unclosed quote"), "{page}");
    assert_eq!(versions().await, before + 1, "a bad file changes nothing");
    let changes = assert_html(&app.page(&format!("/framework?changes={}", before + 1), &b.cookie).await, StatusCode::OK);
    assert!(changes.contains("Changes from version") && changes.contains("observability"), "{changes}");
    let forged = post(vec![("csrf", "0".repeat(64)), ("action", "commit".into()), ("track", "engineering".into())], Some(("ladder.csv", csv))).await;
    assert_html(&forged, StatusCode::FORBIDDEN);
    let yaml = app.page("/framework.yaml", &b.cookie).await;
    yaml.assert_status(StatusCode::OK);
    assert!(yaml.text().contains("observability"));
    app.hire("Rex Report", None).await;
    let rex = app.sign_in("rex.report@example.com", Role::Employee).await;
    let view = assert_html(&app.page("/framework", &rex.cookie).await, StatusCode::OK);
    assert!(!view.contains("Import a competency matrix"), "only the people team sees the import");
}

#[tokio::test]
async fn my_team_shows_each_reports_readiness_and_top_gap_as_the_progress_page_computes_them() {
    let app = TestApp::new().await;
    let team = app.team().await;
    app.record(&team.report, &win(team.report_id, "Wrote the contract tests")).await.assert_status(StatusCode::CREATED);
    // What the per-person answer says, to compare the team page with.
    let r = app.get(&format!("/api/v1/people/{}/readiness", team.report_id), &team.manager).await.json();
    let score = r["readiness"]["score"].as_u64().unwrap();
    let top = r["recommendations"][0]["name"].as_str().unwrap().to_string();
    assert!(score > 0, "the win counts: {r}");
    let m = app.sign_in("mona.manager@example.com", Role::Manager).await;
    let page = assert_html(&app.page("/team", &m.cookie).await, StatusCode::OK);
    let row = page.split("<tr>").find(|row| row.contains("Rex Report")).expect("a row for the report");
    let progress = format!("href=\"/people/{}/progress\"", team.report_id);
    assert!(row.contains(&format!(">{score}%</a>")), "readiness {score}% in {row}");
    assert!(row.contains(&format!(">{top}</a>")), "top gap {top} in {row}");
    assert!(row.matches(progress.as_str()).count() >= 2, "score and gap link to the progress page: {row}");
}

#[tokio::test]
async fn the_people_team_imports_a_markdown_ladder_confirming_a_drifting_name_and_pastes_yaml() {
    let app = TestApp::new().await;
    let b = app.sign_in("ada@example.com", Role::Admin).await;
    let md = "# Research\n\n## R1 — Researcher\n### Mentoring\n- Helps an intern\n\n## R2 — Senior Researcher\n### Mentorship\n- Mentors two people\n";
    let post =
        |fields: Vec<(&'static str, String)>, file: Option<(&'static str, &'static str)>| app.multipart_post("/framework/import", &b.cookie, fields, file);
    let versions = || async { app.store.framework_versions(app.org).await.unwrap().len() };
    let before = versions().await;
    let base = || vec![("csrf", b.csrf.clone()), ("format", "auto".to_string()), ("track", String::new())];
    let preview = assert_html(&post([base(), vec![("action", "preview".into())]].concat(), Some(("research.md", md))).await, StatusCode::OK);
    assert!(preview.contains("Preview: 2 competencies") && preview.contains("(a new track)") && preview.contains("Names to confirm"), "{preview}");
    assert!(preview.contains("research.md:4") && preview.contains("research.md:8"), "both lines are shown: {preview}");
    assert_eq!(hidden(&preview, "pair0"), "Mentoring=Mentorship");
    assert_eq!(versions().await, before, "a preview saves nothing");

    let commit = |decision: Option<&'static str>| {
        let mut f =
            [base(), vec![("action", "commit".into()), ("file_name", "research.md".into()), ("content", md.into()), ("pair0", "Mentoring=Mentorship".into())]]
                .concat();
        if let Some(d) = decision {
            f.push(("decision0", d.into()));
        }
        post(f, None)
    };
    let unconfirmed = assert_html(&commit(None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed.contains("Nothing was imported") && unconfirmed.contains("may be one competency") && unconfirmed.contains("Names to confirm"),
        "{unconfirmed}"
    );
    assert_eq!(versions().await, before, "an unconfirmed pair saves nothing");
    let saved = assert_html(&commit(Some("different")).await, StatusCode::OK);
    assert!(saved.contains("Saved as framework version"), "{saved}");
    assert_eq!(versions().await, before + 1);
    let fw = app.store.framework(app.org).await.unwrap();
    assert!(fw.track("research").is_some() && fw.has_competency("mentorship"), "kept apart as confirmed");

    let yaml = rungs_core::framework::yaml::to_yaml(&fw);
    let pasted = assert_html(&post([base(), vec![("action", "preview".into()), ("content", yaml)]].concat(), None).await, StatusCode::OK);
    assert!(
        pasted.contains("other tracks stay as they are")
            && pasted.contains("Nothing changes: a commit saves no new version")
            && pasted.contains("Researcher → Senior Researcher"),
        "{pasted}"
    );
    let empty = assert_html(&post([base(), vec![("action", "preview".into())]].concat(), None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("Choose a file to upload, or paste its text."), "{empty}");
    assert_eq!(versions().await, before + 1);
}

#[tokio::test]
async fn the_win_form_ticks_suggested_competencies_without_recording_anything() {
    let app = TestApp::new().await;
    let _t = app.team().await;
    let rex = app.sign_in("rex.report@example.com", Role::Employee).await;
    let (events, _) = app.counts().await;
    let body = form(&[
        ("csrf", &rex.csrf),
        ("title", "Wrote the postmortem for the checkout incident"),
        ("category", "task_mastered"),
        ("magnitude", "micro"),
        ("action", "suggest"),
    ]);
    let res = app.form_post("/wins", &rex.cookie, body, &[]).await;
    let html = assert_html(&res, StatusCode::OK);
    assert!(html.contains("Ticked from what you wrote") && html.contains("Operating production"), "{html}");
    assert!(html.contains("value=\"operations\" checked"), "the suggestion is ticked: {html}");
    assert!(html.contains("value=\"Wrote the postmortem for the checkout incident\""), "input kept");
    assert_eq!(app.counts().await.0, events, "suggesting records nothing");
}

/// The progress page draws readiness over time from the ledger (a promotion starts a
/// new line toward the next level), the milestone path and a coverage bar per
/// competency, each with its numbers in text.
#[tokio::test]
async fn the_progress_page_draws_readiness_over_time_the_milestone_path_and_coverage() {
    let app = TestApp::new().await;
    let now = chrono::Utc::now();
    let ago = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rex = PersonId::new();
    let hire = json!({"subject": rex, "kind": "hired", "occurred_at": ago(300), "payload": hire_body("Rex Report", None)});
    app.record(&app.admin, &hire).await.assert_status(StatusCode::CREATED);
    for (days, title) in [(250, "Wrote the contract tests"), (40, "Fixed the flaky suite")] {
        let mut w = win(rex, title);
        w["occurred_at"] = json!(ago(days));
        app.record(&app.admin, &w).await.assert_status(StatusCode::CREATED);
    }
    let promotion = json!({"subject": rex, "kind": "promotion", "occurred_at": ago(120),
        "payload": {"to": {"track": "engineering", "level": "e3", "title": "Senior Engineer"}}});
    app.record(&app.admin, &promotion).await.assert_status(StatusCode::CREATED);
    let b = app.sign_in("rex.report@example.com", Role::Employee).await;
    let body = assert_html(&app.page("/progress", &b.cookie).await, StatusCode::OK);
    assert!(body.contains("Readiness over the last twelve months"), "{body}");
    assert_eq!(body.matches("class=\"trend-line\"").count(), 2, "a line before the promotion and one after: {body}");
    assert!(body.contains("class=\"moved\""), "the promotion is marked");
    assert!(body.contains("(new level)"), "the table beside says so too");
    assert!(body.contains("class=\"coverage\""), "a bar per competency");
    assert!(body.contains("role=\"img\" aria-label=\"Testing: "), "{body}");
}
