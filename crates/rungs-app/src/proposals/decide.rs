//! Reading proposals, the approver's inbox, and decisions (by an approver or their
//! delegate while the approver is away).

use chrono::NaiveDate;
use rungs_core::person::Person;
use rungs_core::proposal::{Decision, Delegation, Details, Proposal, ProposalQuery, ProposalStatus};
use rungs_core::store::Store;
use rungs_core::{PersonId, ProposalId, ValidationError};
use serde::Serialize;
use utoipa::ToSchema;

use super::{may, now, relation};
use crate::access::table::Action;
use crate::calendar::today;
use crate::{AppError, Viewer};

/// A proposal as the viewer may see it, with its decisions and names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub decisions: Vec<Decision>,
    pub subject_name: String,
    /// Whether the amount of a pay change was hidden from the viewer (pay is the
    /// people team's and the person's).
    pub pay_hidden: bool,
    /// The step the viewer may decide now, and for whom (themself or the approver
    /// they stand in for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub may_decide_as: Option<PersonId>,
}

/// Whether `me` is (or, today, stands in for) an approver of `p`'s current step who
/// has not decided: the approver it counts for.
fn decides_as(p: &Proposal, decisions: &[Decision], me: PersonId, delegations: &[Delegation], day: NaiveDate) -> Option<PersonId> {
    if p.status != ProposalStatus::Pending {
        return None;
    }
    let step = p.current_step?;
    let s = p.steps.get(step as usize)?;
    let open = |a: &PersonId| !decisions.iter().any(|d| d.step == step && d.approver == *a);
    if s.approvers.contains(&me) && open(&me) {
        return Some(me);
    }
    s.approvers.iter().copied().find(|a| open(a) && delegations.iter().any(|d| d.person == *a && d.delegate == me && d.active_on(day)))
}

fn is_approver(p: &Proposal, me: Option<PersonId>, delegations: &[Delegation], day: NaiveDate) -> bool {
    let Some(me) = me else { return false };
    p.steps.iter().flat_map(|s| s.approvers.iter()).any(|a| *a == me || delegations.iter().any(|d| d.person == *a && d.delegate == me && d.active_on(day)))
}

/// Read a proposal: 404 when the viewer may not (its subject, their managers, the
/// people team and its approvers may). A pay change's amount is hidden from anyone
/// who may not see the subject's pay.
pub async fn view(store: &dyn Store, viewer: &Viewer, id: ProposalId) -> Result<ProposalView, AppError> {
    let p = store.proposal(viewer.org_id, id).await?;
    let (rel, person) = relation(store, viewer, p.subject).await?;
    let delegations = store.delegations(viewer.org_id).await?;
    let day = today(store, viewer.org_id).await?;
    if !may(viewer, rel, Action::ReadProposal, &person) && !is_approver(&p, viewer.person_id, &delegations, day) {
        return Err(AppError::NotFound);
    }
    let decisions = store.decisions(viewer.org_id, id).await?;
    let may_decide_as = viewer.person_id.and_then(|me| decides_as(&p, &decisions, me, &delegations, day));
    Ok(redact(viewer, rel, &person, p, decisions, may_decide_as))
}

fn redact(
    viewer: &Viewer,
    rel: crate::access::Relation,
    person: &Person,
    mut p: Proposal,
    decisions: Vec<Decision>,
    may_decide_as: Option<PersonId>,
) -> ProposalView {
    let pay_hidden = matches!(p.details, Details::PayChange { .. }) && !may(viewer, rel, Action::ReadPay, person);
    if let (true, Details::PayChange { delta, .. }) = (pay_hidden, &mut p.details) {
        *delta = 0;
    }
    ProposalView { proposal: p, decisions, subject_name: person.name.clone(), pay_hidden, may_decide_as }
}

/// Approve or reject the current step of a proposal, as one of its approvers or
/// standing in for one. Approving the last step approves the proposal, which takes
/// effect on its date.
pub async fn decide(store: &dyn Store, viewer: &Viewer, id: ProposalId, approve: bool, comment: Option<String>) -> Result<ProposalView, AppError> {
    let me = viewer.person_id.ok_or_else(|| AppError::Forbidden("a decision needs a person: use a person's token or session".into()))?;
    let p = store.proposal(viewer.org_id, id).await?;
    let (rel, person) = relation(store, viewer, p.subject).await?;
    let delegations = store.delegations(viewer.org_id).await?;
    let day = today(store, viewer.org_id).await?;
    let readable = may(viewer, rel, Action::ReadProposal, &person) || is_approver(&p, Some(me), &delegations, day);
    if !readable {
        return Err(AppError::NotFound);
    }
    let comment = comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(ValidationError::single("comment", "must be at most 2000 characters").into());
    }
    if !approve && comment.is_none() {
        return Err(ValidationError::single("comment", "say why when you reject").into());
    }
    if !may(viewer, rel, Action::DecideProposal, &person) {
        return Err(AppError::Forbidden("nobody decides a proposal about themself".into()));
    }
    let decisions = store.decisions(viewer.org_id, id).await?;
    let Some(approver) = decides_as(&p, &decisions, me, &delegations, day) else {
        if p.status != ProposalStatus::Pending {
            return Err(AppError::Conflict { field: "status".into(), reason: format!("the proposal is {}: nothing waits for a decision", p.status.as_str()) });
        }
        if decisions.iter().any(|d| Some(d.step) == p.current_step && (d.approver == me || d.actor == me)) {
            return Err(rungs_core::proposal::decided_twice().into());
        }
        return Err(AppError::Forbidden("you are not an approver of the step this proposal waits on (nor standing in for one)".into()));
    };
    let d = Decision { proposal: id, step: p.current_step.unwrap_or(0), approver, actor: me, approve, comment, at: now() };
    let next = store.decide(viewer.org_id, &d).await?;
    let next = if next.status == ProposalStatus::Approved { super::effect::approved(store, &next).await? } else { next };
    let decisions = store.decisions(viewer.org_id, id).await?;
    Ok(redact(viewer, rel, &person, next, decisions, None))
}

/// Withdraw a pending proposal (its proposer or the people team).
pub async fn withdraw(store: &dyn Store, viewer: &Viewer, id: ProposalId) -> Result<ProposalView, AppError> {
    let view = view(store, viewer, id).await?;
    let (rel, person) = relation(store, viewer, view.proposal.subject).await?;
    let people_team = may(viewer, rel, Action::ConfigureRoutes, &person);
    if viewer.person_id != Some(view.proposal.proposer) && !people_team {
        return Err(AppError::Forbidden("its proposer (or the people team) withdraws a proposal".into()));
    }
    let p = store.withdraw_proposal(viewer.org_id, id, now()).await?;
    let decisions = store.decisions(viewer.org_id, id).await?;
    Ok(redact(viewer, rel, &person, p, decisions, None))
}

/// One proposal waiting on the viewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxItem {
    pub proposal: Proposal,
    pub subject_name: String,
    /// The approver the viewer decides for (themself, or whom they stand in for).
    pub as_approver: PersonId,
    pub pay_hidden: bool,
    /// The viewer was reminded of it (the step waited longer than the route allows).
    pub reminded: bool,
}

/// Everything waiting on the viewer: pending proposals whose current step names them
/// (or someone they stand in for today) and that they have not decided.
pub async fn inbox(store: &dyn Store, viewer: &Viewer) -> Result<Vec<InboxItem>, AppError> {
    let Some(me) = viewer.person_id else { return Ok(vec![]) };
    let q = ProposalQuery { status: Some(ProposalStatus::Pending), ..ProposalQuery::default() };
    let pending = store.proposals(viewer.org_id, &q).await?;
    let delegations = store.delegations(viewer.org_id).await?;
    let day = today(store, viewer.org_id).await?;
    let reminders = store.reminders(viewer.org_id, me).await?;
    let mut out = Vec::new();
    for p in pending {
        if !is_approver(&p, Some(me), &delegations, day) {
            continue;
        }
        let decisions = store.decisions(viewer.org_id, p.id).await?;
        let Some(as_approver) = decides_as(&p, &decisions, me, &delegations, day) else { continue };
        let (rel, person) = relation(store, viewer, p.subject).await?;
        let reminded = reminders.iter().any(|(id, step)| *id == p.id && Some(*step) == p.current_step);
        let v = redact(viewer, rel, &person, p, vec![], None);
        out.push(InboxItem { proposal: v.proposal, subject_name: v.subject_name, as_approver, pay_hidden: v.pay_hidden, reminded });
    }
    Ok(out)
}

/// Proposals the viewer may read about `subject`, newest first (their timeline).
pub async fn for_subject(store: &dyn Store, viewer: &Viewer, subject: PersonId) -> Result<Vec<ProposalView>, AppError> {
    let (rel, person) = relation(store, viewer, subject).await?;
    if !may(viewer, rel, Action::ReadProposal, &person) {
        return Err(AppError::NotFound);
    }
    let list = store.proposals(viewer.org_id, &ProposalQuery { subject: Some(subject), ..ProposalQuery::default() }).await?;
    Ok(list.into_iter().map(|p| redact(viewer, rel, &person, p, vec![], None)).collect())
}

/// Proposals the viewer made, newest first.
pub async fn mine(store: &dyn Store, viewer: &Viewer) -> Result<Vec<Proposal>, AppError> {
    let Some(me) = viewer.person_id else { return Ok(vec![]) };
    Ok(store.proposals(viewer.org_id, &ProposalQuery { proposer: Some(me), ..ProposalQuery::default() }).await?)
}
