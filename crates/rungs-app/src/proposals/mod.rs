//! Proposals on behalf of a viewer (docs/WORKFLOWS.md): a manager proposes a
//! micro-promotion, lateral move or demotion for a report (the people team for
//! anyone, and pay changes); the organization's route for the kind finds its approvers
//! when it is made; approvers (or their delegates while they are away) decide step by
//! step; on the effective date the ledger event goes in (`effect::take_effect`, at once
//! or by a durable job). The people team configures routes.
//!
//! Every allow/deny is a lookup in the access table (`Propose`, `ReadProposal`,
//! `DecideProposal`, `ConfigureRoutes`, `ReadPay`); the route rules and the "once" of
//! each decision are `rungs_core::proposal`'s, enforced by the store.

mod decide;
mod delegates;
mod effect;

use rungs_core::person::{Person, PersonStatus};
use rungs_core::proposal::{Delegation, DelegationInput, Details, Proposal, ProposalInput, ProposalKind, ProposalStatus, Route, RouteContext};
use rungs_core::store::Store;
use rungs_core::{PersonId, ProposalId, ValidationError};

use crate::access::table::{Action, Subject, allowed};
use crate::access::{Relation, Scope};
use crate::{AppError, Viewer};

pub use decide::{InboxItem, ProposalView, decide, for_subject, inbox, mine, view, withdraw};
pub use delegates::{Colleague, MAX_MATCHES, find_delegates};
pub use effect::{EFFECTIVE_JOB, REMINDER_JOB, run_effective_job, run_reminders, take_effect};

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    rungs_core::ledger::codec::truncate(chrono::Utc::now())
}

pub(crate) async fn relation(store: &dyn Store, viewer: &Viewer, subject: PersonId) -> Result<(Relation, Person), AppError> {
    let scope = Scope::for_subjects(store, viewer.clone(), &[subject]).await?;
    let person = store.person(viewer.org_id, subject).await?;
    Ok((scope.relation(subject), person))
}

pub(crate) fn may(viewer: &Viewer, rel: Relation, action: Action, person: &Person) -> bool {
    allowed(viewer.role, rel, action, Subject { left: person.status == PersonStatus::Departed, own_target: false })
}

/// The route in force for `kind`: the configured one, else [`Route::default_for`].
pub async fn route_for(store: &dyn Store, viewer: &Viewer, kind: ProposalKind) -> Result<Route, AppError> {
    Ok(store.routes(viewer.org_id).await?.into_iter().find(|r| r.kind == kind).unwrap_or_else(|| Route::default_for(kind)))
}

/// Every kind's route in force (configured or default), in kind order.
pub async fn routes(store: &dyn Store, viewer: &Viewer) -> Result<Vec<(Route, bool)>, AppError> {
    let saved = store.routes(viewer.org_id).await?;
    Ok(ProposalKind::ALL
        .into_iter()
        .map(|k| saved.iter().find(|r| r.kind == k).map_or_else(|| (Route::default_for(k), false), |r| (r.clone(), true)))
        .collect())
}

/// Save the route for its kind (the people team). A route that could never complete
/// is refused with the reason; named people must be active people of the organization.
pub async fn save_route(store: &dyn Store, viewer: &Viewer, route: Route) -> Result<Route, AppError> {
    if !allowed(viewer.role, Relation::Other, Action::ConfigureRoutes, Subject::ACTIVE) {
        return Err(AppError::Forbidden("only the people team configures approval routes".into()));
    }
    let route = route.check()?;
    let mut e = ValidationError::new();
    for (i, s) in route.steps.iter().enumerate() {
        for (j, a) in s.approvers.iter().enumerate() {
            let named: Vec<PersonId> = match a {
                rungs_core::proposal::Approver::Person { id } => vec![*id],
                rungs_core::proposal::Approver::Group { members, .. } => members.clone(),
                _ => vec![],
            };
            for id in named {
                match store.person(viewer.org_id, id).await {
                    Ok(p) if p.status == PersonStatus::Active => {}
                    Ok(p) => e.push(format!("steps[{i}].approvers[{j}]"), format!("{} has left: the step could never complete", p.name)),
                    Err(rungs_core::store::StoreError::NotFound) => e.push(format!("steps[{i}].approvers[{j}]"), format!("no person {id} in the organization")),
                    Err(err) => return Err(err.into()),
                }
            }
        }
    }
    e.into_result()?;
    store.save_route(viewer.org_id, &route).await?;
    Ok(route)
}

/// Find a route's dynamic approvers for `subject`: the manager, the manager's manager,
/// and the department head (the highest person up the manager chain in the subject's
/// department).
async fn context(store: &dyn Store, viewer: &Viewer, subject: &Person, pay_delta: Option<i64>) -> Result<RouteContext, AppError> {
    let org = viewer.org_id;
    let mut chain: Vec<Person> = Vec::new();
    let mut next = subject.manager_id;
    while let Some(id) = next {
        if chain.len() > 64 || chain.iter().any(|p| p.id == id) {
            break;
        }
        let p = store.person(org, id).await?;
        next = p.manager_id;
        chain.push(p);
    }
    let active = |p: &&Person| p.status == PersonStatus::Active;
    let department_head = subject.department.as_ref().and_then(|d| chain.iter().filter(active).rfind(|p| p.department.as_ref() == Some(d)).map(|p| p.id));
    Ok(RouteContext {
        subject: subject.id,
        proposer: viewer.person_id,
        department: subject.department.clone(),
        level: subject.position.level.clone(),
        pay_delta,
        manager: chain.first().filter(active).map(|p| p.id),
        managers_manager: chain.get(1).filter(active).map(|p| p.id),
        department_head,
    })
}

/// Check a proposal's details against the framework and the subject's position.
async fn check_details(store: &dyn Store, viewer: &Viewer, subject: &Person, details: &Details) -> Result<(), AppError> {
    let fw = store.framework(viewer.org_id).await?;
    let mut e = ValidationError::new();
    match details {
        Details::MicroPromotion { competencies, toward_level, .. } => {
            for (i, c) in competencies.iter().enumerate() {
                if !fw.competencies.is_empty() && !fw.has_competency(c) {
                    e.push(format!("details.competencies[{i}]"), format!("unknown competency '{c}'"));
                }
            }
            if let Some(l) = toward_level {
                let (track, now) = (&subject.position.track, &subject.position.level);
                match (fw.level_rank(track, l), fw.level_rank(track, now)) {
                    (Some(to), Some(at)) if to > at => {}
                    (Some(_), _) => e.push("details.toward_level", format!("'{l}' is not above the person's level ({now})")),
                    (None, _) => e.push("details.toward_level", format!("no level '{l}' in track '{track}'")),
                }
            }
        }
        Details::LateralMove { to, department } => {
            if let Some(to) = to {
                e.collect(fw.check_position("details.to", to));
                if to.track == subject.position.track && to.level == subject.position.level && department.is_none() {
                    e.push("details.to", "is the person's position now: a lateral move changes the track or the department");
                }
            }
            if department.is_some() && *department == subject.department && to.is_none() {
                e.push("details.department", "is the person's department now");
            }
        }
        Details::Demotion { to } => {
            e.collect(fw.check_position("details.to", to));
            let ranks = (fw.level_rank(&to.track, &to.level), fw.level_rank(&to.track, &subject.position.level));
            if to.track == subject.position.track
                && let (Some(new), Some(old)) = ranks
                && new >= old
            {
                e.push("details.to.level", format!("'{}' is not below the person's level ({}): a demotion lowers the level", to.level, subject.position.level));
            }
        }
        Details::PayChange { promotion_case, .. } => {
            if let Some(c) = promotion_case {
                match store.case(viewer.org_id, *c).await {
                    Ok(case) if case.subject == subject.id => {}
                    Ok(_) => e.push("details.promotion_case", "is another person's case"),
                    Err(rungs_core::store::StoreError::NotFound) => e.push("details.promotion_case", "no such promotion case"),
                    Err(err) => return Err(err.into()),
                }
            }
        }
    }
    Ok(e.into_result()?)
}

/// Make a proposal: who may, what is proposed, and its route's approvers found now.
/// A route with no step for this proposal (every step's conditions fail) approves it
/// at once.
pub async fn propose(store: &dyn Store, viewer: &Viewer, input: ProposalInput) -> Result<Proposal, AppError> {
    let me = viewer.person_id.ok_or_else(|| AppError::Forbidden("a proposal needs a person: use a person's token or session".into()))?;
    let input = input.parse()?;
    let (rel, subject) = relation(store, viewer, input.subject).await.map_err(|e| match e {
        AppError::NotFound => ValidationError::single("subject", "no such person").into(),
        e => e,
    })?;
    if !may(viewer, rel, Action::Propose, &subject) {
        return Err(if may(viewer, rel, Action::Read, &subject) {
            AppError::Forbidden("a manager proposes for their reports, the people team for anyone (nobody for themself)".into())
        } else {
            ValidationError::single("subject", "no such person").into()
        });
    }
    let kind = input.details.kind();
    if kind == ProposalKind::PayChange && !may(viewer, rel, Action::ReadPay, &subject) {
        return Err(AppError::Forbidden("pay is the people team's and the person's: the people team proposes pay changes".into()));
    }
    let today = crate::calendar::today(store, viewer.org_id).await?;
    if input.effective_on < today {
        return Err(ValidationError::single("effective_on", format!("is in the past (today is {today})")).into());
    }
    check_details(store, viewer, &subject, &input.details).await?;
    let route = route_for(store, viewer, kind).await?;
    let ctx = context(store, viewer, &subject, input.details.pay_delta()).await?;
    let steps = route.resolve(&ctx)?;
    let at = now();
    let status = if steps.is_empty() { ProposalStatus::Approved } else { ProposalStatus::Pending };
    let p = Proposal {
        id: ProposalId::new(),
        org_id: viewer.org_id,
        kind,
        subject: subject.id,
        proposer: me,
        status,
        details: input.details,
        rationale: input.rationale,
        effective_on: input.effective_on,
        current_step: if steps.is_empty() { None } else { Some(0) },
        steps,
        step_since: at,
        event: None,
        created_at: at,
        updated_at: at,
    };
    store.create_proposal(&p).await?;
    if p.status == ProposalStatus::Approved {
        return effect::approved(store, &p).await;
    }
    Ok(p)
}

/// Set the viewer's delegation while they are away.
pub async fn set_delegation(store: &dyn Store, viewer: &Viewer, input: DelegationInput) -> Result<Delegation, AppError> {
    let me = viewer.person_id.ok_or_else(|| AppError::Forbidden("a delegation is a person's".into()))?;
    input.check()?;
    if input.delegate == me {
        return Err(ValidationError::single("delegate", "is yourself").into());
    }
    match store.person(viewer.org_id, input.delegate).await {
        Ok(p) if p.status == PersonStatus::Active => {}
        Ok(_) => return Err(ValidationError::single("delegate", "has left the organization").into()),
        Err(rungs_core::store::StoreError::NotFound) => return Err(ValidationError::single("delegate", "no such person").into()),
        Err(e) => return Err(e.into()),
    }
    let d = Delegation { person: me, delegate: input.delegate, from: input.from, until: input.until };
    store.save_delegation(viewer.org_id, &d).await?;
    Ok(d)
}

/// The viewer's delegation, if any.
pub async fn my_delegation(store: &dyn Store, viewer: &Viewer) -> Result<Option<Delegation>, AppError> {
    let Some(me) = viewer.person_id else { return Ok(None) };
    Ok(store.delegations(viewer.org_id).await?.into_iter().find(|d| d.person == me))
}

pub async fn end_delegation(store: &dyn Store, viewer: &Viewer) -> Result<(), AppError> {
    let me = viewer.person_id.ok_or_else(|| AppError::Forbidden("a delegation is a person's".into()))?;
    Ok(store.delete_delegation(viewer.org_id, me).await?)
}

#[cfg(test)]
mod tests;
