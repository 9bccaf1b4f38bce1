//! Recognition on behalf of a viewer (docs/RECOGNITION.md): give it to one or more
//! people (one ledger event each, in one atomic batch, through [`events::record`]
//! so access, the framework and the allowance are checked as for any event), the
//! feed with private recognition shown only to whom the access table allows,
//! balances, the collusion report and the policy.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use rungs_core::event::{Event, EventBody, EventInput};
use rungs_core::person::Role;
use rungs_core::recognition::collusion::{self, Baseline, Flag};
use rungs_core::recognition::{FeedItem, FeedQuery, GiftInput, Period, Policy, Received, SpendKey};
use rungs_core::store::{IdempotencyClaim, Store, StoreError};
use rungs_core::{OrgId, PersonId, ValidationError};

use crate::access::{Action, Relation, Scope, Subject, table};
use crate::{AppError, Viewer, events};

/// Feed page size when none is asked for, and the most one page may hold.
pub const FEED_PAGE: u32 = 20;
pub const MAX_FEED_PAGE: u32 = 100;
/// The collusion window when none is asked for, and the longest.
pub const COLLUSION_DAYS: u32 = 90;
pub const MAX_COLLUSION_DAYS: u32 = 366;

/// The organization's policy, or the defaults when the people team never set one.
pub async fn policy(store: &dyn Store, org: OrgId) -> Result<Policy, AppError> {
    Ok(store.recognition_policy(org).await?.unwrap_or_default())
}

/// Replace the policy (the people team).
pub async fn set_policy(store: &dyn Store, viewer: &Viewer, policy: Policy) -> Result<Policy, AppError> {
    if !table::allowed(viewer.role, Relation::Other, Action::SetRecognitionPolicy, Subject::ACTIVE) {
        return Err(AppError::Forbidden("only the people team sets the recognition policy".into()));
    }
    let policy = policy.validate()?;
    store.save_recognition_policy(viewer.org_id, &policy).await?;
    Ok(policy)
}

/// What giving recognition did: the events (one per receiver) and the giver's
/// balance after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Given {
    pub events: Vec<Event>,
    pub balance: Balance,
    /// True when an `Idempotency-Key` replayed an earlier gift.
    #[serde(skip)]
    pub replayed: bool,
}

/// Give recognition: the same message, tags, competencies and points to each
/// receiver, all or nothing.
pub async fn give(store: &dyn Store, viewer: &Viewer, input: GiftInput, claim: Option<IdempotencyClaim>, now: DateTime<Utc>) -> Result<Given, AppError> {
    let Some(me) = viewer.person_id else {
        return Err(AppError::invalid("actor", "recognition needs a person to give it"));
    };
    let policy = policy(store, viewer.org_id).await?;
    let g = input.parse(&policy)?;
    if let Some(i) = g.to.iter().position(|p| *p == me) {
        return Err(AppError::invalid(format!("to[{i}]"), "nobody can recognize themself"));
    }
    let payload = json!({"message": g.message, "points": g.points, "public": g.public, "tags": g.tags});
    let inputs: Vec<EventInput> =
        g.to.iter()
            .map(|to| EventInput {
                subject: json!(to),
                kind: json!("recognition"),
                payload: payload.clone(),
                competencies: json!(g.competencies),
                ..EventInput::default()
            })
            .collect();
    let bulk = inputs.len() > 1;
    let appended = events::record(store, viewer, inputs, claim).await.map_err(|e| as_gift_error(e, bulk))?;
    let balance = balance_of(store, viewer.org_id, me, viewer.role, &policy, now).await?;
    Ok(Given { events: appended.events, balance, replayed: appended.replayed })
}

/// The people these emails belong to, for forms that name receivers by email; an
/// unknown email is an error on `to[i]`.
pub async fn resolve_emails(store: &dyn Store, viewer: &Viewer, emails: &[String]) -> Result<Vec<PersonId>, AppError> {
    let mut e = ValidationError::new();
    if emails.is_empty() {
        e.push("to", "name at least one person by email");
    }
    if emails.len() > rungs_core::recognition::MAX_RECEIVERS {
        e.push("to", format!("name at most {} people", rungs_core::recognition::MAX_RECEIVERS));
    }
    let mut out = Vec::with_capacity(emails.len());
    for (i, m) in emails.iter().enumerate().take(rungs_core::recognition::MAX_RECEIVERS) {
        match store.person_by_email(viewer.org_id, &m.trim().to_lowercase()).await {
            Ok(p) => out.push(p.id),
            Err(StoreError::NotFound) => e.push(format!("to[{i}]"), format!("nobody here has the email {m}")),
            Err(other) => return Err(other.into()),
        }
    }
    e.into_result()?;
    Ok(out)
}

/// Name the gift's fields in errors the event path raised: `events[i].subject` is
/// `to[i]`, `payload.points` is `points`.
fn as_gift_error(e: AppError, bulk: bool) -> AppError {
    let rename = |field: &str| -> String {
        let (index, rest) = match field.strip_prefix("events[").and_then(|r| r.split_once("].")) {
            Some((i, rest)) if bulk => (Some(i.to_string()), rest.to_string()),
            _ => (None, field.to_string()),
        };
        match (rest.as_str(), index) {
            ("subject", Some(i)) => format!("to[{i}]"),
            ("subject", None) => "to[0]".into(),
            (r, _) => r.strip_prefix("payload.").unwrap_or(r).to_string(),
        }
    };
    match e {
        AppError::Invalid(v) => {
            let mut out = ValidationError::new();
            for f in v.errors {
                out.push(rename(&f.field), f.reason);
            }
            AppError::Invalid(out)
        }
        AppError::Conflict { field, reason } => AppError::Conflict { field: rename(&field), reason },
        other => other,
    }
}

/// A person's points: what they may still give this period, and what they received.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Balance {
    pub person: PersonId,
    /// The current allowance period (it resets at `period.end`).
    pub period: Period,
    /// Points they may give this period (by their role).
    pub allowance: u32,
    /// Points given this period, in force.
    pub given: u64,
    /// `allowance - given`.
    pub left: u64,
    /// Most points they may give one person this period.
    pub pair_cap: u32,
    pub received_this_period: Received,
    pub received_total: Received,
}

async fn balance_of(store: &dyn Store, org: OrgId, person: PersonId, role: Role, policy: &Policy, now: DateTime<Utc>) -> Result<Balance, AppError> {
    let period = policy.period_at(now);
    let allowance = policy.allowance_for(role);
    let key = SpendKey { giver: person, receiver: None, period_start: period.start, period_end: period.end };
    let (given, received_this_period, received_total) = tokio::try_join!(
        store.recognition_spent(org, &key),
        store.recognition_received(org, person, Some(period.start)),
        store.recognition_received(org, person, None),
    )?;
    Ok(Balance {
        person,
        period,
        allowance,
        given,
        left: u64::from(allowance).saturating_sub(given),
        pair_cap: policy.pair_cap,
        received_this_period,
        received_total,
    })
}

/// The balance of `person` (the viewer when `None`), if the viewer may read them.
/// Someone else's allowance is their password's role (employee without one).
pub async fn balance(store: &dyn Store, viewer: &Viewer, person: Option<PersonId>, now: DateTime<Utc>) -> Result<Balance, AppError> {
    let Some(person) = person.or(viewer.person_id) else {
        return Err(AppError::invalid("person", "is required when no person is signed in"));
    };
    let role = if Some(person) == viewer.person_id {
        viewer.role
    } else {
        let scope = Scope::load(store, viewer.clone()).await?;
        if !scope.can_read(person) {
            return Err(AppError::NotFound);
        }
        let p = store.person(viewer.org_id, person).await?;
        match store.credential_by_email(&p.email).await {
            Ok(c) if c.person_id == person => c.role,
            Ok(_) | Err(StoreError::NotFound) => Role::Employee,
            Err(e) => return Err(e.into()),
        }
    };
    let policy = policy(store, viewer.org_id).await?;
    balance_of(store, viewer.org_id, person, role, &policy, now).await
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Pass back as `cursor` for older recognition; `None` at the end. A page may
    /// hold fewer than `limit` items (private recognition the viewer may not see is
    /// skipped) and still have a next page: each page reads at most `limit` rows.
    pub next_cursor: Option<String>,
}

/// The newest recognition first: public, and private where the access table lets the
/// viewer see it. Each page reads one index range of `limit` rows.
pub async fn feed(store: &dyn Store, viewer: &Viewer, cursor: Option<&str>, limit: Option<u32>, person: Option<PersonId>) -> Result<FeedPage, AppError> {
    let limit = limit.unwrap_or(FEED_PAGE);
    if limit == 0 || limit > MAX_FEED_PAGE {
        return Err(AppError::invalid("limit", format!("must be between 1 and {MAX_FEED_PAGE}")));
    }
    let before_seq = match cursor {
        None => None,
        Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| AppError::invalid("cursor", "is not a cursor this feed gave"))?),
    };
    let rows = store.recognition_feed(viewer.org_id, &FeedQuery { before_seq, person, limit }).await?;
    let next_cursor = if rows.len() == limit as usize { rows.last().map(|r| r.event.seq.to_string()) } else { None };
    let private = rows.iter().any(|r| !is_public(&r.event));
    let scope = if private { Some(Scope::load(store, viewer.clone()).await?) } else { None };
    let items = rows.into_iter().filter(|r| is_public(&r.event) || scope.as_ref().is_some_and(|s| may_see_private(s, &r.event))).collect();
    Ok(FeedPage { items, next_cursor })
}

fn is_public(e: &Event) -> bool {
    matches!(&e.body, EventBody::Recognition(r) if r.public)
}

/// May the viewer see this private recognition? The access table decides.
pub fn may_see_private(scope: &Scope, e: &Event) -> bool {
    let own = scope.viewer.person_id.is_some() && e.actor == scope.viewer.person_id;
    table::allowed(scope.viewer.role, scope.relation(e.subject), Action::ReadPrivateRecognition, Subject { left: false, own_target: own })
}

/// One flag, with the names of its members and its explanation in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExplainedFlag {
    #[serde(flatten)]
    pub flag: Flag,
    /// Names of `members`, in the same order.
    pub names: Vec<String>,
    /// The numbers and the baseline, in one sentence.
    pub why: String,
}

/// The collusion report (people team only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollusionReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub baseline: Baseline,
    pub flags: Vec<ExplainedFlag>,
}

/// Pairs and rings trading points beyond the organization's pattern in the last
/// `days` days (see `rungs_core::recognition::collusion`).
pub async fn collusion(store: &dyn Store, viewer: &Viewer, days: Option<u32>, now: DateTime<Utc>) -> Result<CollusionReport, AppError> {
    if !table::allowed(viewer.role, Relation::Other, Action::ReviewCollusion, Subject::ACTIVE) {
        return Err(AppError::Forbidden("only the people team reads the collusion report".into()));
    }
    let days = days.unwrap_or(COLLUSION_DAYS);
    if days == 0 || days > MAX_COLLUSION_DAYS {
        return Err(AppError::invalid("days", format!("must be between 1 and {MAX_COLLUSION_DAYS}")));
    }
    let from = now - Duration::days(i64::from(days));
    let flows = store.recognition_flows(viewer.org_id, from, now).await?;
    let report = collusion::detect(&flows, from, now);
    let mut names: HashMap<PersonId, String> = HashMap::new();
    for f in &report.flags {
        for m in &f.members {
            if !names.contains_key(m) {
                let n = match store.person(viewer.org_id, *m).await {
                    Ok(p) => p.name,
                    Err(StoreError::NotFound) => m.to_string(),
                    Err(e) => return Err(e.into()),
                };
                names.insert(*m, n);
            }
        }
    }
    let name = |id: PersonId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let flags = report
        .flags
        .into_iter()
        .map(|flag| ExplainedFlag { why: flag.explain(&report.baseline, name), names: flag.members.iter().map(|m| name(*m)).collect(), flag })
        .collect();
    Ok(CollusionReport { from, to: now, baseline: report.baseline, flags })
}

#[cfg(test)]
mod tests;
