//! An approved proposal taking effect, and reminders of stale approvals.
//!
//! On its effective date (midnight in the organization's time zone,
//! `crate::calendar`) a proposal's event goes on the ledger: at once when approved on or after
//! the day, else by a one-off durable job (`proposal_effective`, keyed by the
//! proposal) that a server down on the day runs when it is back. The event's key
//! (`proposal:<id>`) makes a second run (another instance, a retry after a crash
//! between the event and the status) a replay: one ledger event per proposal.

use chrono::{DateTime, Utc};
use rungs_core::event::{Demotion, EventBody, LateralMove, MicroPromotion, NewEvent};
use rungs_core::jobs::NewJob;
use rungs_core::proposal::{Details, Proposal, ProposalQuery, ProposalStatus};
use rungs_core::store::{AppendBatch, Store};
use rungs_core::{EventId, OrgId, ProposalId};

use super::now;
use crate::AppError;

/// Kind of the one-off job that makes an approved proposal effective on its date.
pub const EFFECTIVE_JOB: &str = "proposal_effective";
/// Kind of the periodic job that reminds approvers of stale steps.
pub const REMINDER_JOB: &str = "proposal_reminders";

/// The event key that makes a proposal's event unique on the ledger.
pub fn event_key(id: ProposalId) -> String {
    format!("proposal:{id}")
}

/// A proposal was just approved: take effect now if its day has come, else queue
/// the job for that day.
pub(crate) async fn approved(store: &dyn Store, p: &Proposal) -> Result<Proposal, AppError> {
    let cal = crate::calendar::calendar(store, p.org_id).await?;
    if p.effective_on <= cal.today(Utc::now()) {
        return take_effect(store, p.org_id, p.id, Utc::now()).await;
    }
    let job = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: EFFECTIVE_JOB.into(),
        payload: serde_json::json!({ "org": p.org_id, "proposal": p.id }),
        run_at: cal.midnight(p.effective_on),
        every_secs: None,
        unique_key: Some(format!("{EFFECTIVE_JOB}:{}", p.id)),
    };
    store.enqueue_job(&job).await?;
    Ok(p.clone())
}

fn body(p: &Proposal) -> Option<EventBody> {
    match &p.details {
        Details::MicroPromotion { from, to, toward_level, .. } => {
            let toward = toward_level.as_ref().map(|l| format!(" Evidences the expectations of {}.", l.to_uppercase())).unwrap_or_default();
            Some(EventBody::MicroPromotion(MicroPromotion { scope: to.clone(), note: Some(format!("From: {from}.{toward} {}", p.rationale)) }))
        }
        Details::LateralMove { department, to } => {
            Some(EventBody::LateralMove(LateralMove { to: to.clone(), department: department.clone(), manager_id: None, note: Some(p.rationale.clone()) }))
        }
        Details::Demotion { to } => Some(EventBody::Demotion(Demotion { to: to.clone(), note: Some(p.rationale.clone()) })),
        // Pay is never on the ledger, which many people read: the approved record is it.
        Details::PayChange { .. } => None,
    }
}

/// Put an approved proposal's event on the ledger and mark it effective. Idempotent
/// (see the module). Before the effective day nothing happens (a `Conflict` on
/// `effective_on`); a job that runs late dates the event at the day's start.
pub async fn take_effect(store: &dyn Store, org: OrgId, id: ProposalId, now_at: DateTime<Utc>) -> Result<Proposal, AppError> {
    let p = store.proposal(org, id).await?;
    if p.status == ProposalStatus::Effective {
        return Ok(p);
    }
    if p.status != ProposalStatus::Approved {
        return Err(AppError::Conflict { field: "status".into(), reason: format!("the proposal is {}, not approved", p.status.as_str()) });
    }
    let cal = crate::calendar::calendar(store, org).await?;
    let today = cal.today(now_at);
    if p.effective_on > today {
        return Err(AppError::Conflict { field: "effective_on".into(), reason: format!("it takes effect on {}, not before", p.effective_on) });
    }
    let at = rungs_core::ledger::codec::truncate(if p.effective_on == today { now_at } else { cal.midnight(p.effective_on) });
    let mut event_id = None;
    if let Some(body) = body(&p) {
        let competencies = match &p.details {
            Details::MicroPromotion { competencies, .. } => competencies.clone(),
            _ => vec![],
        };
        let event = NewEvent {
            id: EventId::new(),
            org_id: org,
            subject: p.subject,
            actor: Some(p.proposer),
            occurred_at: at,
            recorded_at: now(),
            body,
            competencies,
            evidence: vec![],
            idempotency_key: Some(event_key(id)),
        };
        let appended = store.append(AppendBatch { org_id: org, events: vec![event], claim: None }).await?;
        event_id = appended.events.first().map(|e| e.id);
    }
    Ok(store.make_effective(org, id, event_id, now()).await?)
}

/// The job: make the proposal in `payload` effective.
pub async fn run_effective_job(store: &dyn Store, payload: &serde_json::Value, now: DateTime<Utc>) -> Result<String, String> {
    let org: OrgId = serde_json::from_value(payload["org"].clone()).map_err(|e| format!("bad payload: {e}"))?;
    let id: ProposalId = serde_json::from_value(payload["proposal"].clone()).map_err(|e| format!("bad payload: {e}"))?;
    match take_effect(store, org, id, now).await {
        Ok(p) => Ok(format!("proposal {id} is {}", p.status.as_str())),
        Err(AppError::NotFound) => Ok(format!("proposal {id} no longer exists")),
        // Withdrawn or rejected since: nothing to do.
        Err(AppError::Conflict { field, reason }) if field == "status" => Ok(reason),
        Err(e) => Err(e.to_string()),
    }
}

/// The periodic job: remind each approver who has not decided a step that waited
/// longer than its route's `remind_after_days`, once per approver and step (a unique
/// key). A reminder shows in the approver's inbox. Returns how many were sent.
pub async fn run_reminders(store: &dyn Store, org: OrgId, now_at: DateTime<Utc>) -> Result<u32, AppError> {
    let routes = store.routes(org).await?;
    let pending = store.proposals(org, &ProposalQuery { status: Some(ProposalStatus::Pending), ..ProposalQuery::default() }).await?;
    let mut sent = 0;
    for p in pending {
        let route = routes.iter().find(|r| r.kind == p.kind).cloned().unwrap_or_else(|| rungs_core::proposal::Route::default_for(p.kind));
        let (Some(days), Some(step)) = (route.remind_after_days, p.current_step) else { continue };
        if now_at - p.step_since < chrono::Duration::days(i64::from(days)) {
            continue;
        }
        let decided = store.decisions(org, p.id).await?;
        let Some(s) = p.steps.get(step as usize) else { continue };
        for a in &s.approvers {
            if decided.iter().any(|d| d.step == step && d.approver == *a) {
                continue;
            }
            if store.record_reminder(org, p.id, step, *a, now_at).await? {
                tracing::info!(proposal = %p.id, approver = %a, step, "reminded an approver of a stale proposal");
                sent += 1;
            }
        }
    }
    Ok(sent)
}
