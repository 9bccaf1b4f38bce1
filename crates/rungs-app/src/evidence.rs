//! Evidence from work systems on behalf of a viewer (docs/INTEGRATIONS.md, "Evidence
//! from work systems"): the people team sets up sources (each with a secret shown
//! once), mapping rules and account links; a person sees, accepts or dismisses the
//! wins suggested to them. Every "who may" is the access table's (`ManageEvidence`,
//! `ResolveSuggestion`). What an inbound delivery does is [`receive`].

pub mod receive;

use chrono::{DateTime, Utc};
use rand::RngCore;
use rungs_core::event::{EventBody, Magnitude, MicroProgression, ParsedEvent};
use rungs_core::evidence::rules::{parse_accounts, parse_rules};
use rungs_core::evidence::verify::{new_secret, secret_hash};
use rungs_core::evidence::{Account, Source, SourceKind, Suggestion, SuggestionState};
use rungs_core::store::{IdempotencyClaim, Store};
use rungs_core::{PersonId, ValidationError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::{Action, Relation, Subject, table};
use crate::{AppError, Viewer};

pub use receive::{Receipt, Refused, receive};

/// Most suggestions one list holds.
pub const LIST_LIMIT: u32 = 200;

fn check_manage(viewer: &Viewer) -> Result<(), AppError> {
    if table::allowed(viewer.role, Relation::Other, Action::ManageEvidence, Subject::ACTIVE) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only the people team sets up evidence sources".into()))
    }
}

/// A new source and its secret, shown this once.
#[derive(Debug, Clone)]
pub struct Created {
    pub source: Source,
    pub secret: String,
}

/// Add a source of `kind`; its secret is returned once and only its hash is kept.
pub async fn create_source(store: &dyn Store, viewer: &Viewer, kind: &str, name: &str, now: DateTime<Utc>) -> Result<Created, AppError> {
    check_manage(viewer)?;
    let mut errors = ValidationError::new();
    let kind = SourceKind::parse(kind.trim());
    if kind.is_none() {
        errors.push("kind", "must be github, gitlab or generic");
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push("name", "must be 1-100 characters");
    }
    errors.into_result()?;
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let secret = new_secret(random);
    let source = Source {
        id: Uuid::now_v7(),
        org_id: viewer.org_id,
        kind: kind.unwrap_or(SourceKind::Generic),
        name: name.to_string(),
        secret_hash: secret_hash(&secret),
        created_at: now,
    };
    store.create_source(&source).await?;
    Ok(Created { source, secret })
}

pub async fn sources(store: &dyn Store, viewer: &Viewer) -> Result<Vec<Source>, AppError> {
    check_manage(viewer)?;
    Ok(store.sources(viewer.org_id).await?)
}

/// Remove a source: its deliveries are refused from now on (401, unknown sender).
pub async fn remove_source(store: &dyn Store, viewer: &Viewer, id: Uuid) -> Result<(), AppError> {
    check_manage(viewer)?;
    Ok(store.delete_source(viewer.org_id, id).await?)
}

/// The people team's mapping, as the admin page edits it.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// One rule a line (`repository acme/api -> api-design : project_completed`).
    pub rules: String,
    /// One link a line (`github octocat alice@example.com`).
    pub accounts: String,
    pub auto_accept: bool,
}

pub async fn mapping(store: &dyn Store, viewer: &Viewer) -> Result<Mapping, AppError> {
    check_manage(viewer)?;
    let rules = store.rules(viewer.org_id).await?;
    let mut accounts = Vec::new();
    for a in store.accounts(viewer.org_id).await? {
        let email = match store.person(viewer.org_id, a.person_id).await {
            Ok(p) => p.email,
            Err(rungs_core::store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        accounts.push(format!("{} {} {email}", a.system.as_str(), a.login));
    }
    Ok(Mapping {
        rules: rules.iter().map(rungs_core::evidence::Rule::line).collect::<Vec<_>>().join("\n"),
        accounts: accounts.join("\n"),
        auto_accept: store.auto_accept(viewer.org_id).await?,
    })
}

/// Replace the mapping: the rules (whose competencies must be in the framework), the
/// account links (whose emails must name people) and the auto-accept option. Nothing
/// changes unless all of it is right; every mistake is reported at once.
pub async fn set_mapping(store: &dyn Store, viewer: &Viewer, m: &Mapping) -> Result<(), AppError> {
    check_manage(viewer)?;
    let mut errors = ValidationError::new();
    let rules = errors.collect(parse_rules(&m.rules)).unwrap_or_default();
    let lines = errors.collect(parse_accounts(&m.accounts)).unwrap_or_default();
    let fw = store.framework(viewer.org_id).await?;
    if !fw.competencies.is_empty() {
        for r in &rules {
            for c in r.competencies.iter().filter(|c| !fw.has_competency(c)) {
                errors.push("rules", format!("{} {}: '{c}' is not a competency of the framework", r.on.as_str(), r.value));
            }
        }
    }
    let mut accounts = Vec::new();
    for l in &lines {
        match store.person_by_email(viewer.org_id, &l.email).await {
            Ok(p) => accounts.push(Account { system: l.system, login: l.login.clone(), person_id: p.id }),
            Err(rungs_core::store::StoreError::NotFound) => errors.push("accounts", format!("nobody has the email {}", l.email)),
            Err(e) => return Err(e.into()),
        }
    }
    errors.into_result()?;
    store.set_rules(viewer.org_id, &rules).await?;
    store.set_accounts(viewer.org_id, &accounts).await?;
    store.set_auto_accept(viewer.org_id, m.auto_accept).await?;
    Ok(())
}

/// The viewer's own suggestions, newest first (pending ones by default).
pub async fn suggestions(store: &dyn Store, viewer: &Viewer, state: Option<SuggestionState>) -> Result<Vec<Suggestion>, AppError> {
    let Some(me) = viewer.person_id else { return Ok(Vec::new()) };
    if !table::allowed(viewer.role, Relation::Myself, Action::ResolveSuggestion, Subject::ACTIVE) {
        return Ok(Vec::new());
    }
    Ok(store.suggestions(viewer.org_id, Some(me), state, LIST_LIMIT).await?)
}

/// One of the viewer's suggestions; anyone else's is not found.
async fn mine(store: &dyn Store, viewer: &Viewer, id: Uuid) -> Result<Suggestion, AppError> {
    let s = store.suggestion(viewer.org_id, id).await?;
    if viewer.person_id != Some(s.person_id) {
        return Err(AppError::NotFound);
    }
    let left = store.person(viewer.org_id, s.person_id).await?.status == rungs_core::person::PersonStatus::Departed;
    if !table::allowed(viewer.role, Relation::Myself, Action::ResolveSuggestion, Subject { left, own_target: false }) {
        return Err(AppError::Forbidden("a suggested win is accepted or dismissed by its person only".into()));
    }
    Ok(s)
}

/// What the person may change when accepting: the text and the competencies.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The win's title; absent: the suggestion's.
    #[serde(default)]
    pub title: Option<String>,
    /// The win's description; absent: the suggestion's.
    #[serde(default)]
    pub description: Option<String>,
    /// The competencies; absent: the suggestion's.
    #[serde(default)]
    pub competencies: Option<Vec<String>>,
}

/// Accept a suggestion: it becomes a win (a `micro_progression` through the same use
/// case as any win) of its person, and is accepted once.
pub async fn accept(
    store: &dyn Store,
    viewer: &Viewer,
    id: Uuid,
    edit: &AcceptInput,
    now: DateTime<Utc>,
) -> Result<(Suggestion, rungs_core::event::Event), AppError> {
    let s = mine(store, viewer, id).await?;
    accept_as(store, viewer, s, edit, now).await
}

/// Dismiss a suggestion, once; nothing reaches the ledger.
pub async fn dismiss(store: &dyn Store, viewer: &Viewer, id: Uuid, now: DateTime<Utc>) -> Result<Suggestion, AppError> {
    let s = mine(store, viewer, id).await?;
    Ok(store.resolve_suggestion(viewer.org_id, s.id, SuggestionState::Dismissed, now).await?)
}

/// Turn `s` into a win recorded by `viewer` (the person, or the person's own viewer
/// under auto-accept). Accepting is claimed first (the state guard), so two accepts
/// or an accept and a dismissal cannot both happen; a win the ledger refuses puts
/// the suggestion back to pending.
pub(crate) async fn accept_as(
    store: &dyn Store,
    viewer: &Viewer,
    s: Suggestion,
    edit: &AcceptInput,
    now: DateTime<Utc>,
) -> Result<(Suggestion, rungs_core::event::Event), AppError> {
    let parsed = win(&s, edit)?;
    let resolved = store.resolve_suggestion(viewer.org_id, s.id, SuggestionState::Accepted, now).await?;
    let claim = IdempotencyClaim {
        scope: s.person_id.to_string(),
        key: format!("evidence-suggestion:{}", s.id),
        fingerprint: hex::encode(Sha256::digest(format!("{parsed:?}").as_bytes())),
    };
    match crate::events::record_parsed(store, viewer, vec![parsed], Some(claim)).await {
        Ok(appended) => {
            let Some(event) = appended.events.into_iter().next() else { return Err(AppError::internal("the win was not recorded")) };
            store.attach_suggestion_event(viewer.org_id, s.id, event.id).await?;
            Ok((Suggestion { event_id: Some(event.id), ..resolved }, event))
        }
        Err(e) => {
            store.reopen_suggestion(viewer.org_id, s.id).await?;
            Err(e)
        }
    }
}

/// The win a suggestion becomes, with the person's edits; field errors name them.
fn win(s: &Suggestion, edit: &AcceptInput) -> Result<ParsedEvent, AppError> {
    let title = edit.title.clone().unwrap_or_else(|| s.title.clone());
    let description = match &edit.description {
        Some(d) => Some(d.clone()).filter(|d| !d.trim().is_empty()),
        None => s.description.clone(),
    };
    let body = EventBody::MicroProgression(MicroProgression { category: s.category, magnitude: Magnitude::Micro, title, description });
    let body = body.normalize().map_err(|v| AppError::Invalid(strip_payload(v)))?;
    let mut errors = ValidationError::new();
    let mut competencies = Vec::new();
    for (i, c) in edit.competencies.as_ref().unwrap_or(&s.competencies).iter().enumerate() {
        if let Some(k) = errors.collect(rungs_core::text::parse_key(&format!("competencies[{i}]"), c)) {
            competencies.push(k);
        }
    }
    errors.into_result()?;
    competencies.sort();
    competencies.dedup();
    Ok(ParsedEvent { id: None, subject: s.person_id, occurred_at: s.occurred_at, body, competencies, evidence: s.url.clone().into_iter().collect() })
}

/// `payload.title` reads as `title` to someone editing a suggestion.
fn strip_payload(mut v: ValidationError) -> ValidationError {
    for e in &mut v.errors {
        if let Some(f) = e.field.strip_prefix("payload.") {
            e.field = f.to_string();
        }
    }
    v
}

/// The viewer a suggestion is accepted under when the organization auto-accepts: its
/// person, with only an employee's rights (a win about themself).
pub(crate) fn person_viewer(org: rungs_core::OrgId, person: PersonId) -> Viewer {
    Viewer { org_id: org, person_id: Some(person), role: rungs_core::person::Role::Employee, token_id: None }
}

#[cfg(test)]
mod tests;
