//! `impl PromotionStore for PgStore` (`migrations/postgres/0012_promotions.sql`).
//! A move locks its case row (`FOR UPDATE`) and checks the move under the lock; an
//! approval counts its budget's slots and inserts the next one, and when another
//! instance's approval took the same slot number first (`promotion_slots_pkey`) the
//! transaction is rolled back and run again, counting anew.

use deadpool_postgres::GenericClient;
use rungs_core::ledger::Constraint;
use rungs_core::page::MAX_PAGE;
use rungs_core::promotion::{
    BudgetUse, Case, CaseMove, CaseQuery, CaseStatus, Cycle, MoveRequest, PromotionStore, Review, Transition, Vote, apply_move, check_move, check_slot,
};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{CaseId, CycleId, OrgId, PersonId};
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::rows::{Db, get};

/// How often a move is run again after losing a budget slot to a concurrent
/// approval; each retry sees one more slot taken, so this bounds the wait, not the
/// budget.
const SLOT_RETRIES: usize = 64;

fn body<T: serde::Serialize>(v: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(v).map_err(StoreError::unexpected)
}

fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> StoreResult<T> {
    serde_json::from_value(v).map_err(StoreError::unexpected)
}

async fn load_cycle(c: &impl GenericClient, org: OrgId, id: CycleId) -> StoreResult<Cycle> {
    let row = c.query_opt("SELECT body FROM promotion_cycles WHERE org_id = $1 AND id = $2", &[&org.0, &id.0]).await.db()?.ok_or(StoreError::NotFound)?;
    parse(get(&row, 0)?)
}

async fn load_case(c: &impl GenericClient, org: OrgId, id: CaseId, lock: bool) -> StoreResult<Case> {
    let sql = if lock {
        "SELECT body FROM promotion_cases WHERE org_id = $1 AND id = $2 FOR UPDATE"
    } else {
        "SELECT body FROM promotion_cases WHERE org_id = $1 AND id = $2"
    };
    let row = c.query_opt(sql, &[&org.0, &id.0]).await.db()?.ok_or(StoreError::NotFound)?;
    parse(get(&row, 0)?)
}

async fn write_case(c: &impl GenericClient, case: &Case, expect: CaseStatus) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE promotion_cases SET status = $3, budget = $4, rank = $5, body = $6 WHERE org_id = $1 AND id = $2 AND status = $7",
            &[&case.org_id.0, &case.id.0, &case.status.as_str(), &case.budget, &case.rank, &body(case)?, &expect.as_str()],
        )
        .await
        .db()?;
    if n == 0 {
        let now = load_case(c, case.org_id, case.id, false).await?;
        return Err(rungs_core::promotion::machine::illegal_edit(now.status, expect));
    }
    Ok(())
}

async fn record(c: &impl GenericClient, t: &Transition) -> StoreResult<()> {
    c.execute(
        "INSERT INTO promotion_transitions (case_id, seq, from_status, to_status, actor_id, at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&t.case_id.0, &t.seq, &t.from.map(|s| s.as_str()), &t.to.as_str(), &t.actor.map(|a| a.0), &t.at, &t.reason],
    )
    .await
    .db()
    .map(drop)
}

async fn used(c: &impl GenericClient, cycle: CycleId, budget: &str) -> StoreResult<BudgetUse> {
    let row = c
        .query_one("SELECT COUNT(*), COALESCE(SUM(pay), 0)::bigint FROM promotion_slots WHERE cycle_id = $1 AND budget = $2", &[&cycle.0, &budget])
        .await
        .db()?;
    let n: i64 = get(&row, 0)?;
    let pay: i64 = get(&row, 1)?;
    Ok(BudgetUse { budget: budget.to_string(), promotions: u32::try_from(n).map_err(StoreError::unexpected)?, pay: u64::try_from(pay).unwrap_or(0) })
}

impl PgStore {
    /// One attempt at a move, in its own transaction.
    async fn try_move(&self, req: &MoveRequest) -> StoreResult<Case> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        let case = load_case(&tx, req.org_id, req.case_id, true).await?;
        check_move(&case, req.mv, req.reason.as_deref(), req.effective_on.is_some())?;
        if req.mv == CaseMove::Approve {
            let cycle = load_cycle(&tx, req.org_id, case.cycle_id).await?;
            let budget = cycle
                .budget(&case.budget)
                .ok_or_else(|| StoreError::Conflict { field: "budget".into(), reason: format!("the cycle has no budget '{}'", case.budget) })?;
            let slot = check_slot(budget, &used(&tx, cycle.id, &case.budget).await?, case.pay_increase)?;
            let slot = i32::try_from(slot).map_err(StoreError::unexpected)?;
            let pay = i64::try_from(case.pay_increase.unwrap_or(0)).map_err(StoreError::unexpected)?;
            tx.execute(
                "INSERT INTO promotion_slots (cycle_id, budget, slot, case_id, pay) VALUES ($1, $2, $3, $4, $5)",
                &[&cycle.id.0, &case.budget, &slot, &case.id.0, &pay],
            )
            .await
            .db()?;
        }
        let next = apply_move(&case, req);
        write_case(&tx, &next, case.status).await?;
        let seq: i64 = get(&tx.query_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM promotion_transitions WHERE case_id = $1", &[&case.id.0]).await.db()?, 0)?;
        record(&tx, &Transition { case_id: case.id, seq, from: Some(case.status), to: next.status, actor: req.actor, at: req.at, reason: req.reason.clone() })
            .await?;
        tx.commit().await.db()?;
        Ok(next)
    }
}

fn lost_slot(e: &StoreError) -> bool {
    let (field, reason) = Constraint::BudgetSlot.message();
    matches!(e, StoreError::Conflict { field: f, reason: r } if f == field && r == reason)
}

#[async_trait::async_trait]
impl PromotionStore for PgStore {
    #[instrument(skip_all, fields(org = %cycle.org_id))]
    async fn create_cycle(&self, cycle: &Cycle) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO promotion_cycles (id, org_id, name, created_at, body) VALUES ($1, $2, $3, $4, $5)",
            &[&cycle.id.0, &cycle.org_id.0, &cycle.name, &cycle.created_at, &body(cycle)?],
        )
        .await
        .db()
        .map(drop)
    }

    async fn cycle(&self, org: OrgId, id: CycleId) -> StoreResult<Cycle> {
        load_cycle(&self.conn().await?, org, id).await
    }

    async fn cycles(&self, org: OrgId) -> StoreResult<Vec<Cycle>> {
        let rows = self.conn().await?.query("SELECT body FROM promotion_cycles WHERE org_id = $1 ORDER BY created_at DESC, id DESC", &[&org.0]).await.db()?;
        rows.iter().map(|r| parse(get(r, 0)?)).collect()
    }

    #[instrument(skip_all, fields(org = %case.org_id))]
    async fn create_case(&self, case: &Case) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        load_cycle(&tx, case.org_id, case.cycle_id).await?;
        tx.execute(
            "INSERT INTO promotion_cases (id, org_id, cycle_id, subject_id, nominator_id, status, budget, rank, created_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &case.id.0,
                &case.org_id.0,
                &case.cycle_id.0,
                &case.subject.0,
                &case.nominator.0,
                &case.status.as_str(),
                &case.budget,
                &case.rank,
                &case.created_at,
                &body(case)?,
            ],
        )
        .await
        .db()?;
        record(&tx, &Transition { case_id: case.id, seq: 1, from: None, to: case.status, actor: Some(case.nominator), at: case.created_at, reason: None })
            .await?;
        tx.commit().await.db()
    }

    async fn case(&self, org: OrgId, id: CaseId) -> StoreResult<Case> {
        load_case(&self.conn().await?, org, id, false).await
    }

    async fn cases(&self, org: OrgId, q: &CaseQuery) -> StoreResult<Vec<Case>> {
        let limit = i64::from(if q.limit == 0 { MAX_PAGE } else { q.limit.min(MAX_PAGE) });
        let (cycle, subject, nominator, status) = (q.cycle.map(|c| c.0), q.subject.map(|s| s.0), q.nominator.map(|n| n.0), q.status.map(|s| s.as_str()));
        let rows = self
            .conn()
            .await?
            .query(
                "SELECT body FROM promotion_cases WHERE org_id = $1 AND ($2::uuid IS NULL OR cycle_id = $2) AND ($3::uuid IS NULL OR subject_id = $3) \
                   AND ($4::uuid IS NULL OR nominator_id = $4) AND ($5::text IS NULL OR status = $5) ORDER BY rank, created_at, id LIMIT $6",
                &[&org.0, &cycle, &subject, &nominator, &status, &limit],
            )
            .await
            .db()?;
        rows.iter().map(|r| parse(get(r, 0)?)).collect()
    }

    async fn save_case(&self, case: &Case, expect: CaseStatus) -> StoreResult<Case> {
        let c = self.conn().await?;
        write_case(&c, case, expect).await?;
        load_case(&c, case.org_id, case.id, false).await
    }

    #[instrument(skip_all, fields(org = %req.org_id, case = %req.case_id, mv = req.mv.as_str()))]
    async fn move_case(&self, req: &MoveRequest) -> StoreResult<Case> {
        let mut attempt = 0;
        loop {
            match self.try_move(req).await {
                Err(e) if lost_slot(&e) && attempt < SLOT_RETRIES => attempt += 1,
                other => return other,
            }
        }
    }

    async fn transitions(&self, org: OrgId, case: CaseId) -> StoreResult<Vec<Transition>> {
        let c = self.conn().await?;
        load_case(&c, org, case, false).await?;
        let rows = c
            .query("SELECT case_id, seq, from_status, to_status, actor_id, at, reason FROM promotion_transitions WHERE case_id = $1 ORDER BY seq", &[&case.0])
            .await
            .db()?;
        rows.iter()
            .map(|r| {
                let from: Option<&str> = get(r, 2)?;
                let to: &str = get(r, 3)?;
                Ok(Transition {
                    case_id: CaseId(get(r, 0)?),
                    seq: get(r, 1)?,
                    from: from.and_then(CaseStatus::parse),
                    to: CaseStatus::parse(to).ok_or_else(|| StoreError::internal(format!("unknown case status '{to}'")))?,
                    actor: get::<Option<Uuid>>(r, 4)?.map(PersonId),
                    at: get(r, 5)?,
                    reason: get(r, 6)?,
                })
            })
            .collect()
    }

    async fn add_review(&self, org: OrgId, r: &Review) -> StoreResult<()> {
        let c = self.conn().await?;
        load_case(&c, org, r.case_id, false).await?;
        c.execute(
            "INSERT INTO promotion_reviews (id, case_id, reviewer_id, vote, comment, at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&r.id, &r.case_id.0, &r.reviewer.0, &r.vote.map(|v| v.as_str()), &r.comment, &r.at],
        )
        .await
        .db()
        .map(drop)
    }

    async fn reviews(&self, org: OrgId, case: CaseId) -> StoreResult<Vec<Review>> {
        let c = self.conn().await?;
        load_case(&c, org, case, false).await?;
        let rows =
            c.query("SELECT id, case_id, reviewer_id, vote, comment, at FROM promotion_reviews WHERE case_id = $1 ORDER BY at, id", &[&case.0]).await.db()?;
        rows.iter()
            .map(|r| {
                Ok(Review {
                    id: get(r, 0)?,
                    case_id: CaseId(get(r, 1)?),
                    reviewer: PersonId(get(r, 2)?),
                    vote: get::<Option<&str>>(r, 3)?.and_then(Vote::parse),
                    comment: get(r, 4)?,
                    at: get(r, 5)?,
                })
            })
            .collect()
    }

    async fn budget_use(&self, org: OrgId, cycle: CycleId) -> StoreResult<Vec<BudgetUse>> {
        let c = self.conn().await?;
        let cy = load_cycle(&c, org, cycle).await?;
        let mut out = Vec::new();
        for b in &cy.budgets {
            out.push(used(&c, cycle, &b.key()).await?);
        }
        Ok(out)
    }
}
