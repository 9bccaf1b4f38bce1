//! The calibration board (the people team): a cycle's cases side by side per
//! calibration group, in the order the people team set, each with readiness (from its
//! packet, as of the packet's date), time in level and votes, and each budget's
//! distribution: allowed, approved (the slots the store counts), in review, nominated.

use chrono::Utc;
use rungs_core::promotion::{Budget, Case, CaseQuery, CaseStatus, Cycle};
use rungs_core::store::Store;
use rungs_core::{CaseId, CycleId, ValidationError};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::{names, tally};
use crate::access::Relation;
use crate::access::table::{Action, Subject, allowed};
use crate::{AppError, Viewer};

/// Most cases one board shows (a cycle's nominations are a fraction of the org).
pub const BOARD_AT_MOST: u32 = 1000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetLine {
    pub budget: Budget,
    pub key: String,
    /// Approved (and effective): the slots taken.
    pub approved: u32,
    pub in_review: u32,
    pub nominated: u32,
    pub declined: u32,
    /// Pay increase approved.
    pub pay_approved: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardCase {
    pub case: Case,
    pub subject_name: String,
    pub department: Option<String>,
    /// Readiness for the target level, 0–100, from the packet (`None` for another track).
    pub readiness: Option<u8>,
    /// Days at the current level, today.
    pub days_in_level: i64,
    /// support, oppose, abstain.
    pub votes: [u32; 3],
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardGroup {
    pub name: String,
    pub budgets: Vec<BudgetLine>,
    /// Live cases (not withdrawn), in calibration order.
    pub cases: Vec<BoardCase>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub cycle: Cycle,
    pub phase: String,
    pub groups: Vec<BoardGroup>,
}

fn people_team(viewer: &Viewer) -> Result<(), AppError> {
    if allowed(viewer.role, Relation::Other, Action::Calibrate, Subject::ACTIVE) {
        Ok(())
    } else {
        Err(AppError::Forbidden("the calibration board is the people team's".into()))
    }
}

/// The board of a cycle.
pub async fn board(store: &dyn Store, viewer: &Viewer, id: CycleId) -> Result<Board, AppError> {
    people_team(viewer)?;
    let cycle = store.cycle(viewer.org_id, id).await?;
    let cases: Vec<Case> = store
        .cases(viewer.org_id, &CaseQuery { cycle: Some(id), limit: BOARD_AT_MOST, ..Default::default() })
        .await?
        .into_iter()
        .filter(|c| c.status.is_live())
        .collect();
    let used = store.budget_use(viewer.org_id, id).await?;
    let subjects: Vec<rungs_core::PersonId> = cases.iter().map(|c| c.subject).collect();
    let n = names(store, viewer, subjects).await?;
    let now = Utc::now();
    let mut groups = Vec::new();
    for g in &cycle.groups {
        let budgets = cycle
            .budgets
            .iter()
            .filter(|b| g.budgets.contains(&b.key()))
            .map(|b| {
                let key = b.key();
                let count = |s: CaseStatus| cases.iter().filter(|c| c.budget == key && c.status == s).count() as u32;
                let u = used.iter().find(|u| u.budget == key);
                BudgetLine {
                    budget: b.clone(),
                    approved: u.map_or(0, |u| u.promotions),
                    pay_approved: u.map_or(0, |u| u.pay),
                    in_review: count(CaseStatus::InReview),
                    nominated: count(CaseStatus::Nominated),
                    declined: count(CaseStatus::Declined),
                    key,
                }
            })
            .collect();
        let mut rows = Vec::new();
        for c in cases.iter().filter(|c| g.budgets.contains(&c.budget)) {
            let person = store.person(viewer.org_id, c.subject).await?;
            let reviews = store.reviews(viewer.org_id, c.id).await?;
            rows.push(BoardCase {
                subject_name: n.get(&c.subject).cloned().unwrap_or_default(),
                department: person.department.clone(),
                readiness: c.packet["summary"]["readiness"].as_u64().map(|r| r.min(100) as u8),
                days_in_level: (now - person.level_since).num_days(),
                votes: tally(&reviews),
                case: c.clone(),
            });
        }
        groups.push(BoardGroup { name: g.name.clone(), budgets, cases: rows });
    }
    Ok(Board { phase: cycle.phase(super::today(store, viewer.org_id).await?).to_string(), cycle, groups })
}

/// Put a case at `position` (0 = first) among the live cases of its calibration group.
pub async fn reorder(store: &dyn Store, viewer: &Viewer, id: CaseId, position: usize) -> Result<Vec<CaseId>, AppError> {
    people_team(viewer)?;
    let case = store.case(viewer.org_id, id).await?;
    let cycle = store.cycle(viewer.org_id, case.cycle_id).await?;
    let group = cycle.group_of(&case.budget);
    let mut order: Vec<Case> = store
        .cases(viewer.org_id, &CaseQuery { cycle: Some(cycle.id), limit: BOARD_AT_MOST, ..Default::default() })
        .await?
        .into_iter()
        .filter(|c| c.status.is_live() && cycle.group_of(&c.budget) == group)
        .collect();
    if position >= order.len() {
        return Err(ValidationError::single("position", format!("must be below {} (the group's cases)", order.len())).into());
    }
    let at = order.iter().position(|c| c.id == id).expect("the case is in its group");
    let moved = order.remove(at);
    order.insert(position, moved);
    for (rank, c) in order.iter().enumerate() {
        if c.rank != rank as i64 {
            let next = Case { rank: rank as i64, ..c.clone() };
            store.save_case(&next, c.status).await?;
        }
    }
    Ok(order.into_iter().map(|c| c.id).collect())
}
