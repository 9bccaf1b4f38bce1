//! What a delivery says, reduced to what Rungs uses: who did what, where, and the
//! facts rules match on. Each system's payload is read in its published shape
//! (GitHub's `pull_request` event, GitLab's merge request event) and only the fields
//! needed are required; everything else in the body is ignored.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::SourceKind;

/// How the author of a work event is identified in the system that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// A GitHub login or GitLab username (matched case-insensitively).
    Login(String),
    /// A GitLab numeric user id, when the username is not in the payload.
    UserId(i64),
    /// An email (the generic form; GitLab when the author sent it).
    Email(String),
}

/// One piece of evidence from a work system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkEvent {
    /// The sender's id of this delivery (the duplicate key).
    pub delivery: String,
    /// Who did it; the first that names a linked person wins.
    pub authors: Vec<Author>,
    pub title: String,
    pub description: Option<String>,
    /// Where it can be seen (the pull request, the certificate).
    pub url: Option<String>,
    /// Facts rules match on: a repository (`owner/name`), labels, a course.
    pub repository: Option<String>,
    pub labels: Vec<String>,
    pub course: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Why a delivery is not evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A well-formed event Rungs does not use (a pull request opened, a ping).
    Ignored(String),
    /// The body is not the shape the sender publishes: the field and the reason.
    Malformed(String),
}

#[derive(Deserialize)]
struct GhUser {
    login: String,
}
#[derive(Deserialize)]
struct GhLabel {
    name: String,
}
#[derive(Deserialize)]
struct GhPull {
    html_url: Option<String>,
    title: String,
    body: Option<String>,
    #[serde(default)]
    merged: bool,
    merged_at: Option<DateTime<Utc>>,
    user: GhUser,
    #[serde(default)]
    labels: Vec<GhLabel>,
}
#[derive(Deserialize)]
struct GhRepo {
    full_name: String,
}
#[derive(Deserialize)]
struct GhEvent {
    action: String,
    pull_request: GhPull,
    repository: GhRepo,
}

#[derive(Deserialize)]
struct GlUser {
    id: Option<i64>,
    username: Option<String>,
    email: Option<String>,
}
#[derive(Deserialize)]
struct GlProject {
    path_with_namespace: String,
}
#[derive(Deserialize)]
struct GlAttrs {
    title: String,
    description: Option<String>,
    url: Option<String>,
    state: String,
    action: Option<String>,
    author_id: Option<i64>,
    updated_at: Option<String>,
}
#[derive(Deserialize)]
struct GlLabel {
    title: String,
}
#[derive(Deserialize)]
struct GlEvent {
    object_kind: String,
    user: Option<GlUser>,
    project: GlProject,
    object_attributes: GlAttrs,
    #[serde(default)]
    labels: Vec<GlLabel>,
}

/// The generic form (docs/INTEGRATIONS.md).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generic {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    email: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    course: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    occurred_at: Option<DateTime<Utc>>,
}

/// The event types the generic form takes.
pub const GENERIC_TYPES: [&str; 2] = ["course_completed", "certification_earned"];

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Skip> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Skip::Malformed(if path == "." { e.inner().to_string() } else { format!("{path}: {}", e.inner()) })
    })
}

fn clip(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// Read a delivery. `event` is the event-name header (`X-GitHub-Event`,
/// `X-Gitlab-Event`; none for the generic form), `delivery` the sender's delivery id.
pub fn read(kind: SourceKind, event: Option<&str>, delivery: Option<&str>, body: &[u8]) -> Result<WorkEvent, Skip> {
    match kind {
        SourceKind::Github => github(event, delivery, body),
        SourceKind::Gitlab => gitlab(event, delivery, body),
        SourceKind::Generic => generic(body),
    }
}

fn need_delivery(delivery: Option<&str>, header: &str) -> Result<String, Skip> {
    match delivery.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if d.len() <= 200 => Ok(d.to_string()),
        Some(_) => Err(Skip::Malformed(format!("{header}: must be at most 200 characters"))),
        None => Err(Skip::Malformed(format!("{header}: missing (it identifies the delivery)"))),
    }
}

fn github(event: Option<&str>, delivery: Option<&str>, body: &[u8]) -> Result<WorkEvent, Skip> {
    match event {
        Some("pull_request") => {}
        Some(other) => return Err(Skip::Ignored(format!("GitHub event '{other}' is not used (only pull_request)"))),
        None => return Err(Skip::Malformed(format!("{}: missing", super::verify::GITHUB_EVENT))),
    }
    let delivery = need_delivery(delivery, super::verify::GITHUB_DELIVERY)?;
    let e: GhEvent = parse(body)?;
    if e.action != "closed" || !e.pull_request.merged {
        return Err(Skip::Ignored(format!("pull request '{}' without a merge", e.action)));
    }
    let pr = e.pull_request;
    Ok(WorkEvent {
        delivery,
        authors: vec![Author::Login(pr.user.login.to_lowercase())],
        title: clip(&format!("Merged: {}", pr.title), 200),
        description: pr.body.as_deref().map(|b| clip(b, 2000)).filter(|b| !b.is_empty()),
        url: pr.html_url,
        repository: Some(e.repository.full_name.to_lowercase()),
        labels: pr.labels.into_iter().map(|l| l.name.to_lowercase()).collect(),
        course: None,
        occurred_at: pr.merged_at,
    })
}

fn gitlab(event: Option<&str>, delivery: Option<&str>, body: &[u8]) -> Result<WorkEvent, Skip> {
    match event {
        Some("Merge Request Hook") => {}
        Some(other) => return Err(Skip::Ignored(format!("GitLab event '{other}' is not used (only Merge Request Hook)"))),
        None => return Err(Skip::Malformed(format!("{}: missing", super::verify::GITLAB_EVENT))),
    }
    let delivery = need_delivery(delivery, super::verify::GITLAB_EVENT_UUID)?;
    let e: GlEvent = parse(body)?;
    let a = e.object_attributes;
    if e.object_kind != "merge_request" || a.state != "merged" || a.action.as_deref().is_some_and(|x| x != "merge") {
        return Err(Skip::Ignored(format!("merge request '{}' without a merge", a.action.as_deref().unwrap_or(&a.state))));
    }
    // `user` is who triggered the event (for a merge: who merged). Credit goes to the
    // author: by username when the author triggered it, else by the author's id.
    let mut authors = Vec::new();
    if let Some(u) = &e.user
        && u.id.is_some()
        && u.id == a.author_id
    {
        if let Some(name) = &u.username {
            authors.push(Author::Login(name.to_lowercase()));
        }
        if let Some(email) = u.email.as_deref().filter(|m| m.contains('@')) {
            authors.push(Author::Email(email.to_lowercase()));
        }
    }
    if let Some(id) = a.author_id {
        authors.push(Author::UserId(id));
    }
    let occurred_at = a.updated_at.as_deref().and_then(|s| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&Utc))
            .or_else(|| chrono::NaiveDateTime::parse_from_str(s.trim_end_matches(" UTC"), "%Y-%m-%d %H:%M:%S").ok().map(|n| n.and_utc()))
    });
    Ok(WorkEvent {
        delivery,
        authors,
        title: clip(&format!("Merged: {}", a.title), 200),
        description: a.description.as_deref().map(|b| clip(b, 2000)).filter(|b| !b.is_empty()),
        url: a.url,
        repository: Some(e.project.path_with_namespace.to_lowercase()),
        labels: e.labels.into_iter().map(|l| l.title.to_lowercase()).collect(),
        course: None,
        occurred_at,
    })
}

fn generic(body: &[u8]) -> Result<WorkEvent, Skip> {
    let g: Generic = parse(body)?;
    if !GENERIC_TYPES.contains(&g.kind.as_str()) {
        return Err(Skip::Malformed(format!("type: must be one of {}", GENERIC_TYPES.join(", "))));
    }
    let id = g.id.trim();
    if id.is_empty() || id.len() > 200 {
        return Err(Skip::Malformed("id: must be 1-200 characters".into()));
    }
    if !g.email.contains('@') {
        return Err(Skip::Malformed("email: must be an email address".into()));
    }
    if g.title.trim().is_empty() {
        return Err(Skip::Malformed("title: must not be empty".into()));
    }
    Ok(WorkEvent {
        delivery: id.to_string(),
        authors: vec![Author::Email(g.email.trim().to_lowercase())],
        title: clip(&g.title, 200),
        description: g.description.as_deref().map(|d| clip(d, 2000)).filter(|d| !d.is_empty()),
        url: g.url,
        repository: None,
        labels: Vec::new(),
        course: g.course.map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()),
        occurred_at: g.occurred_at,
    })
}
