//! People: created and changed through ledger events, read from the projection.

use serde::{Deserialize, Serialize};

use rungs_core::event::{Event, EventBody, EventInput};
use rungs_core::page::Page;
use rungs_core::person::Person;
use rungs_core::store::{IdempotencyClaim, PeopleQuery, Store};
use rungs_core::{EventId, PersonId};

use crate::access::{Capabilities, Relation, Scope, redact_body, redact_person};
use crate::{AppError, Viewer, events};

/// Create a person: records a `hired` event whose payload is `hire` (the body of
/// `POST /api/v1/people`). People-team only.
pub async fn create(
    store: &dyn Store,
    viewer: &Viewer,
    hire: serde_json::Value,
    occurred_at: Option<serde_json::Value>,
    claim: Option<IdempotencyClaim>,
) -> Result<Person, AppError> {
    let id = PersonId::new();
    let input = EventInput {
        subject: serde_json::Value::String(id.to_string()),
        kind: "hired".into(),
        occurred_at: occurred_at.unwrap_or(serde_json::Value::Null),
        payload: hire,
        ..Default::default()
    };
    if !Capabilities::of(viewer.role).add_people {
        return Err(AppError::Forbidden("only the people team can add people".into()));
    }
    let appended = events::record(store, viewer, vec![input], claim).await?;
    let subject = appended.events.first().map(|e| e.subject).ok_or(AppError::NotFound)?;
    get(store, viewer, subject).await
}

/// Change profile fields: records a `profile_updated` event. People-team only.
pub async fn update(store: &dyn Store, viewer: &Viewer, id: PersonId, changes: serde_json::Value, claim: Option<IdempotencyClaim>) -> Result<Person, AppError> {
    get(store, viewer, id).await?;
    crate::access::require(
        viewer.role,
        crate::access::Action::Record(rungs_core::event::EventKind::ProfileUpdated),
        "only the people team can change profiles",
    )?;
    let input = EventInput { subject: serde_json::Value::String(id.to_string()), kind: "profile_updated".into(), payload: changes, ..Default::default() };
    events::record(store, viewer, vec![input], claim).await?;
    get(store, viewer, id).await
}

/// A person, redacted for the viewer; `NotFound` if they may not see them.
pub async fn get(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<Person, AppError> {
    Ok(get_scoped(store, viewer, id).await?.0)
}

/// [`get`], and the access decision it made, for the rest of the request to reuse.
pub async fn get_scoped(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<(Person, Scope), AppError> {
    let scope = Scope::for_subjects(store, viewer.clone(), &[id]).await?;
    if !scope.can_read(id) {
        return Err(AppError::NotFound);
    }
    let p = store.person(viewer.org_id, id).await?;
    Ok((redact_person(viewer.role, scope.relation(id), p), scope))
}

/// What a timeline page shows, with access checked once: the person, their timeline
/// (newest first), the names of those who acted on it, and the access decision.
pub struct TimelineView {
    pub person: Person,
    pub entries: Vec<TimelineEntry>,
    pub names: std::collections::HashMap<PersonId, String>,
    pub scope: Scope,
}

/// [`get`], [`timeline`] and [`actor_names`] in one, checking access once.
pub async fn timeline_view(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<TimelineView, AppError> {
    let (person, scope) = get_scoped(store, viewer, id).await?;
    let entries = timeline_of(store, &scope, id).await?;
    let names = names_of_actors(store, viewer, &entries).await?;
    Ok(TimelineView { person, entries, names, scope })
}

/// People the viewer may see: everyone for the people team, self and reports for a
/// manager, self for an employee.
pub async fn list(store: &dyn Store, viewer: &Viewer, mut q: PeopleQuery) -> Result<Page<Person>, AppError> {
    let scope = Scope::load(store, viewer.clone()).await?;
    if !Capabilities::of(viewer.role).read_everyone {
        let mut only: Vec<PersonId> = scope.reports().iter().copied().collect();
        only.extend(viewer.person_id);
        q.only = Some(only);
    }
    let page = store.people(viewer.org_id, &q).await?;
    Ok(page.map(|p| {
        let rel = scope.relation(p.id);
        redact_person(viewer.role, rel, p)
    }))
}

/// A page of the viewer's own team: their active direct and indirect reports, as a
/// manager sees them (`Relation::Manager`, redacted for that relation). Managers,
/// and the people team for the people they manage in the org chart; an employee
/// has no team (as in [`Scope::load_with_reports`]).
pub async fn team(store: &dyn Store, viewer: &Viewer, q: &rungs_core::store::TeamQuery) -> Result<rungs_core::store::TeamPage, AppError> {
    let (true, Some(me)) = (Capabilities::of(viewer.role).read_reports, viewer.person_id) else {
        return Ok(rungs_core::store::TeamPage::default());
    };
    let mut page = store.team(viewer.org_id, me, q).await?;
    page.items = page.items.into_iter().map(|p| redact_person(viewer.role, Relation::Manager, p)).collect();
    Ok(page)
}

/// Someone is *stalled* when they have been with the organization at least this long
/// and have had no progression of any kind (micro-progression, micro-promotion,
/// promotion, lateral move) for this long. Six months: two review quarters.
pub const STALL_AFTER: chrono::Duration = chrono::Duration::days(182);

/// The stall marker managers see on their team (see [`STALL_AFTER`]).
pub fn is_stalled(p: &Person, now: chrono::DateTime<chrono::Utc>) -> bool {
    p.status == rungs_core::person::PersonStatus::Active && now - p.last_progression_at.unwrap_or(p.hired_at) >= STALL_AFTER
}

/// Names of the people who acted on a timeline the viewer may read (who recognised or
/// validated them): seeing an event includes seeing who recorded it. Unknown ids are
/// left out.
pub async fn actor_names(store: &dyn Store, viewer: &Viewer, timeline: &[TimelineEntry]) -> Result<std::collections::HashMap<PersonId, String>, AppError> {
    let Some(first) = timeline.first() else { return Ok(std::collections::HashMap::new()) };
    // The caller got `timeline` from [`timeline`], which checked access; check again
    // here so this function is safe on its own.
    get(store, viewer, first.event.subject).await?;
    names_of_actors(store, viewer, timeline).await
}

/// The names for [`actor_names`], access already checked.
/// The name of the manager of someone the viewer may read (for "your manager" on a
/// home page): a name is all it gives, never the manager's profile. `None` without a
/// manager, or when the record names one who is not found.
pub async fn manager_name(store: &dyn Store, viewer: &Viewer, person: &Person) -> Result<Option<String>, AppError> {
    let Some(m) = person.manager_id else { return Ok(None) };
    get(store, viewer, person.id).await?;
    match store.person(viewer.org_id, m).await {
        Ok(p) => Ok(Some(p.name)),
        Err(rungs_core::store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn names_of_actors(store: &dyn Store, viewer: &Viewer, timeline: &[TimelineEntry]) -> Result<std::collections::HashMap<PersonId, String>, AppError> {
    let mut out = std::collections::HashMap::new();
    for e in timeline {
        if let Some(a) = e.event.actor
            && !out.contains_key(&a)
        {
            match store.person(viewer.org_id, a).await {
                Ok(p) => {
                    out.insert(a, p.name);
                }
                Err(rungs_core::store::StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(out)
}

/// One line of a person's timeline: an event and what later happened to it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub event: Event,
    /// The reversal that cancelled this event, if any. The event stays in the ledger.
    pub reversed_by: Option<EventId>,
    /// Validations of this win by managers or peers.
    pub validations: Vec<EventId>,
}

/// A person's whole timeline, newest first.
pub async fn timeline(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<Vec<TimelineEntry>, AppError> {
    let (_, scope) = get_scoped(store, viewer, id).await?;
    timeline_of(store, &scope, id).await
}

/// The timeline of `id`, whom `scope` was resolved for and may read.
async fn timeline_of(store: &dyn Store, scope: &Scope, id: PersonId) -> Result<Vec<TimelineEntry>, AppError> {
    let viewer = &scope.viewer;
    let rel = scope.relation(id);
    let events = store.subject_events(viewer.org_id, id).await?;
    let mut reversed_by = std::collections::HashMap::new();
    for e in &events {
        if let EventBody::Reversal(r) = &e.body {
            reversed_by.insert(r.target, e.id);
        }
    }
    // Validations in force, one per validator: a withdrawn one does not count, nor a
    // second one by the same person (which the store refuses now, but a ledger from
    // before may hold).
    let mut validations: std::collections::HashMap<EventId, Vec<EventId>> = std::collections::HashMap::new();
    let mut validators = std::collections::HashSet::new();
    for e in &events {
        if let EventBody::Validation(v) = &e.body
            && !reversed_by.contains_key(&e.id)
            && (e.actor.is_none() || validators.insert((v.target, e.actor)))
        {
            validations.entry(v.target).or_default().push(e.id);
        }
    }
    let mut out: Vec<TimelineEntry> = events
        .into_iter()
        .map(|mut e| {
            redact_body(viewer.role, rel, &mut e.body);
            TimelineEntry { reversed_by: reversed_by.get(&e.id).copied(), validations: validations.remove(&e.id).unwrap_or_default(), event: e }
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse((e.event.occurred_at, e.event.seq)));
    Ok(out)
}
