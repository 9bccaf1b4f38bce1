//! Badges as use cases (docs/BADGES.md): define (people team), preview a rule ("who
//! would get this now, and why"), evaluate and award (the `badges` job), award by hand
//! (the access table's `badge_awarded` row), and read a person's badges with the
//! events that earned each.
//!
//! Exactly once is the store's: an award is a `badge_awarded` event with the key
//! `badge:<subject>:<badge>:<tier>`, and a second append of a seen key replays the
//! first instead of adding another — across concurrent runs, instances and hands.
//!
//! Evaluation never runs on the POST path: the [`Evaluator`] is run by a periodic job
//! (`rungs serve`'s job runner, every `RUNGS_BADGES_EVERY_SECS`), reading the ledger
//! after its cursor. Its state is a cache of the ledger: each instance keeps its own,
//! the first run (and any run after a badge changed) is cold, the others incremental.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use rungs_core::badges::{BadgeDef, Due, Engine, RunReport, StoredBadge, Tier, award_key, parse_badge};
use rungs_core::event::{BadgeAwarded, Event, EventBody, EventKind, NewEvent};
use rungs_core::store::{AppendBatch, Store};
use rungs_core::{EventId, OrgId, PersonId};

use crate::access::{self, Scope};
use crate::{AppError, Viewer};

/// Facts read per store call.
const CHUNK: u32 = 100_000;
/// Awards appended at once: each its own batch (so a seen key replays alone), all
/// waiting together for the store's group commit.
const AWARD_WAVE: usize = 512;

/// May this viewer define badges and preview rules (the access table's row)?
pub fn may_define(viewer: &Viewer) -> bool {
    access::table::allowed(viewer.role, access::Relation::Other, access::Action::DefineBadges, access::Subject::ACTIVE)
}

fn people_team(viewer: &Viewer) -> Result<(), AppError> {
    if may_define(viewer) { Ok(()) } else { Err(AppError::Forbidden("only the people team defines badges".into())) }
}

/// May this viewer award a badge by hand to `subject` (the access table's
/// `badge_awarded` row)? For pages deciding whether to show the form; the award
/// itself checks again.
pub async fn may_award(store: &dyn Store, viewer: &Viewer, subject: PersonId) -> Result<bool, AppError> {
    let scope = Scope::load(store, viewer.clone()).await?;
    let person = store.person(viewer.org_id, subject).await?;
    let left = person.status == rungs_core::person::PersonStatus::Departed;
    Ok(access::can_record(viewer.role, scope.relation(subject), EventKind::BadgeAwarded, None, left))
}

/// Every badge of the viewer's organization (anyone signed in may read the rules).
pub async fn list(store: &dyn Store, viewer: &Viewer) -> Result<Vec<StoredBadge>, AppError> {
    Ok(store.badges(viewer.org_id).await?)
}

/// One badge by key.
pub async fn get(store: &dyn Store, viewer: &Viewer, key: &str) -> Result<StoredBadge, AppError> {
    list(store, viewer).await?.into_iter().find(|b| b.def.key == key).ok_or(AppError::NotFound)
}

/// Create or replace a badge (people team). Errors name their position in the rule.
/// The next evaluation run notices the new revision and re-judges everyone.
pub async fn define(store: &dyn Store, viewer: &Viewer, body: &Value, now: DateTime<Utc>) -> Result<StoredBadge, AppError> {
    people_team(viewer)?;
    let def = parse_badge(body)?;
    let revision = store.save_badge(viewer.org_id, &def, now).await?;
    Ok(StoredBadge { def, revision, updated_at: now })
}

/// Define every starter badge not defined yet; returns the keys defined.
pub async fn define_starter(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    people_team(viewer)?;
    let have: HashSet<String> = store.badges(viewer.org_id).await?.into_iter().map(|b| b.def.key).collect();
    let mut out = vec![];
    for def in rungs_core::badges::starter::starter() {
        if !have.contains(&def.key) {
            store.save_badge(viewer.org_id, &def, now).await?;
            out.push(def.key);
        }
    }
    Ok(out)
}

/// Who would get a tier of a badge now, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PreviewEntry {
    pub person: PersonId,
    pub tier: Tier,
    /// The events that meet the rule.
    pub earned_by: Vec<EventId>,
    /// Already on the ledger (nothing would be awarded).
    pub held: bool,
}

/// A rule's preview: the same evaluation the job runs, over the whole ledger, now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Preview {
    pub badge: String,
    /// Each tier's rule in words.
    pub rules: BTreeMap<Tier, String>,
    /// Everyone who meets a tier, by person then tier.
    pub entries: Vec<PreviewEntry>,
    /// How many would be awarded (met and not held).
    pub would_award: u64,
    /// Ledger events read.
    pub facts: u64,
}

/// Preview a definition (saved or not) as the people team: cold evaluation of this
/// badge alone over the ledger. Reads the whole ledger: an administration tool, not a
/// per-request page for everyone.
pub async fn preview(store: &dyn Store, viewer: &Viewer, body: &Value, now: DateTime<Utc>) -> Result<Preview, AppError> {
    people_team(viewer)?;
    let def = parse_badge(body)?;
    let mut engine = Engine::new(vec![def.clone()]);
    let tz = time_zone(store, viewer.org_id).await?;
    let facts = fold_all(store, viewer.org_id, &mut engine).await?;
    let mut entries = vec![];
    for (subject, p) in &engine.people {
        for (tier, rule) in &def.tiers {
            if let Some(earned_by) = rungs_core::badges::evaluate_in(rule, p, now, tz) {
                entries.push(PreviewEntry { person: *subject, tier: *tier, earned_by, held: p.holds(&def.key, *tier) });
            }
        }
    }
    entries.sort_by_key(|a| (a.person, a.tier));
    let would_award = entries.iter().filter(|e| !e.held).count() as u64;
    Ok(Preview { badge: def.key.clone(), rules: def.tiers.iter().map(|(t, r)| (*t, r.describe())).collect(), entries, would_award, facts })
}

/// The organization's time zone (its recognition policy's): streak weeks are its
/// calendar weeks, like the allowance calendar. UTC until the people team sets one.
async fn time_zone(store: &dyn Store, org: OrgId) -> Result<rungs_core::badges::TimeZone, AppError> {
    let policy = crate::recognition::policy(store, org).await?;
    Ok(policy.time_zone.parse().unwrap_or(rungs_core::badges::TimeZone::UTC))
}

async fn fold_all(store: &dyn Store, org: OrgId, engine: &mut Engine) -> Result<u64, AppError> {
    let mut n = 0;
    loop {
        let chunk = store.badge_facts(org, engine.cursor, CHUNK).await?;
        if chunk.is_empty() {
            return Ok(n);
        }
        n += chunk.len() as u64;
        engine.apply(&chunk, false);
    }
}

/// The award event for a due tier.
pub fn award_event(org: OrgId, due: &Due, now: DateTime<Utc>) -> NewEvent {
    NewEvent {
        id: EventId::new(),
        org_id: org,
        subject: due.subject,
        actor: None,
        occurred_at: due.at.min(now),
        recorded_at: now,
        body: EventBody::BadgeAwarded(BadgeAwarded {
            badge: due.badge.clone(),
            tier: due.tier,
            name: due.name.clone(),
            earned_by: due.earned_by.clone(),
            reason: Some(due.reason.clone()),
            by_hand: false,
        }),
        competencies: vec![],
        evidence: vec![],
        idempotency_key: Some(award_key(due.subject, &due.badge, due.tier)),
    }
}

struct OrgState {
    engine: Engine,
    /// Each badge's (key, revision) when the engine was built.
    revisions: Vec<(String, i64)>,
    /// The organization's time zone then: a change re-judges everyone.
    tz: rungs_core::badges::TimeZone,
}

/// The evaluator one server instance keeps: per organization, the incremental engine.
#[derive(Default, Clone)]
pub struct Evaluator {
    orgs: Arc<tokio::sync::Mutex<HashMap<OrgId, OrgState>>>,
}

impl Evaluator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Read the ledger after the cursor, judge what it touched, append the awards due.
    /// Cold (everyone judged at `now`) on the first run and after any badge changed.
    pub async fn run(&self, store: &dyn Store, org: OrgId, now: DateTime<Utc>) -> Result<RunReport, AppError> {
        let mut orgs = self.orgs.lock().await;
        let badges = store.badges(org).await?;
        let revisions: Vec<(String, i64)> = badges.iter().map(|b| (b.def.key.clone(), b.revision)).collect();
        let tz = time_zone(store, org).await?;
        let cold = orgs.get(&org).is_none_or(|s| s.revisions != revisions || s.tz != tz);
        if cold {
            let defs: Vec<BadgeDef> = badges.into_iter().map(|b| b.def).collect();
            let mut engine = Engine::new(defs);
            engine.time_zone = tz;
            orgs.insert(org, OrgState { engine, revisions, tz });
        }
        let state = orgs.get_mut(&org).ok_or_else(|| AppError::internal("evaluator state vanished"))?;
        let mut report = RunReport { mode: if cold { "cold" } else { "incremental" }.into(), ..Default::default() };
        let due = if cold {
            report.facts = fold_all(store, org, &mut state.engine).await?;
            report.people_evaluated = state.engine.people_count() as u64;
            state.engine.due_all(now)
        } else {
            let mut touched = rungs_core::badges::Touched::new();
            loop {
                let chunk = store.badge_facts(org, state.engine.cursor, CHUNK).await?;
                if chunk.is_empty() {
                    break;
                }
                report.facts += chunk.len() as u64;
                for (p, (badges, at)) in state.engine.apply(&chunk, true) {
                    let e = touched.entry(p).or_insert((badges.clone(), at));
                    e.0.extend(badges);
                    e.1 = e.1.max(at);
                }
            }
            report.people_evaluated = touched.len() as u64;
            state.engine.due_touched(&touched)
        };
        for wave in due.chunks(AWARD_WAVE) {
            let appends = wave.iter().map(|d| store.append(AppendBatch { org_id: org, events: vec![award_event(org, d, now)], claim: None }));
            for (d, res) in wave.iter().zip(futures_util::future::join_all(appends).await) {
                match res {
                    Ok(a) if a.replayed => report.already_held += 1,
                    Ok(_) => report.awarded += 1,
                    // The person has left: no badge after leaving (the ledger's rule).
                    // Expected on cold runs, which judge everyone on record: not a warning.
                    Err(rungs_core::store::StoreError::Invalid(v)) if v.errors.iter().all(|e| e.field == "subject") => {
                        tracing::debug!(subject = %d.subject, badge = %d.badge, "no badge after leaving");
                        continue;
                    }
                    Err(e) => {
                        // Refused for another reason: logged, and the slot stays free for
                        // the next event that touches them.
                        tracing::warn!(subject = %d.subject, badge = %d.badge, error = %e, "cannot award a badge");
                        continue;
                    }
                }
                state.engine.mark_held(d.subject, &d.badge, d.tier);
            }
        }
        Ok(report)
    }
}

/// Award a badge tier by hand, with a reason (a manager for their reports, the people
/// team for anyone: the access table's `badge_awarded` row). A tier already held is a
/// conflict: the rule or someone else awarded it first.
pub async fn award_by_hand(
    store: &dyn Store,
    viewer: &Viewer,
    subject: PersonId,
    badge: &str,
    tier: Tier,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Event, AppError> {
    let scope = Scope::load(store, viewer.clone()).await?;
    let rel = scope.relation(subject);
    let person = match store.person(viewer.org_id, subject).await {
        Ok(p) => p,
        Err(rungs_core::store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let left = person.status == rungs_core::person::PersonStatus::Departed;
    if !access::can_record(viewer.role, rel, EventKind::BadgeAwarded, None, left) {
        return Err(if scope.can_read(subject) { AppError::Forbidden("you may not award badges to this person".into()) } else { AppError::NotFound });
    }
    let def = get(store, viewer, badge).await.map_err(|_| AppError::invalid("badge", format!("no badge '{badge}'")))?;
    if !def.def.tiers.contains_key(&tier) {
        let tiers: Vec<_> = def.def.tiers.keys().map(rungs_core::badges::Tier::as_str).collect();
        return Err(AppError::invalid("tier", format!("badge '{badge}' has the tiers {}", tiers.join(", "))));
    }
    let body = EventBody::BadgeAwarded(BadgeAwarded {
        badge: def.def.key.clone(),
        tier,
        name: def.def.name.clone(),
        earned_by: vec![],
        reason: Some(reason.to_string()),
        by_hand: true,
    })
    .normalize()?;
    let event = NewEvent {
        id: EventId::new(),
        org_id: viewer.org_id,
        subject,
        actor: viewer.person_id,
        occurred_at: now,
        recorded_at: now,
        body,
        competencies: vec![],
        evidence: vec![],
        idempotency_key: Some(award_key(subject, &def.def.key, tier)),
    };
    let appended = store.append(AppendBatch { org_id: viewer.org_id, events: vec![event], claim: None }).await?;
    if appended.replayed {
        return Err(AppError::Conflict { field: "tier".into(), reason: format!("{} already holds {} {}", person.name, def.def.name, tier.as_str()) });
    }
    appended.events.into_iter().next().ok_or_else(|| AppError::internal("an append returned no event"))
}

/// A badge tier a person holds, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Held {
    pub badge: String,
    pub name: String,
    pub tier: Tier,
    pub awarded_at: DateTime<Utc>,
    /// The award event.
    pub event: EventId,
    pub by_hand: bool,
    /// The rule met, or the reason given by hand.
    pub reason: Option<String>,
    /// The events that earned it, as recorded (reversed ones included, marked).
    pub earned_by: Vec<Event>,
}

/// The badges `subject` holds (awards not reversed), newest first, each with the
/// events that earned it; under the timeline's access rule.
pub async fn held(store: &dyn Store, viewer: &Viewer, subject: PersonId) -> Result<Vec<Held>, AppError> {
    let scope = Scope::load(store, viewer.clone()).await?;
    if !scope.can_read(subject) {
        return Err(AppError::NotFound);
    }
    let events = store.subject_events(viewer.org_id, subject).await?;
    let reversed: HashSet<EventId> = events.iter().filter_map(|e| if let EventBody::Reversal(r) = &e.body { Some(r.target) } else { None }).collect();
    let by_id: HashMap<EventId, &Event> = events.iter().map(|e| (e.id, e)).collect();
    let mut out = vec![];
    for e in events.iter().rev() {
        if let EventBody::BadgeAwarded(b) = &e.body
            && !reversed.contains(&e.id)
        {
            let mut earned_by: Vec<Event> = b.earned_by.iter().filter_map(|id| by_id.get(id).map(|x| (*x).clone())).collect();
            for x in &mut earned_by {
                access::redact_body(scope.viewer.role, scope.relation(subject), &mut x.body);
            }
            out.push(Held {
                badge: b.badge.clone(),
                name: b.name.clone(),
                tier: b.tier,
                awarded_at: e.recorded_at,
                event: e.id,
                by_hand: b.by_hand,
                reason: b.reason.clone(),
                earned_by,
            });
        }
    }
    Ok(out)
}

/// A preview line as a page shows it: the person's name and the first events that
/// earned the tier (a page shows a bounded part of a preview).
#[derive(Debug, Clone, Serialize)]
pub struct PreviewLine {
    pub person: PersonId,
    pub name: String,
    pub tier: Tier,
    pub held: bool,
    /// The first events that meet the rule (at most `events` of them).
    pub events: Vec<Event>,
    /// How many events meet it in all.
    pub earned_by: usize,
}

/// The first `people` lines of a preview with names and up to `events` events each:
/// at most `people × (events + 1)` reads, whatever the organization's size.
pub async fn explain_preview(store: &dyn Store, viewer: &Viewer, preview: &Preview, people: usize, events: usize) -> Result<Vec<PreviewLine>, AppError> {
    people_team(viewer)?;
    let mut out = vec![];
    for e in preview.entries.iter().take(people) {
        let name = match store.person(viewer.org_id, e.person).await {
            Ok(p) => p.name,
            Err(rungs_core::store::StoreError::NotFound) => e.person.to_string(),
            Err(err) => return Err(err.into()),
        };
        let mut evs = vec![];
        for id in e.earned_by.iter().take(events) {
            match store.event(viewer.org_id, *id).await {
                Ok(ev) => evs.push(ev),
                Err(rungs_core::store::StoreError::NotFound) => {}
                Err(err) => return Err(err.into()),
            }
        }
        out.push(PreviewLine { person: e.person, name, tier: e.tier, held: e.held, events: evs, earned_by: e.earned_by.len() });
    }
    Ok(out)
}
