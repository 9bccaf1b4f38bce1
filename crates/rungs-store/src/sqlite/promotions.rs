//! `impl PromotionStore for SqliteStore` (`migrations/sqlite/0012_promotions.sql`).
//! Every write runs on the writer thread, one transaction at a time; the budget slot
//! and the transition number are still taken under unique keys, so a second process
//! on the same file (or a bug) cannot overspend a budget either.

use rungs_core::page::MAX_PAGE;
use rungs_core::promotion::{
    Budget, BudgetUse, Case, CaseMove, CaseQuery, CaseStatus, Cycle, MoveRequest, PromotionStore, Review, Transition, Vote, apply_move, check_move, check_slot,
};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{CaseId, CycleId, OrgId, PersonId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, json, micros, time};

fn body<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(StoreError::unexpected)
}

fn load_cycle(c: &Connection, org: OrgId, id: CycleId) -> StoreResult<Cycle> {
    c.prepare_cached("SELECT body FROM promotion_cycles WHERE org_id = ?1 AND id = ?2")
        .and_then(|mut s| s.query_row(params![org.as_bytes(), id.as_bytes()], |r| json::<Cycle>(r, 0)).optional())
        .db()?
        .ok_or(StoreError::NotFound)
}

fn load_case(c: &Connection, org: OrgId, id: CaseId) -> StoreResult<Case> {
    c.prepare_cached("SELECT body FROM promotion_cases WHERE org_id = ?1 AND id = ?2")
        .and_then(|mut s| s.query_row(params![org.as_bytes(), id.as_bytes()], |r| json::<Case>(r, 0)).optional())
        .db()?
        .ok_or(StoreError::NotFound)
}

fn write_case(c: &Connection, case: &Case, expect: CaseStatus) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE promotion_cases SET status = ?3, budget = ?4, rank = ?5, body = ?6 WHERE org_id = ?1 AND id = ?2 AND status = ?7",
            params![case.org_id.as_bytes(), case.id.as_bytes(), case.status.as_str(), case.budget, case.rank, body(case)?, expect.as_str()],
        )
        .db()?;
    if n == 0 {
        let now = load_case(c, case.org_id, case.id)?;
        return Err(rungs_core::promotion::machine::illegal_edit(now.status, expect));
    }
    Ok(())
}

fn next_seq(c: &Connection, case: CaseId) -> StoreResult<i64> {
    c.prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM promotion_transitions WHERE case_id = ?1")
        .and_then(|mut s| s.query_row([case.as_bytes()], |r| r.get(0)))
        .db()
}

fn record(c: &Connection, t: &Transition) -> StoreResult<()> {
    c.execute(
        "INSERT INTO promotion_transitions (case_id, seq, from_status, to_status, actor_id, at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![t.case_id.as_bytes(), t.seq, t.from.map(|s| s.as_str()), t.to.as_str(), t.actor.map(|a| *a.as_bytes()), micros(t.at), t.reason],
    )
    .db()
    .map(drop)
}

fn used(c: &Connection, cycle: CycleId, budget: &str) -> StoreResult<BudgetUse> {
    c.prepare_cached("SELECT COUNT(*), COALESCE(SUM(pay), 0) FROM promotion_slots WHERE cycle_id = ?1 AND budget = ?2")
        .and_then(|mut s| {
            s.query_row(params![cycle.as_bytes(), budget], |r| {
                Ok(BudgetUse { budget: budget.to_string(), promotions: r.get(0)?, pay: r.get::<_, i64>(1)? as u64 })
            })
        })
        .db()
}

fn take_slot(c: &Connection, cycle: &Cycle, case: &Case) -> StoreResult<()> {
    let budget: &Budget = cycle
        .budget(&case.budget)
        .ok_or_else(|| StoreError::Conflict { field: "budget".into(), reason: format!("the cycle has no budget '{}'", case.budget) })?;
    let slot = check_slot(budget, &used(c, cycle.id, &case.budget)?, case.pay_increase)?;
    let pay = i64::try_from(case.pay_increase.unwrap_or(0)).map_err(StoreError::unexpected)?;
    c.execute(
        "INSERT INTO promotion_slots (cycle_id, budget, slot, case_id, pay) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![cycle.id.as_bytes(), case.budget, slot, case.id.as_bytes(), pay],
    )
    .db()
    .map(drop)
}

fn transition_row(r: &Row<'_>) -> rusqlite::Result<Transition> {
    let status = |idx: usize| -> rusqlite::Result<Option<CaseStatus>> {
        let s: Option<String> = r.get(idx)?;
        Ok(s.as_deref().and_then(CaseStatus::parse))
    };
    Ok(Transition {
        case_id: CaseId::from_bytes(r.get(0)?),
        seq: r.get(1)?,
        from: status(2)?,
        to: status(3)?.unwrap_or(CaseStatus::Nominated),
        actor: r.get::<_, Option<[u8; 16]>>(4)?.map(PersonId::from_bytes),
        at: time(r, 5)?,
        reason: r.get(6)?,
    })
}

#[async_trait::async_trait]
impl PromotionStore for SqliteStore {
    #[instrument(skip_all, fields(org = %cycle.org_id))]
    async fn create_cycle(&self, cycle: &Cycle) -> StoreResult<()> {
        let (c, json) = (cycle.clone(), body(cycle)?);
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO promotion_cycles (id, org_id, name, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![c.id.as_bytes(), c.org_id.as_bytes(), c.name, micros(c.created_at), json],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn cycle(&self, org: OrgId, id: CycleId) -> StoreResult<Cycle> {
        self.read(move |c| load_cycle(c, org, id)).await
    }

    async fn cycles(&self, org: OrgId) -> StoreResult<Vec<Cycle>> {
        self.read(move |c| {
            let mut s = c.prepare_cached("SELECT body FROM promotion_cycles WHERE org_id = ?1 ORDER BY created_at DESC, id DESC").db()?;
            s.query_map([org.as_bytes()], |r| json::<Cycle>(r, 0)).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    #[instrument(skip_all, fields(org = %case.org_id))]
    async fn create_case(&self, case: &Case) -> StoreResult<()> {
        let (c, json) = (case.clone(), body(case)?);
        self.writer
            .exec(move |tx| {
                load_cycle(tx, c.org_id, c.cycle_id)?;
                tx.execute(
                    "INSERT INTO promotion_cases (id, org_id, cycle_id, subject_id, nominator_id, status, budget, rank, created_at, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        c.id.as_bytes(),
                        c.org_id.as_bytes(),
                        c.cycle_id.as_bytes(),
                        c.subject.as_bytes(),
                        c.nominator.as_bytes(),
                        c.status.as_str(),
                        c.budget,
                        c.rank,
                        micros(c.created_at),
                        json
                    ],
                )
                .db()?;
                record(tx, &Transition { case_id: c.id, seq: 1, from: None, to: c.status, actor: Some(c.nominator), at: c.created_at, reason: None })
            })
            .await
    }

    async fn case(&self, org: OrgId, id: CaseId) -> StoreResult<Case> {
        self.read(move |c| load_case(c, org, id)).await
    }

    async fn cases(&self, org: OrgId, q: &CaseQuery) -> StoreResult<Vec<Case>> {
        let limit = if q.limit == 0 { MAX_PAGE } else { q.limit.min(MAX_PAGE) };
        let (cycle, subject, nominator, status) =
            (q.cycle.map(|c| *c.as_bytes()), q.subject.map(|s| *s.as_bytes()), q.nominator.map(|n| *n.as_bytes()), q.status.map(|s| s.as_str()));
        self.read(move |c| {
            let mut s = c
                .prepare_cached(
                    "SELECT body FROM promotion_cases WHERE org_id = ?1 AND (?2 IS NULL OR cycle_id = ?2) AND (?3 IS NULL OR subject_id = ?3) \
                       AND (?4 IS NULL OR nominator_id = ?4) AND (?5 IS NULL OR status = ?5) ORDER BY rank, created_at, id LIMIT ?6",
                )
                .db()?;
            s.query_map(params![org.as_bytes(), cycle, subject, nominator, status, limit], |r| json::<Case>(r, 0))
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()
        })
        .await
    }

    async fn save_case(&self, case: &Case, expect: CaseStatus) -> StoreResult<Case> {
        let c = case.clone();
        self.writer
            .exec(move |tx| {
                write_case(tx, &c, expect)?;
                load_case(tx, c.org_id, c.id)
            })
            .await
    }

    #[instrument(skip_all, fields(org = %req.org_id, case = %req.case_id, mv = req.mv.as_str()))]
    async fn move_case(&self, req: &MoveRequest) -> StoreResult<Case> {
        let req = req.clone();
        self.writer
            .exec(move |tx| {
                let case = load_case(tx, req.org_id, req.case_id)?;
                check_move(&case, req.mv, req.reason.as_deref(), req.effective_on.is_some())?;
                if req.mv == CaseMove::Approve {
                    take_slot(tx, &load_cycle(tx, req.org_id, case.cycle_id)?, &case)?;
                }
                let next = apply_move(&case, &req);
                write_case(tx, &next, case.status)?;
                let seq = next_seq(tx, case.id)?;
                record(
                    tx,
                    &Transition { case_id: case.id, seq, from: Some(case.status), to: next.status, actor: req.actor, at: req.at, reason: req.reason.clone() },
                )?;
                Ok(next)
            })
            .await
    }

    async fn transitions(&self, org: OrgId, case: CaseId) -> StoreResult<Vec<Transition>> {
        self.read(move |c| {
            load_case(c, org, case)?;
            let mut s = c
                .prepare_cached("SELECT case_id, seq, from_status, to_status, actor_id, at, reason FROM promotion_transitions WHERE case_id = ?1 ORDER BY seq")
                .db()?;
            s.query_map([case.as_bytes()], transition_row).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn add_review(&self, org: OrgId, review: &Review) -> StoreResult<()> {
        let r = review.clone();
        self.writer
            .exec(move |tx| {
                load_case(tx, org, r.case_id)?;
                tx.execute(
                    "INSERT INTO promotion_reviews (id, case_id, reviewer_id, vote, comment, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![r.id.as_bytes(), r.case_id.as_bytes(), r.reviewer.as_bytes(), r.vote.map(|v| v.as_str()), r.comment, micros(r.at)],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn reviews(&self, org: OrgId, case: CaseId) -> StoreResult<Vec<Review>> {
        self.read(move |c| {
            load_case(c, org, case)?;
            let mut s =
                c.prepare_cached("SELECT id, case_id, reviewer_id, vote, comment, at FROM promotion_reviews WHERE case_id = ?1 ORDER BY at, id").db()?;
            s.query_map([case.as_bytes()], |r| {
                Ok(Review {
                    id: uuid::Uuid::from_bytes(r.get(0)?),
                    case_id: CaseId::from_bytes(r.get(1)?),
                    reviewer: PersonId::from_bytes(r.get(2)?),
                    vote: r.get::<_, Option<String>>(3)?.as_deref().and_then(Vote::parse),
                    comment: r.get(4)?,
                    at: time(r, 5)?,
                })
            })
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
        })
        .await
    }

    async fn budget_use(&self, org: OrgId, cycle: CycleId) -> StoreResult<Vec<BudgetUse>> {
        self.read(move |c| {
            let cy = load_cycle(c, org, cycle)?;
            cy.budgets.iter().map(|b| used(c, cycle, &b.key())).collect()
        })
        .await
    }
}
