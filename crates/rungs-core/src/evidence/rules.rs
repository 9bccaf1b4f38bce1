//! The people team's mapping: rules (what a delivery is about → competencies and a
//! win category) and account links (a work login → a person). Both are edited as
//! text, one entry a line, so the whole mapping is read and changed at a glance:
//!
//! ```text
//! repository acme/api -> api-design, testing : project_completed
//! label security -> security : skill
//! course rust-101 -> rust : learning
//! ```
//!
//! and accounts as `github octocat alice@example.com` (system, login, the person's
//! email; a GitLab author can also be named by numeric id: `gitlab id:42 …`).

use serde::{Deserialize, Serialize};

use super::SourceKind;
use super::payload::{Author, WorkEvent};
use crate::event::Category;
use crate::text::parse_key;
use crate::{PersonId, ValidationError};

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchOn {
    /// `owner/name` (GitHub) or `group/project` (GitLab).
    Repository,
    Label,
    /// The generic form's `course`.
    Course,
}

impl MatchOn {
    pub const ALL: [MatchOn; 3] = [MatchOn::Repository, MatchOn::Label, MatchOn::Course];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchOn::Repository => "repository",
            MatchOn::Label => "label",
            MatchOn::Course => "course",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One mapping rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rule {
    pub on: MatchOn,
    /// Lower-case; matched exactly.
    pub value: String,
    pub competencies: Vec<String>,
    pub category: Category,
}

impl Rule {
    pub fn matches(&self, e: &WorkEvent) -> bool {
        match self.on {
            MatchOn::Repository => e.repository.as_deref() == Some(self.value.as_str()),
            MatchOn::Label => e.labels.contains(&self.value),
            MatchOn::Course => e.course.as_deref() == Some(self.value.as_str()),
        }
    }

    /// The rule as one line of the rules text.
    pub fn line(&self) -> String {
        format!("{} {} -> {} : {}", self.on.as_str(), self.value, self.competencies.join(", "), self.category.as_str())
    }
}

/// What the matching rules give a delivery: every matching rule's competencies, and
/// the first matching rule's category. `None` when no rule matches.
pub fn map(rules: &[Rule], e: &WorkEvent) -> Option<(Vec<String>, Category)> {
    let hits: Vec<&Rule> = rules.iter().filter(|r| r.matches(e)).collect();
    let category = hits.first()?.category;
    let mut competencies: Vec<String> = hits.iter().flat_map(|r| r.competencies.iter().cloned()).collect();
    competencies.sort();
    competencies.dedup();
    Some((competencies, category))
}

/// Parse the rules text; every mistake at once, as `rules[line N]`.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, ValidationError> {
    let mut errors = ValidationError::new();
    let mut rules = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = format!("rules[line {}]", i + 1);
        match parse_rule(line) {
            Ok(r) => rules.push(r),
            Err(reason) => errors.push(field, reason),
        }
    }
    if rules.len() > 500 {
        errors.push("rules", "must be at most 500 rules");
    }
    errors.into_result()?;
    Ok(rules)
}

fn parse_rule(line: &str) -> Result<Rule, String> {
    const SHAPE: &str = "must read '<repository|label|course> <value> -> <competency>, … : <category>'";
    let (head, tail) = line.split_once("->").ok_or(SHAPE)?;
    let (on, value) = head.trim().split_once(char::is_whitespace).ok_or(SHAPE)?;
    let on = MatchOn::parse(on.trim().to_lowercase().as_str()).ok_or_else(|| format!("'{on}' is not repository, label or course"))?;
    let value = value.trim().to_lowercase();
    if value.is_empty() || value.len() > 200 {
        return Err("the value must be 1-200 characters".into());
    }
    let (comps, category) = tail.rsplit_once(':').ok_or(SHAPE)?;
    let category = category.trim();
    let category =
        Category::parse(category).ok_or_else(|| format!("'{category}' is not a category (one of {})", Category::ALL.map(|c| c.as_str()).join(", ")))?;
    let mut competencies = Vec::new();
    for c in comps.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let key = parse_key("competency", c).map_err(|_| format!("'{c}' is not a competency key (a-z, 0-9, '-', '_')"))?;
        if !competencies.contains(&key) {
            competencies.push(key);
        }
    }
    Ok(Rule { on, value, competencies, category })
}

/// A work account linked to a person by the people team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account {
    /// `github` or `gitlab` (the generic form names people by email).
    pub system: SourceKind,
    /// Lower-case login, or `id:<n>` for a GitLab user id.
    pub login: String,
    pub person_id: PersonId,
}

/// One line of the accounts text before the email is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLine {
    pub system: SourceKind,
    pub login: String,
    pub email: String,
}

/// Parse the accounts text (`<github|gitlab> <login> <email>` a line); every
/// mistake at once, as `accounts[line N]`.
pub fn parse_accounts(text: &str) -> Result<Vec<AccountLine>, ValidationError> {
    let mut errors = ValidationError::new();
    let mut out: Vec<AccountLine> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = format!("accounts[line {}]", i + 1);
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [system, login, email] = parts.as_slice() else {
            errors.push(field, "must read '<github|gitlab> <login> <email>'");
            continue;
        };
        let Some(system @ (SourceKind::Github | SourceKind::Gitlab)) = SourceKind::parse(&system.to_lowercase()) else {
            errors.push(field, format!("'{system}' is not github or gitlab"));
            continue;
        };
        let login = login.to_lowercase();
        if login.len() > 100 || (login.starts_with("id:") && login[3..].parse::<i64>().is_err()) {
            errors.push(field, "the login must be at most 100 characters (or id:<number> for a GitLab user id)");
            continue;
        }
        if !email.contains('@') {
            errors.push(field, format!("'{email}' is not an email"));
            continue;
        }
        if out.iter().any(|a| a.system == system && a.login == login) {
            errors.push(field, format!("{} login '{login}' is linked twice", system.as_str()));
            continue;
        }
        out.push(AccountLine { system, login, email: email.to_lowercase() });
    }
    errors.into_result()?;
    Ok(out)
}

/// The account-link key an author is looked up by, for a source of `kind`.
pub fn account_key(author: &Author) -> Option<String> {
    match author {
        Author::Login(l) => Some(l.clone()),
        Author::UserId(id) => Some(format!("id:{id}")),
        Author::Email(_) => None,
    }
}
