//! Moving a case along (review, decision, withdrawal), reviews, and the promotion
//! taking effect: at once when its date has come, else by a durable one-off job
//! (`promotion_effective`, keyed by the case) that a server down on the day runs when
//! it comes back.

use chrono::{DateTime, NaiveDate, Utc};
use rungs_core::event::{EventBody, NewEvent, Promotion};
use rungs_core::jobs::NewJob;
use rungs_core::promotion::{Case, CaseMove, CaseStatus, MoveRequest, Review, Vote};
use rungs_core::store::{AppendBatch, Store, StoreError};
use rungs_core::{CaseId, EventId, OrgId, PersonId, ValidationError};

use super::{may, now, readable, refuse, today};

use crate::access::Relation;
use crate::access::table::Action;
use crate::{AppError, Viewer};

/// Kind of the job that makes an approved promotion effective on its date.
pub const EFFECTIVE_JOB: &str = "promotion_effective";

/// Who may make `mv`: the people team decides; the nominator may also withdraw.
fn may_move(viewer: &Viewer, rel: Relation, case: &Case, person: &rungs_core::person::Person, mv: CaseMove) -> Result<(), AppError> {
    let ok = match mv {
        CaseMove::StartReview | CaseMove::Approve | CaseMove::Decline => may(viewer, rel, Action::Calibrate, person, false),
        CaseMove::Withdraw => {
            may(viewer, rel, Action::Calibrate, person, false) || may(viewer, rel, Action::EditCase, person, viewer.person_id == Some(case.nominator))
        }
        CaseMove::TakeEffect => {
            return Err(AppError::Forbidden("a promotion takes effect on its effective date, by itself; nobody moves it by hand".into()));
        }
    };
    if ok { Ok(()) } else { Err(refuse(viewer, rel, &format!("you may not {} this case", mv.as_str()))) }
}

/// Make a move on behalf of the viewer. An approval needs `effective_on`; when that
/// day has come the promotion takes effect at once, otherwise a job is queued for it.
pub async fn make_move(
    store: &dyn Store,
    viewer: &Viewer,
    id: CaseId,
    mv: CaseMove,
    reason: Option<String>,
    effective_on: Option<NaiveDate>,
) -> Result<Case, AppError> {
    let (case, rel, person) = readable(store, viewer, id).await?;
    may_move(viewer, rel, &case, &person, mv)?;
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(ValidationError::single("reason", "must be at most 2000 characters").into());
    }
    let req = MoveRequest { org_id: viewer.org_id, case_id: id, mv, actor: viewer.person_id, at: now(), reason, effective_on, event: None };
    let moved = store.move_case(&req).await?;
    if mv == CaseMove::Approve {
        let day = moved.effective_on.expect("an approval has a date");
        if day <= today(store, viewer.org_id).await? {
            return take_effect(store, viewer.org_id, id, now()).await;
        }
        schedule(store, viewer.org_id, id, day).await?;
    }
    Ok(moved)
}

/// Queue the job that makes `case` effective on `day` (once per case).
async fn schedule(store: &dyn Store, org: OrgId, case: CaseId, day: NaiveDate) -> Result<(), AppError> {
    let job = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: EFFECTIVE_JOB.into(),
        payload: serde_json::json!({ "org": org, "case": case }),
        run_at: crate::calendar::calendar(store, org).await?.midnight(day),
        every_secs: None,
        unique_key: Some(format!("{EFFECTIVE_JOB}:{case}")),
    };
    store.enqueue_job(&job).await?;
    Ok(())
}

/// The event key that makes a case's promotion unique on the ledger.
pub fn event_key(case: CaseId) -> String {
    format!("promotion-case:{case}")
}

/// Put an approved case's promotion on the ledger (level, title and track together)
/// and mark it effective. Idempotent: the event is keyed by the case, so a retry (a
/// job run twice, a crash between the two writes) replays it; an effective case is
/// returned as it is.
///
/// `now` is the clock of the caller (the job runner's, a test's): before the effective
/// day nothing happens (a `Conflict` on `effective_on`); on the day the event is dated
/// now, after it (a job that runs late because the server was down) at the day's start.
pub async fn take_effect(store: &dyn Store, org: OrgId, id: CaseId, now_at: DateTime<Utc>) -> Result<Case, AppError> {
    let case = store.case(org, id).await?;
    if case.status == CaseStatus::Effective {
        return Ok(case);
    }
    let day = case
        .effective_on
        .ok_or_else(|| AppError::Conflict { field: "status".into(), reason: format!("the case is {}, not approved", case.status.as_str()) })?;
    if case.status != CaseStatus::Approved {
        return Err(rungs_core::promotion::machine::illegal(case.status, CaseMove::TakeEffect).into());
    }
    let cycle = store.cycle(org, case.cycle_id).await?;
    let decider: Option<PersonId> = store.transitions(org, id).await?.into_iter().rev().find(|t| t.to == CaseStatus::Approved).and_then(|t| t.actor);
    let cal = crate::calendar::calendar(store, org).await?;
    let today = cal.today(now_at);
    if day > today {
        return Err(AppError::Conflict { field: "effective_on".into(), reason: format!("the promotion takes effect on {day}, not before") });
    }
    let at = rungs_core::ledger::codec::truncate(if day == today { now_at } else { cal.midnight(day) });
    let event = NewEvent {
        id: EventId::new(),
        org_id: org,
        subject: case.subject,
        actor: decider,
        occurred_at: at,
        recorded_at: now(),
        body: EventBody::Promotion(Promotion { to: case.to.clone(), pay_band: None, note: Some(format!("Promotion cycle “{}”", cycle.name)) }),
        competencies: vec![],
        evidence: vec![],
        idempotency_key: Some(event_key(id)),
    };
    let appended = store.append(AppendBatch { org_id: org, events: vec![event], claim: None }).await?;
    let event_id = appended.events.first().map(|e| e.id);
    let req = MoveRequest { org_id: org, case_id: id, mv: CaseMove::TakeEffect, actor: None, at: now(), reason: None, effective_on: None, event: event_id };
    match store.move_case(&req).await {
        // Another instance's job made it effective at the same moment.
        Err(StoreError::Conflict { .. }) => Ok(store.case(org, id).await?),
        other => Ok(other?),
    }
}

/// The job: make the case in `payload` effective.
pub async fn run_effective_job(store: &dyn Store, payload: &serde_json::Value, now: DateTime<Utc>) -> Result<String, String> {
    let org: OrgId = serde_json::from_value(payload["org"].clone()).map_err(|e| format!("bad payload: {e}"))?;
    let case: CaseId = serde_json::from_value(payload["case"].clone()).map_err(|e| format!("bad payload: {e}"))?;
    match take_effect(store, org, case, now).await {
        Ok(c) => Ok(format!("case {case} is {}", c.status.as_str())),
        // Withdrawn or gone: nothing to do any more.
        Err(AppError::NotFound) => Ok(format!("case {case} no longer exists")),
        Err(e) => Err(e.to_string()),
    }
}

/// Comment and/or vote on a case in review (its subject's managers, the people team).
pub async fn review(store: &dyn Store, viewer: &Viewer, id: CaseId, vote: Option<Vote>, comment: Option<String>) -> Result<Review, AppError> {
    let (case, rel, person) = readable(store, viewer, id).await?;
    let me = viewer.person_id.ok_or_else(|| AppError::Forbidden("a review needs a person: use a person's token or session".into()))?;
    if !may(viewer, rel, Action::ReviewCase, &person, false) {
        return Err(refuse(viewer, rel, "the subject's managers and the people team review a case (nobody their own)"));
    }
    let comment = comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 4000) {
        return Err(ValidationError::single("comment", "must be at most 4000 characters").into());
    }
    if vote.is_none() && comment.is_none() {
        return Err(ValidationError::single("comment", "write a comment or cast a vote").into());
    }
    if case.status != CaseStatus::InReview {
        return Err(AppError::Conflict {
            field: "status".into(),
            reason: format!("the case is {}: reviews are taken while it is in review", case.status.as_str()),
        });
    }
    let r = Review { id: uuid::Uuid::now_v7(), case_id: id, reviewer: me, vote, comment, at: now() };
    store.add_review(viewer.org_id, &r).await?;
    Ok(r)
}
