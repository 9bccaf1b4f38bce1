//! The opportunity board on behalf of a viewer: post, apply, accept or decline,
//! withdraw, complete, close. Completion puts the work on the applicant's ledger as a
//! `micro_progression` (category `project_completed`, tagged with the opportunity's
//! competencies) validated by the owner, exactly once: both events carry event keys
//! (`opportunity:<application>:win` and `…:validation`), so a retried completion
//! replays them instead of adding more.
//!
//! Who may do what: anyone with a person may post and apply (not to their own); the
//! owner or the people team accepts, declines, completes and closes; the applicant
//! withdraws. Everyone in the organization sees the board; an opportunity's
//! applications are seen by its owner and the people team, and each applicant sees
//! their own.

use chrono::{DateTime, Utc};
use rungs_core::event::Category;
use rungs_core::event::{EventBody, Magnitude, MicroProgression, NewEvent, Validation, ValidatorRole};
use rungs_core::framework::Criterion;
use rungs_core::opportunity::{
    Application, ApplicationQuery, ApplicationStatus, ApplyInput, Gap, Move, Opportunity, OpportunityInput, OpportunityQuery, OpportunityStatus, matches_for,
};
use rungs_core::page::Page;
use rungs_core::person::PersonStatus;
use rungs_core::readiness::{Readiness, Recommendation};
use rungs_core::store::{AppendBatch, IdempotencyClaim, Store};
use rungs_core::{ApplicationId, EventId, OpportunityId, PersonId, ValidationError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{Action, Relation, Scope, Subject, table};
use crate::{AppError, Viewer};

/// An opportunity with what this viewer may see of its applications.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpportunityView {
    #[serde(flatten)]
    pub opportunity: Opportunity,
    /// The owner's name, for the board.
    pub owner_name: String,
    /// All applications for the owner and the people team; the viewer's own otherwise.
    pub applications: Vec<ApplicationView>,
    /// May the viewer decide on applications and close it (its owner, the people
    /// team): what the access table says, for clients to offer only what works.
    pub can_decide: bool,
}

/// An application with the applicant's name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    #[serde(flatten)]
    pub application: Application,
    pub applicant_name: String,
}

fn me(viewer: &Viewer, what: &str) -> Result<PersonId, AppError> {
    viewer.person_id.ok_or_else(|| AppError::Forbidden(format!("{what} needs a person: use a person's token or session")))
}

fn may_decide(viewer: &Viewer, opp: &Opportunity) -> bool {
    may_manage_for(viewer, opp.owner)
}

/// May the viewer manage an opportunity owned by `owner` (the access table's
/// `ManageOpportunity` row, the owner being the subject)?
fn may_manage_for(viewer: &Viewer, owner: PersonId) -> bool {
    let rel = if viewer.person_id == Some(owner) { Relation::Myself } else { Relation::Other };
    table::allowed(viewer.role, rel, Action::ManageOpportunity, Subject::ACTIVE)
}

/// Post an opportunity. Its competencies must exist in the framework; only the people
/// team may post on behalf of someone else (`owner`). `keyed` comes from an
/// `Idempotency-Key`: the id derived from the key, and the claim with the request's
/// fingerprint. If the opportunity exists, the same request gets it back and another
/// one is a 409 naming `Idempotency-Key` (see [`keep_claim`]).
pub async fn post(
    store: &dyn Store,
    viewer: &Viewer,
    input: OpportunityInput,
    keyed: Option<(OpportunityId, IdempotencyClaim)>,
) -> Result<OpportunityView, AppError> {
    let new = input.parse()?;
    if let Some((id, claim)) = &keyed {
        match store.opportunity(viewer.org_id, *id).await {
            Ok(_) => {
                keep_claim(store, viewer, claim).await?;
                return get(store, viewer, *id).await;
            }
            Err(rungs_core::store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let owner = match new.owner {
        Some(o) if !may_manage_for(viewer, o) => {
            return Err(AppError::Forbidden("only the people team may post an opportunity for someone else".into()));
        }
        Some(o) => o,
        None => me(viewer, "posting an opportunity")?,
    };
    let fw = store.framework(viewer.org_id).await?;
    let mut e = ValidationError::new();
    for (i, c) in new.competencies.iter().enumerate() {
        if !fw.has_competency(c) {
            e.push(format!("competencies[{i}]"), format!("unknown competency '{c}'"));
        }
    }
    let owner_person = match store.person(viewer.org_id, owner).await {
        Ok(p) if p.status == PersonStatus::Active => Some(p),
        Ok(_) => {
            e.push("owner", "has left the organization");
            None
        }
        Err(rungs_core::store::StoreError::NotFound) => {
            e.push("owner", "no such person in this organization");
            None
        }
        Err(other) => return Err(other.into()),
    };
    e.into_result()?;
    if let Some((_, claim)) = &keyed {
        keep_claim(store, viewer, claim).await?;
    }
    let opp = Opportunity {
        id: keyed.map(|(id, _)| id).unwrap_or_default(),
        org_id: viewer.org_id,
        owner,
        title: new.title,
        description: new.description,
        competencies: new.competencies,
        category: new.category,
        capacity: new.capacity,
        status: OpportunityStatus::Open,
        created_at: micros(Utc::now()),
        closed_at: None,
        taken: 0,
        pending: 0,
    };
    store.create_opportunity(&opp).await?;
    let owner_name = owner_person.map(|p| p.name).unwrap_or_default();
    let can_decide = may_decide(viewer, &opp);
    Ok(OpportunityView { opportunity: opp, owner_name, applications: vec![], can_decide })
}

/// Record an `Idempotency-Key` claim for a write that is not a ledger append, as the
/// ledger records it with an append: the same key with another request (another
/// body, path or method: the fingerprint covers all three) is a 409 naming
/// `Idempotency-Key`; the same request passes.
async fn keep_claim(store: &dyn Store, viewer: &Viewer, claim: &IdempotencyClaim) -> Result<(), AppError> {
    store.append(AppendBatch { org_id: viewer.org_id, events: vec![], claim: Some(claim.clone()) }).await?;
    Ok(())
}

/// Times as the stores keep them (microseconds), so what is returned equals a re-read.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The board: opportunities newest first, filtered.
pub async fn list(store: &dyn Store, viewer: &Viewer, q: &OpportunityQuery) -> Result<Page<OpportunityView>, AppError> {
    let page = store.opportunities(viewer.org_id, q).await?;
    let mine = match viewer.person_id {
        Some(p) => store.applications(viewer.org_id, &ApplicationQuery { applicant: Some(p), opportunity: None }).await?,
        None => vec![],
    };
    let mut out = Vec::with_capacity(page.items.len());
    for o in page.items {
        let applications = if may_decide(viewer, &o) {
            store.applications(viewer.org_id, &ApplicationQuery { opportunity: Some(o.id), applicant: None }).await?
        } else {
            mine.iter().filter(|a| a.opportunity_id == o.id).cloned().collect()
        };
        out.push(view(store, viewer, o, applications).await?);
    }
    Ok(Page { items: out, next_cursor: page.next_cursor })
}

async fn name_of(store: &dyn Store, viewer: &Viewer, id: PersonId) -> Result<String, AppError> {
    match store.person(viewer.org_id, id).await {
        Ok(p) => Ok(p.name),
        Err(rungs_core::store::StoreError::NotFound) => Ok(String::new()),
        Err(e) => Err(e.into()),
    }
}

async fn view(store: &dyn Store, viewer: &Viewer, o: Opportunity, apps: Vec<Application>) -> Result<OpportunityView, AppError> {
    let owner_name = name_of(store, viewer, o.owner).await?;
    let mut applications = Vec::with_capacity(apps.len());
    for a in apps {
        let applicant_name = name_of(store, viewer, a.applicant).await?;
        applications.push(ApplicationView { application: a, applicant_name });
    }
    let can_decide = may_decide(viewer, &o);
    Ok(OpportunityView { opportunity: o, owner_name, applications, can_decide })
}

/// One opportunity with the applications this viewer may see.
pub async fn get(store: &dyn Store, viewer: &Viewer, id: OpportunityId) -> Result<OpportunityView, AppError> {
    let o = store.opportunity(viewer.org_id, id).await?;
    let all = store.applications(viewer.org_id, &ApplicationQuery { opportunity: Some(id), applicant: None }).await?;
    let apps = if may_decide(viewer, &o) { all } else { all.into_iter().filter(|a| Some(a.applicant) == viewer.person_id).collect() };
    view(store, viewer, o, apps).await
}

/// Apply to an opportunity as the viewer. `keyed` comes from an `Idempotency-Key`
/// (the derived application id and the claim): a retry of the same request gets the
/// application it made the first time; another request with the key is a 409.
pub async fn apply(
    store: &dyn Store,
    viewer: &Viewer,
    id: OpportunityId,
    input: ApplyInput,
    keyed: Option<(ApplicationId, IdempotencyClaim)>,
) -> Result<ApplicationView, AppError> {
    let note = input.parse()?;
    let applicant = me(viewer, "applying")?;
    if let Some((app_id, claim)) = &keyed {
        match store.application(viewer.org_id, *app_id).await {
            Ok(a) => {
                keep_claim(store, viewer, claim).await?;
                let applicant_name = name_of(store, viewer, a.applicant).await?;
                return Ok(ApplicationView { application: a, applicant_name });
            }
            Err(rungs_core::store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        // Kept before the write: the store's own refusals (closed, full, one's own)
        // come after it, so a retry must send the same request to learn the reason.
        keep_claim(store, viewer, claim).await?;
    }
    let now = micros(Utc::now());
    let app = Application {
        id: keyed.map(|(id, _)| id).unwrap_or_default(),
        org_id: viewer.org_id,
        opportunity_id: id,
        applicant,
        note,
        status: ApplicationStatus::Applied,
        created_at: now,
        updated_at: now,
        evidence: None,
    };
    let application = store.apply(&app).await?;
    let applicant_name = name_of(store, viewer, applicant).await?;
    Ok(ApplicationView { application, applicant_name })
}

/// Accept, decline, withdraw or complete an application of opportunity `opp_id`.
pub async fn decide(store: &dyn Store, viewer: &Viewer, opp_id: OpportunityId, app_id: ApplicationId, mv: Move) -> Result<ApplicationView, AppError> {
    let app = store.application(viewer.org_id, app_id).await?;
    let opp = store.opportunity(viewer.org_id, opp_id).await?;
    let own = viewer.person_id == Some(app.applicant);
    let decider = may_decide(viewer, &opp);
    if app.opportunity_id != opp_id || !(own || decider) {
        // Other people's applications are not visible: say nothing about them.
        return Err(AppError::NotFound);
    }
    let at = micros(Utc::now());
    let moved = match mv {
        // Already done: a repeated click or a retried request changes nothing.
        _ if app.status == mv.target() && (own || decider) && (mv == Move::Withdraw) == own => app,
        Move::Withdraw if own => store.move_application(viewer.org_id, app_id, mv, at, None).await?,
        Move::Withdraw => return Err(AppError::Forbidden("only the applicant may withdraw an application".into())),
        _ if !decider => return Err(AppError::Forbidden(format!("only the owner or the people team may {} an application", mv.as_str()))),
        Move::Complete if own => return Err(AppError::Forbidden("you cannot confirm your own work: the owner completes it".into())),
        Move::Complete if app.status == ApplicationStatus::Completed => app,
        Move::Complete => complete(store, viewer, &opp, &app, at).await?,
        Move::Accept | Move::Decline => {
            let moved = store.move_application(viewer.org_id, app_id, mv, at, None).await?;
            tell_applicant(store, &opp, &moved, at).await;
            moved
        }
    };
    let applicant_name = name_of(store, viewer, moved.applicant).await?;
    Ok(ApplicationView { application: moved, applicant_name })
}

/// After an accept or decline: the applicant's notification (once per decision:
/// keyed on the application and its status). Best effort: the decision stands even
/// if the notification cannot be written, and a failure is logged.
async fn tell_applicant(store: &dyn Store, opp: &Opportunity, app: &Application, at: DateTime<Utc>) {
    use rungs_core::notifications::{Notification, NotificationKind};
    let kind = NotificationKind::ApplicationDecided;
    let text = format!("Your application to \"{}\" was {}", opp.title, app.status.as_str());
    let result = async {
        let choice = crate::notifications::derive::choice(store, app.org_id, app.applicant, kind).await?;
        let n = Notification::new(
            app.org_id,
            app.applicant,
            kind,
            format!("application:{}:{}", app.id, app.status.as_str()),
            text,
            Some(format!("/opportunities/{}", opp.id)),
            choice,
            at,
        );
        crate::notifications::derive::record(store, vec![n]).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(application = %app.id, error = %e, "the applicant's notification was not written");
    }
}

/// The event keys that make a completion's ledger entries unique.
pub fn event_keys(app: ApplicationId) -> (String, String) {
    (format!("opportunity:{app}:win"), format!("opportunity:{app}:validation"))
}

/// Put the completed work on the applicant's ledger, then mark the application
/// completed. A crash between the two is healed by retrying: the appends replay.
async fn complete(store: &dyn Store, viewer: &Viewer, opp: &Opportunity, app: &Application, at: DateTime<Utc>) -> Result<Application, AppError> {
    // Check the move before writing anything (the store checks again when it moves).
    rungs_core::opportunity::check_move(opp, app, Move::Complete)?;
    // About someone who has left, only the people team records (the access table).
    if !crate::access::table::records_after_leaving(viewer.role)
        && store.person(viewer.org_id, app.applicant).await?.status == rungs_core::person::PersonStatus::Departed
    {
        return Err(AppError::Forbidden("the applicant has left: only the people team can record work for them now".into()));
    }
    let fw = store.framework(viewer.org_id).await?;
    // The framework may have changed since the opportunity was posted.
    let competencies: Vec<String> = opp.competencies.iter().filter(|c| fw.has_competency(c)).cloned().collect();
    let (win_key, validation_key) = event_keys(app.id);
    let event = |body: EventBody, competencies: Vec<String>, key: String| NewEvent {
        id: EventId::new(),
        org_id: viewer.org_id,
        subject: app.applicant,
        actor: viewer.person_id,
        occurred_at: at,
        recorded_at: at,
        body,
        competencies,
        evidence: vec![],
        idempotency_key: Some(key),
    };
    let title: String = format!("Completed the stretch project “{}”", opp.title).chars().take(200).collect();
    let body =
        EventBody::MicroProgression(MicroProgression { category: opp.category, magnitude: Magnitude::Micro, title, description: opp.description.clone() });
    let win = store.append(AppendBatch { org_id: viewer.org_id, events: vec![event(body, competencies, win_key)], claim: None }).await?.events.remove(0);
    let mut appended = vec![win.clone()];
    if viewer.person_id.is_some() {
        // A validation by one of the applicant's (direct or indirect) managers counts
        // as a manager's, as on the timeline.
        let scope = Scope::for_subjects_with_reports(store, viewer.clone(), &[app.applicant]).await?;
        let role = if scope.relation(app.applicant) == Relation::Manager { ValidatorRole::Manager } else { ValidatorRole::Peer };
        let note = Some("Confirmed as done by the opportunity's owner.".to_string());
        let validation = event(EventBody::Validation(Validation { target: win.id, role, note }), vec![], validation_key);
        appended.extend(store.append(AppendBatch { org_id: viewer.org_id, events: vec![validation], claim: None }).await?.events);
    }
    crate::milestones::after_append(store, &fw, viewer.org_id, &appended, at).await;
    match store.move_application(viewer.org_id, app.id, Move::Complete, at, Some(win.id)).await {
        // A concurrent completion won the move: the work is recorded once either way.
        Err(rungs_core::store::StoreError::Conflict { .. }) => match store.application(viewer.org_id, app.id).await? {
            done if done.status == ApplicationStatus::Completed => Ok(done),
            _ => Err(AppError::Conflict { field: "status".into(), reason: "the application changed while it was being completed".into() }),
        },
        other => Ok(other?),
    }
}

/// Close an opportunity to new applications.
pub async fn close(store: &dyn Store, viewer: &Viewer, id: OpportunityId) -> Result<OpportunityView, AppError> {
    let o = store.opportunity(viewer.org_id, id).await?;
    if !may_decide(viewer, &o) {
        return Err(AppError::Forbidden("only the owner or the people team may close an opportunity".into()));
    }
    store.close_opportunity(viewer.org_id, id, micros(Utc::now())).await?;
    get(store, viewer, id).await
}

/// Fill each recommendation's `opportunities` with the open opportunities whose
/// completion would count toward its gap, for `person` (see [`matches_for`]).
pub async fn attach_matches(store: &dyn Store, org: rungs_core::OrgId, person: PersonId, r: &Readiness, recs: &mut [Recommendation]) -> Result<(), AppError> {
    if recs.is_empty() {
        return Ok(());
    }
    let open =
        store.opportunities(org, &OpportunityQuery { status: Some(OpportunityStatus::Open), limit: rungs_core::page::MAX_PAGE, ..Default::default() }).await?;
    if open.items.is_empty() {
        return Ok(());
    }
    let applied: Vec<OpportunityId> = store
        .applications(org, &ApplicationQuery { applicant: Some(person), opportunity: None })
        .await?
        .into_iter()
        .filter(|a| a.status.is_live())
        .map(|a| a.opportunity_id)
        .collect();
    let gaps: Vec<Gap> =
        recs.iter().map(|x| Gap { key: x.competency.clone(), name: x.name.clone(), categories: counted_categories(r, &x.competency) }).collect();
    for (x, gap) in recs.iter_mut().zip(&gaps) {
        x.opportunities = matches_for(gap, &gaps, person, &open.items, &applied);
    }
    Ok(())
}

/// The win categories the criterion of `competency` counts (a milestone criterion:
/// its module's); empty = any.
pub fn counted_categories(r: &Readiness, competency: &str) -> Vec<Category> {
    let Some(c) = r.competencies.iter().find(|c| c.competency == competency) else { return vec![] };
    match &c.criterion {
        Some(Criterion::Evidence(rule)) => rule.categories.clone(),
        Some(Criterion::Milestone(k)) => r.milestones.iter().find(|m| &m.key == k).map(|m| m.rule.categories.clone()).unwrap_or_default(),
        Some(Criterion::Recognition(_)) | None => vec![],
    }
}
