//! Recording and reading ledger events on behalf of a viewer.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use rungs_core::event::{Event, EventBody, EventInput, EventKind, NewEvent, ParsedEvent, ValidatorRole};
use rungs_core::framework::Framework;
use rungs_core::page::Page;
use rungs_core::person::PersonStatus;
use rungs_core::recognition::Policy;
use rungs_core::store::{AppendBatch, Appended, EventQuery, IdempotencyClaim, Store, StoreError};
use rungs_core::{EventId, PersonId, ValidationError};

use crate::access::{self, Action, Relation, Scope, Subject, Target, can_record, redact_body, refusal_is_visible, table};
use crate::{AppError, Viewer};

/// Most events one bulk request may carry.
pub const MAX_BULK: usize = 10_000;
/// How far in the future `occurred_at` may be (clock skew between systems).
const FUTURE_SLACK: Duration = Duration::minutes(5);

/// A client's `Idempotency-Key` and a digest of the request it came with.
pub fn claim(viewer: &Viewer, key: Option<&str>, body: &[u8]) -> Result<Option<IdempotencyClaim>, AppError> {
    let Some(key) = key else { return Ok(None) };
    if key.is_empty() || key.len() > rungs_core::event::MAX_IDEMPOTENCY_KEY || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::invalid("Idempotency-Key", "must be 1-200 visible ASCII characters"));
    }
    let scope = match viewer.person_id {
        Some(p) => p.to_string(),
        None => "system".to_string(),
    };
    Ok(Some(IdempotencyClaim { scope, key: key.to_string(), fingerprint: hex::encode(Sha256::digest(body)) }))
}

/// Record events sent by a client: parse each, check the framework and the access
/// rules, then append them atomically. `inputs.len() > 1` nests error fields as
/// `events[i].…`.
pub async fn record(store: &dyn Store, viewer: &Viewer, inputs: Vec<EventInput>, claim: Option<IdempotencyClaim>) -> Result<Appended, AppError> {
    if inputs.is_empty() {
        return Err(AppError::invalid("events", "must contain at least one event"));
    }
    if inputs.len() > MAX_BULK {
        return Err(AppError::invalid("events", format!("must contain at most {MAX_BULK} events")));
    }
    let bulk = inputs.len() > 1;
    let mut errors = ValidationError::new();
    let mut parsed = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        match input.parse() {
            Ok(p) => parsed.push(p),
            Err(e) => errors.errors.extend(nest(e, bulk, i).errors),
        }
    }
    errors.into_result()?;
    record_parsed(store, viewer, parsed, claim).await
}

/// [`record`] for input a caller has already parsed into the ledger's types (the win
/// form builds its event from typed fields, with no JSON detour): the framework,
/// access and ledger rules are the same.
pub async fn record_parsed(store: &dyn Store, viewer: &Viewer, parsed: Vec<ParsedEvent>, claim: Option<IdempotencyClaim>) -> Result<Appended, AppError> {
    if parsed.is_empty() {
        return Err(AppError::invalid("events", "must contain at least one event"));
    }
    if parsed.len() > MAX_BULK {
        return Err(AppError::invalid("events", format!("must contain at most {MAX_BULK} events")));
    }
    let bulk = parsed.len() > 1;
    let now = Utc::now();
    let mut errors = ValidationError::new();
    let framework = store.framework(viewer.org_id).await?;
    let validates = parsed.iter().any(|p| matches!(p.body, EventBody::Validation(_)));
    let subjects: Vec<PersonId> = parsed.iter().map(|p| p.subject).collect();
    let scope = if validates {
        Scope::for_subjects_with_reports(store, viewer.clone(), &subjects).await?
    } else {
        Scope::for_subjects(store, viewer.clone(), &subjects).await?
    };
    let departed = departed_subjects(store, viewer, &parsed).await?;
    // Recognition draws on its giver's allowance: the policy is read only then.
    let gives = viewer.person_id.is_some() && parsed.iter().any(|p| matches!(p.body, EventBody::Recognition(_)));
    let policy = if gives { Some(crate::recognition::policy(store, viewer.org_id).await?) } else { None };
    let mut events = Vec::with_capacity(parsed.len());
    for (i, p) in parsed.into_iter().enumerate() {
        match prepare(store, &scope, &departed, &framework, policy.as_ref(), p, now).await {
            Ok(e) => events.push(e),
            Err(AppError::Invalid(v)) => errors.errors.extend(nest(v, bulk, i).errors),
            Err(other) => return Err(other),
        }
    }
    errors.into_result()?;
    let appended = store.append(AppendBatch { org_id: viewer.org_id, events, claim }).await?;
    if !appended.replayed {
        crate::milestones::after_append(store, &framework, viewer.org_id, &appended.events, now).await;
    }
    Ok(redact_appended(&scope, appended))
}

/// Which of the subjects have left, read once per subject, for the access check; the
/// people team's rights do not depend on it, so nothing is read for them.
async fn departed_subjects(store: &dyn Store, viewer: &Viewer, parsed: &[ParsedEvent]) -> Result<HashSet<PersonId>, AppError> {
    let mut departed = HashSet::new();
    if table::records_about_anyone_else(viewer.role) {
        return Ok(departed);
    }
    let subjects: HashSet<PersonId> = parsed.iter().map(|p| p.subject).collect();
    for id in subjects {
        match store.person(viewer.org_id, id).await {
            Ok(person) if person.status == PersonStatus::Departed => {
                departed.insert(id);
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(departed)
}

fn nest(e: ValidationError, bulk: bool, i: usize) -> ValidationError {
    if bulk { e.nested(&format!("events[{i}]")) } else { e }
}

fn redact_appended(scope: &Scope, mut a: Appended) -> Appended {
    for e in &mut a.events {
        redact_body(scope.viewer.role, scope.relation(e.subject), &mut e.body);
    }
    a
}

/// Turn one parsed input into a ledger event the viewer is allowed to record.
async fn prepare(
    store: &dyn Store,
    scope: &Scope,
    departed: &HashSet<PersonId>,
    fw: &Framework,
    policy: Option<&Policy>,
    p: ParsedEvent,
    now: DateTime<Utc>,
) -> Result<NewEvent, AppError> {
    let viewer = &scope.viewer;
    let rel = scope.relation(p.subject);
    // Access first, so a refused request learns nothing from validation errors.
    check_access(store, scope, departed.contains(&p.subject), &p).await?;
    let occurred_at = p.occurred_at.unwrap_or(now);
    if occurred_at > now + FUTURE_SLACK {
        return Err(AppError::invalid("occurred_at", "must not be in the future"));
    }
    check_framework(fw, &p)?;
    let mut body = p.body;
    if let EventBody::Validation(v) = &mut body {
        v.role = if rel == Relation::Manager { ValidatorRole::Manager } else { ValidatorRole::Peer };
    }
    if let EventBody::Recognition(_) = &body
        && viewer.person_id.is_none()
        && !viewer.is_admin()
    {
        return Err(AppError::invalid("actor", "recognition needs a person to give it"));
    }
    // A person's recognition draws on their allowance, whatever the client sent:
    // the server stamps the one in force, and the ledger enforces it.
    if let (EventBody::Recognition(r), Some(policy)) = (&mut body, policy) {
        let mut e = ValidationError::new();
        r.tags = rungs_core::recognition::parse_tags("payload.tags", &r.tags, policy, &mut e);
        e.into_result()?;
        r.allowance = Some(policy.allowance_at(viewer.role, occurred_at));
    }
    // Whatever the client sent, the server says whether it crossed teams (readiness
    // counts breadth: docs/READINESS.md). Two reads, only for recognition.
    if let EventBody::Recognition(r) = &mut body {
        r.across_teams = match viewer.person_id {
            Some(giver) => across_teams(store, viewer.org_id, giver, p.subject).await?,
            None => None,
        };
    }
    // An award recorded through the ledger API is an award by hand: it takes the same
    // once-per-person-badge-tier key as the rule's, so either comes first, never both.
    let mut idempotency_key = None;
    if let EventBody::BadgeAwarded(b) = &mut body {
        let Some(def) = store.badges(viewer.org_id).await?.into_iter().find(|d| d.def.key == b.badge) else {
            return Err(AppError::invalid("payload.badge", format!("no badge '{}'", b.badge)));
        };
        if !def.def.tiers.contains_key(&b.tier) {
            return Err(AppError::invalid("payload.tier", format!("badge '{}' has no {} tier", b.badge, b.tier.as_str())));
        }
        if !b.by_hand || b.reason.is_none() {
            return Err(AppError::invalid("payload.reason", "an award by hand must say why (and set by_hand: true)"));
        }
        idempotency_key = Some(rungs_core::badges::award_key(p.subject, &b.badge, b.tier));
    }
    // A revocation names a credential this person holds, for the event it certified;
    // once per credential, whoever records it (the key), a repeat replays the first.
    if let EventBody::CredentialRevoked(c) = &body {
        let held = match store.credential(c.credential).await {
            Ok(held) => Some(held),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        if !held.is_some_and(|h| h.org_id == viewer.org_id && h.person == p.subject && h.event_id == c.certified) {
            return Err(AppError::invalid("payload.credential", "is not a credential of this person certifying payload.certified"));
        }
        idempotency_key = Some(rungs_core::credentials::revoke_key(c.credential));
    }
    Ok(NewEvent {
        id: p.id.unwrap_or_default(),
        org_id: viewer.org_id,
        subject: p.subject,
        actor: viewer.person_id,
        occurred_at,
        recorded_at: now,
        body,
        competencies: p.competencies,
        evidence: p.evidence,
        idempotency_key,
    })
}

/// Refuse what the access table does not allow (`403`, or `404` when the viewer may
/// not know the person). The people team is allowed everything the table has, about
/// anyone, so nothing is read for them (bulk imports stay one write); for others a
/// reversal's target is read for its kind and actor. `left`: the subject has left.
async fn check_access(store: &dyn Store, scope: &Scope, left: bool, p: &ParsedEvent) -> Result<(), AppError> {
    let viewer = &scope.viewer;
    let rel = scope.relation(p.subject);
    let kind = p.body.kind();
    // The people team's rows hold about anyone else (nothing to read); about
    // themself some do not (no self-recognition), so that goes the long way.
    if rel != Relation::Myself && table::records_about_anyone_else(viewer.role) {
        return Ok(());
    }
    let mut action = Action::Record(kind);
    let mut target = None;
    if kind == EventKind::Reversal
        && let Some(id) = p.body.target()
    {
        match store.event(viewer.org_id, id).await {
            // A target about someone else is refused by the ledger (422) if allowed here.
            Ok(t) => {
                action = Action::Reverse(t.kind());
                target = Some(Target { kind: t.kind(), own: viewer.person_id.is_some() && t.actor == viewer.person_id });
            }
            Err(StoreError::NotFound) => {
                // Nothing to decide on: say so only to someone who could reverse
                // something about this person.
                let could = Action::all()
                    .into_iter()
                    .filter(|a| matches!(a, Action::Reverse(_)))
                    .any(|a| access::table::allowed(viewer.role, rel, a, Subject { left, own_target: true }));
                if could {
                    return Err(AppError::invalid("payload.target", "no such event"));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    if can_record(viewer.role, rel, kind, target, left) {
        return Ok(());
    }
    Err(if refusal_is_visible(viewer.role, rel, action) {
        let why = if left { " who has left" } else { "" };
        let what = match action {
            Action::Reverse(k) => format!("reversal of a {}", k.as_str()),
            _ => kind.as_str().to_string(),
        };
        let role = viewer.role.as_str();
        AppError::Forbidden(format!(
            "{} {role} cannot record {} {what} for this person{why}",
            rungs_core::text::article(role),
            rungs_core::text::article(&what)
        ))
    } else {
        AppError::NotFound
    })
}

/// Positions and competencies must exist in the organization's framework.
pub fn check_framework(fw: &Framework, p: &ParsedEvent) -> Result<(), ValidationError> {
    let mut e = ValidationError::new();
    match &p.body {
        EventBody::Hired(h) => {
            e.collect(fw.check_position("payload.position", &h.position));
        }
        EventBody::Promotion(pr) => {
            e.collect(fw.check_position("payload.to", &pr.to));
        }
        EventBody::Demotion(d) => {
            e.collect(fw.check_position("payload.to", &d.to));
        }
        EventBody::LateralMove(l) => {
            if let Some(to) = &l.to {
                e.collect(fw.check_position("payload.to", to));
            }
        }
        EventBody::MilestoneCompleted(m) if !fw.milestones.iter().any(|x| x.key == m.milestone && x.track == m.track && x.to_level == m.to_level) => {
            e.push("payload.milestone", format!("no milestone '{}' into {}/{} in the framework", m.milestone, m.track, m.to_level));
        }
        _ => {}
    }
    if !fw.competencies.is_empty() {
        for (i, c) in p.competencies.iter().enumerate() {
            if !fw.has_competency(c) {
                e.push(format!("competencies[{i}]"), format!("unknown competency '{c}'"));
            }
        }
    }
    e.into_result()
}

/// One event, if the viewer may see its subject.
pub async fn get(store: &dyn Store, viewer: &Viewer, id: EventId) -> Result<Event, AppError> {
    let mut e = store.event(viewer.org_id, id).await?;
    let scope = Scope::for_subjects(store, viewer.clone(), &[e.subject]).await?;
    if !scope.can_read(e.subject) {
        return Err(AppError::NotFound);
    }
    redact_body(viewer.role, scope.relation(e.subject), &mut e.body);
    Ok(e)
}

/// A page of one person's events, filtered.
pub async fn list(store: &dyn Store, viewer: &Viewer, subject: PersonId, mut q: EventQuery) -> Result<Page<Event>, AppError> {
    let scope = Scope::for_subjects(store, viewer.clone(), &[subject]).await?;
    if !scope.can_read(subject) {
        return Err(AppError::NotFound);
    }
    // Existence check after the access check, so a 404 says nothing either way.
    store.person(viewer.org_id, subject).await?;
    q.subject = Some(subject);
    let rel = scope.relation(subject);
    Ok(store.events(viewer.org_id, &q).await?.map(|mut e| {
        redact_body(viewer.role, rel, &mut e.body);
        e
    }))
}

/// Were `giver` and `receiver` in different teams? One team: the same manager, or one
/// managing the other directly. `None` when either is unknown (the append refuses an
/// unknown subject with its own error).
async fn across_teams(store: &dyn Store, org: rungs_core::OrgId, giver: PersonId, receiver: PersonId) -> Result<Option<bool>, AppError> {
    let (g, r) = match (store.person(org, giver).await, store.person(org, receiver).await) {
        (Ok(g), Ok(r)) => (g, r),
        (Err(StoreError::NotFound), _) | (_, Err(StoreError::NotFound)) => return Ok(None),
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let same = (g.manager_id.is_some() && g.manager_id == r.manager_id) || g.manager_id == Some(r.id) || r.manager_id == Some(g.id);
    Ok(Some(!same))
}
