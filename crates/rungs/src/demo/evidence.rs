//! The demo's evidence from work systems: a GitHub source, the people team's mapping
//! (two repositories, one label; the showcased employee's GitHub login) and two
//! merged pull requests delivered through the real receiving path, signed with the
//! source's secret, so the employee finds two suggested wins waiting on their home.

use chrono::{DateTime, Duration, Utc};
use rungs_app::Viewer;
use rungs_app::evidence::receive::Inbound;
use rungs_core::OrgId;
use rungs_core::evidence::verify::github_signature;
use rungs_core::person::Person;
use rungs_core::store::Store;
use serde_json::json;

/// A `pull_request` event as GitHub sends it when a pull request is merged (the
/// fields Rungs reads, and a few of the others around them).
fn merged(number: u64, repo: &str, title: &str, login: &str, label: &str, at: DateTime<Utc>) -> Vec<u8> {
    json!({
        "action": "closed",
        "number": number,
        "pull_request": {
            "html_url": format!("https://github.com/{repo}/pull/{number}"),
            "number": number,
            "state": "closed",
            "title": title,
            "user": {"login": login, "type": "User"},
            "body": null,
            "merged": true,
            "merged_at": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "labels": [{"name": label}],
        },
        "repository": {"full_name": repo, "private": true},
        "sender": {"login": login, "type": "User"},
    })
    .to_string()
    .into_bytes()
}

/// Set it up and deliver; returns the suggestions made.
pub async fn seed(store: &dyn Store, org: OrgId, employee: &Person) -> anyhow::Result<usize> {
    let admin = Viewer::system(org);
    let now = Utc::now();
    let created = rungs_app::evidence::create_source(store, &admin, "github", "Northwind on GitHub", now).await?;
    let login = employee.email.split('@').next().unwrap_or("dev").replace('.', "-");
    let mapping = rungs_app::evidence::Mapping {
        rules: "repository northwind/checkout -> system-design, testing : project_completed\n\
                repository northwind/platform -> code-quality : skill\n\
                label on-call -> operations : task_mastered"
            .into(),
        accounts: format!("github {login} {}", employee.email),
        auto_accept: false,
    };
    rungs_app::evidence::set_mapping(store, &admin, &mapping).await?;
    let deliveries = [
        ("demo-1", merged(412, "northwind/checkout", "Split the payment step into its own service", &login, "architecture", now - Duration::days(2))),
        ("demo-2", merged(87, "northwind/platform", "Alert on queue lag before customers notice", &login, "on-call", now - Duration::days(1))),
    ];
    let mut made = 0;
    for (id, body) in &deliveries {
        let signature = github_signature(&created.secret, body);
        let inbound = Inbound { event: Some("pull_request"), delivery: Some(id), signature: Some(&signature) };
        let receipt = rungs_app::evidence::receive(store, created.source.id, &inbound, body, now)
            .await
            .map_err(|e| anyhow::anyhow!("the demo's GitHub delivery was refused: {e:?}"))?;
        made += usize::from(receipt.suggestion.is_some());
    }
    Ok(made)
}
