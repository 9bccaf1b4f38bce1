//! Promotion cycles and cases on behalf of a viewer (docs/WORKFLOWS.md): the people
//! team creates a cycle; a manager nominates a report (a person themself when the
//! cycle allows) with the evidence packet attached as of the nomination; the
//! nominator edits until the review starts; reviewers comment and vote; the people
//! team calibrates and decides; on the effective date the `promotion` event goes on
//! the ledger (`moves::take_effect`, run at once or by a durable job).
//!
//! Every allow/deny is a lookup in the access table (`Nominate`, `ReadCase`,
//! `EditCase`, `ReviewCase`, `Calibrate`); the state machine and the budget are
//! `rungs_core::promotion`'s, enforced by the store.
//!
//! Dates are days of the organization's calendar (`crate::calendar`: its time zone,
//! UTC until the people team sets one).

mod board;
mod moves;
mod views;

use chrono::{DateTime, NaiveDate, Utc};
use rungs_core::person::{Person, PersonStatus, Position};
use rungs_core::promotion::{Case, CaseEdit, CaseStatus, Cycle, CycleInput, NominationInput};
use rungs_core::store::{Store, StoreError};
use rungs_core::{CaseId, CycleId, PersonId, ValidationError};

use crate::access::table::{Action, Subject, allowed};
use crate::access::{Relation, Scope};
use crate::{AppError, Viewer};

pub use board::{Board, BoardCase, BoardGroup, BudgetLine, board, reorder};
pub use moves::{EFFECTIVE_JOB, make_move, review, run_effective_job, take_effect};
pub use views::{CaseLine, CaseView, ReviewView, TransitionView, case_view, cases_for, inbox, my_cases, nominations};

/// Today in the organization's calendar (its time zone: `crate::calendar`).
pub async fn today(store: &dyn Store, org: rungs_core::OrgId) -> Result<NaiveDate, AppError> {
    crate::calendar::today(store, org).await
}

/// Now, truncated as the store keeps times.
pub(crate) fn now() -> DateTime<Utc> {
    rungs_core::ledger::codec::truncate(Utc::now())
}

/// The viewer's relation to `subject` and whether the subject has left.
pub(crate) async fn relation(store: &dyn Store, viewer: &Viewer, subject: PersonId) -> Result<(Relation, Person), AppError> {
    let scope = Scope::for_subjects(store, viewer.clone(), &[subject]).await?;
    let person = store.person(viewer.org_id, subject).await?;
    Ok((scope.relation(subject), person))
}

/// Refuse `action`: a 403 when the viewer may read the case, else a 404.
pub(crate) fn refuse(viewer: &Viewer, rel: Relation, what: &str) -> AppError {
    if allowed(viewer.role, rel, Action::ReadCase, Subject::ACTIVE) { AppError::Forbidden(what.to_string()) } else { AppError::NotFound }
}

pub(crate) fn may(viewer: &Viewer, rel: Relation, action: Action, person: &Person, own: bool) -> bool {
    allowed(viewer.role, rel, action, Subject { left: person.status == PersonStatus::Departed, own_target: own })
}

/// Create a cycle (the people team).
pub async fn create_cycle(store: &dyn Store, viewer: &Viewer, input: CycleInput) -> Result<Cycle, AppError> {
    if !allowed(viewer.role, Relation::Other, Action::Calibrate, Subject::ACTIVE) {
        return Err(AppError::Forbidden("only the people team runs promotion cycles".into()));
    }
    let i = input.parse()?;
    let cycle = Cycle {
        id: CycleId::new(),
        org_id: viewer.org_id,
        name: i.name,
        nominations_open: i.nominations_open,
        nominations_close: i.nominations_close,
        review_open: i.review_open,
        review_close: i.review_close,
        self_nomination: i.self_nomination,
        budgets: i.budgets,
        groups: i.groups,
        created_at: now(),
        created_by: viewer.person_id,
    };
    store.create_cycle(&cycle).await?;
    Ok(cycle)
}

/// Every cycle of the organization, newest first (everyone may see names and dates).
pub async fn cycles(store: &dyn Store, viewer: &Viewer) -> Result<Vec<Cycle>, AppError> {
    Ok(store.cycles(viewer.org_id).await?)
}

pub async fn cycle(store: &dyn Store, viewer: &Viewer, id: CycleId) -> Result<Cycle, AppError> {
    Ok(store.cycle(viewer.org_id, id).await?)
}

/// The proposed position: track (default the person's), level (default the next of
/// that track; a level above the current one on the same track), title (default the
/// level's).
async fn target(
    store: &dyn Store,
    viewer: &Viewer,
    from: &Position,
    track: Option<&str>,
    level: Option<&str>,
    title: Option<&str>,
) -> Result<Position, AppError> {
    let fw = store.framework(viewer.org_id).await?;
    let track = track.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&from.track).to_string();
    let Some(t) = fw.track(&track) else { return Err(ValidationError::single("track", format!("'{track}' is not a track of the framework")).into()) };
    let same = track == from.track;
    let lvl = match level.map(str::trim).filter(|l| !l.is_empty()) {
        Some(key) => {
            let Some(rank) = fw.level_rank(&track, key) else {
                return Err(ValidationError::single("level", format!("'{key}' is not a level of track '{track}'")).into());
            };
            if same && fw.level_rank(&track, &from.level).is_some_and(|c| rank <= c) {
                return Err(ValidationError::single("level", format!("'{key}' is not above the current level '{}'", from.level)).into());
            }
            &t.levels[rank]
        }
        None if same => fw
            .next_level(&track, &from.level)
            .ok_or_else(|| ValidationError::single("level", format!("'{}' is the top of track '{track}': there is no level to be promoted to", from.level)))?,
        None => return Err(ValidationError::single("level", "a promotion to another track needs the level it maps to").into()),
    };
    let title = rungs_core::promotion::input_title(title)?.unwrap_or_else(|| lvl.title.clone());
    Ok(Position { track, level: lvl.key.clone(), title })
}

/// The evidence packet toward `to`, as of now (JSON; `null` when the target is on
/// another track, for which the packet has no expectations to group by).
async fn packet(store: &dyn Store, viewer: &Viewer, subject: PersonId, from: &Position, to: &Position) -> Result<serde_json::Value, AppError> {
    if to.track != from.track {
        return Ok(serde_json::Value::Null);
    }
    let p = crate::packet::get(store, viewer, subject, Some(&to.level), Utc::now()).await?;
    serde_json::to_value(p).map_err(AppError::unexpected)
}

/// Nominate someone in a cycle while its nominations are open.
pub async fn nominate(store: &dyn Store, viewer: &Viewer, cycle_id: CycleId, input: NominationInput) -> Result<Case, AppError> {
    let me = viewer.person_id.ok_or_else(|| AppError::Forbidden("a nomination needs a person: use a person's token or session".into()))?;
    let cycle = store.cycle(viewer.org_id, cycle_id).await?;
    let (rel, person) = match relation(store, viewer, input.subject).await {
        Err(AppError::NotFound) => return Err(ValidationError::single("subject", "no such person in this organization").into()),
        other => other?,
    };
    if !may(viewer, rel, Action::Nominate, &person, false) {
        return Err(refuse(viewer, rel, "you may nominate your reports (and yourself, when the cycle allows it)"));
    }
    if rel == Relation::Myself && !cycle.self_nomination {
        return Err(AppError::Forbidden(format!("the cycle '{}' does not take self-nominations: ask your manager", cycle.name)));
    }
    let day = today(store, viewer.org_id).await?;
    if !cycle.nominations_open_on(day) {
        return Err(AppError::Conflict {
            field: "cycle".into(),
            reason: format!("nominations for '{}' are taken from {} to {}; today is {day}", cycle.name, cycle.nominations_open, cycle.nominations_close),
        });
    }
    let mut e = ValidationError::new();
    let justification = e.collect(rungs_core::promotion::input_justification(&input.justification));
    let to = e.collect(target(store, viewer, &person.position, input.track.as_deref(), input.level.as_deref(), input.title.as_deref()).await.map_err(invalid));
    let budget = cycle.budget_for(person.department.as_deref(), &person.position.track).map(rungs_core::promotion::Budget::key);
    if budget.is_none() {
        e.push(
            "subject",
            format!("no budget of this cycle covers department '{}' or track '{}'", person.department.as_deref().unwrap_or("none"), person.position.track),
        );
    }
    e.into_result()?;
    let (justification, to, budget) = (justification.unwrap_or_default(), to.expect("checked"), budget.expect("checked"));
    let at = now();
    let case = Case {
        id: CaseId::new(),
        org_id: viewer.org_id,
        cycle_id,
        subject: person.id,
        nominator: me,
        status: CaseStatus::Nominated,
        budget,
        packet: packet(store, viewer, person.id, &person.position, &to).await?,
        from: person.position.clone(),
        to,
        justification,
        pay_increase: input.pay_increase,
        packet_at: at,
        // New cases go to the end of the board until the people team reorders.
        rank: at.timestamp_micros(),
        decision_reason: None,
        effective_on: None,
        promotion_event: None,
        created_at: at,
        updated_at: at,
    };
    store.create_case(&case).await?;
    Ok(case)
}

/// A validation error from [`target`] stays one; anything else passes through.
fn invalid(e: AppError) -> ValidationError {
    match e {
        AppError::Invalid(v) => v,
        other => ValidationError::single("body", other.to_string()),
    }
}

/// The case and the viewer's relation to its subject, if they may read it.
pub(crate) async fn readable(store: &dyn Store, viewer: &Viewer, id: CaseId) -> Result<(Case, Relation, Person), AppError> {
    let case = store.case(viewer.org_id, id).await?;
    let (rel, person) = relation(store, viewer, case.subject).await?;
    if !may(viewer, rel, Action::ReadCase, &person, false) {
        return Err(AppError::NotFound);
    }
    Ok((case, rel, person))
}

/// Edit a nominated case (its nominator, or the people team); `refresh` also takes a
/// new evidence packet as of now.
pub async fn edit(store: &dyn Store, viewer: &Viewer, id: CaseId, edit: CaseEdit, refresh: bool) -> Result<Case, AppError> {
    let (case, rel, person) = readable(store, viewer, id).await?;
    if !may(viewer, rel, Action::EditCase, &person, viewer.person_id == Some(case.nominator)) {
        return Err(refuse(viewer, rel, "only the nominator or the people team may edit a case"));
    }
    if case.status != CaseStatus::Nominated {
        return Err(StoreError::Conflict {
            field: "status".into(),
            reason: format!("the case is {}: a case can be edited until its review starts", case.status.as_str()),
        }
        .into());
    }
    let mut e = ValidationError::new();
    let mut next = case.clone();
    if let Some(j) = &edit.justification {
        next.justification = e.collect(rungs_core::promotion::input_justification(j)).unwrap_or_default();
    }
    if edit.level.is_some() || edit.track.is_some() || edit.title.is_some() {
        let track = edit.track.as_deref().or(Some(&case.to.track));
        let level = edit.level.as_deref().or(if edit.track.is_some() { None } else { Some(&case.to.level) });
        if let Some(to) = e.collect(target(store, viewer, &case.from, track, level, edit.title.as_deref()).await.map_err(invalid)) {
            next.to = to;
        }
    }
    if edit.pay_increase.is_some() {
        next.pay_increase = edit.pay_increase;
    }
    e.into_result()?;
    if refresh || next.to != case.to {
        next.packet = packet(store, viewer, case.subject, &case.from, &next.to).await?;
        next.packet_at = now();
    }
    next.updated_at = now();
    Ok(store.save_case(&next, CaseStatus::Nominated).await?)
}

/// Whether the viewer sees the case's pay increase: the people team and the person.
pub(crate) fn sees_pay(viewer: &Viewer, rel: Relation) -> bool {
    crate::access::table::allowed(viewer.role, rel, crate::access::Action::ReadPay, crate::access::Subject::ACTIVE)
}

#[cfg(test)]
mod tests;
