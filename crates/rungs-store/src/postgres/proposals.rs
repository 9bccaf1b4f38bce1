//! `impl ProposalStore for PgStore` (`migrations/postgres/0014_proposals.sql`).
//! A decision locks its proposal row (`FOR UPDATE`) and is checked and counted under
//! the lock, so two approvers of one parallel step deciding at once (on one instance
//! or two) are counted one after the other and the step completes exactly once;
//! `proposal_decisions_pkey` keeps one decision per approver and step.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use rungs_core::page::MAX_PAGE;
use rungs_core::proposal::{Decision, Delegation, Proposal, ProposalQuery, ProposalStatus, ProposalStore, Route, progress};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId, ProposalId};
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::rows::{Db, get};

fn body<T: serde::Serialize>(v: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(v).map_err(StoreError::unexpected)
}

fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> StoreResult<T> {
    serde_json::from_value(v).map_err(StoreError::unexpected)
}

async fn load(c: &impl GenericClient, org: OrgId, id: ProposalId, lock: bool) -> StoreResult<Proposal> {
    let sql =
        if lock { "SELECT body FROM proposals WHERE org_id = $1 AND id = $2 FOR UPDATE" } else { "SELECT body FROM proposals WHERE org_id = $1 AND id = $2" };
    let row = c.query_opt(sql, &[&org.0, &id.0]).await.db()?.ok_or(StoreError::NotFound)?;
    parse(get(&row, 0)?)
}

async fn write(c: &impl GenericClient, p: &Proposal, expect: ProposalStatus) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE proposals SET status = $3, body = $4 WHERE org_id = $1 AND id = $2 AND status = $5",
            &[&p.org_id.0, &p.id.0, &p.status.as_str(), &body(p)?, &expect.as_str()],
        )
        .await
        .db()?;
    if n == 0 {
        return Err(StoreError::Conflict { field: "status".into(), reason: format!("the proposal is no longer {}", expect.as_str()) });
    }
    Ok(())
}

async fn load_decisions(c: &impl GenericClient, id: ProposalId) -> StoreResult<Vec<Decision>> {
    let rows = c
        .query(
            "SELECT proposal_id, step, approver_id, actor_id, approve, comment, at FROM proposal_decisions WHERE proposal_id = $1 ORDER BY at, step",
            &[&id.0],
        )
        .await
        .db()?;
    rows.iter()
        .map(|r| {
            let step: i32 = get(r, 1)?;
            Ok(Decision {
                proposal: ProposalId(get(r, 0)?),
                step: u32::try_from(step).map_err(StoreError::unexpected)?,
                approver: PersonId(get(r, 2)?),
                actor: PersonId(get(r, 3)?),
                approve: get(r, 4)?,
                comment: get(r, 5)?,
                at: get(r, 6)?,
            })
        })
        .collect()
}

fn step_i32(step: u32) -> StoreResult<i32> {
    i32::try_from(step).map_err(StoreError::unexpected)
}

#[async_trait::async_trait]
impl ProposalStore for PgStore {
    async fn save_route(&self, org: OrgId, route: &Route) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO approval_routes (org_id, kind, body) VALUES ($1, $2, $3) ON CONFLICT (org_id, kind) DO UPDATE SET body = excluded.body",
            &[&org.0, &route.kind.as_str(), &body(route)?],
        )
        .await
        .db()
        .map(drop)
    }

    async fn routes(&self, org: OrgId) -> StoreResult<Vec<Route>> {
        let c = self.conn().await?;
        let rows = c.query("SELECT body FROM approval_routes WHERE org_id = $1 ORDER BY kind", &[&org.0]).await.db()?;
        rows.iter().map(|r| parse(get(r, 0)?)).collect()
    }

    #[instrument(skip_all, fields(org = %p.org_id))]
    async fn create_proposal(&self, p: &Proposal) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO proposals (id, org_id, kind, subject_id, proposer_id, status, created_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&p.id.0, &p.org_id.0, &p.kind.as_str(), &p.subject.0, &p.proposer.0, &p.status.as_str(), &p.created_at, &body(p)?],
        )
        .await
        .db()
        .map(drop)
    }

    async fn proposal(&self, org: OrgId, id: ProposalId) -> StoreResult<Proposal> {
        load(&self.conn().await?, org, id, false).await
    }

    async fn proposals(&self, org: OrgId, q: &ProposalQuery) -> StoreResult<Vec<Proposal>> {
        let limit = i64::from(if q.limit == 0 { MAX_PAGE } else { q.limit.min(MAX_PAGE) });
        let (subject, proposer): (Option<Uuid>, Option<Uuid>) = (q.subject.map(|s| s.0), q.proposer.map(|s| s.0));
        let (status, kind) = (q.status.map(|s| s.as_str()), q.kind.map(|k| k.as_str()));
        let c = self.conn().await?;
        let rows = c
            .query(
                "SELECT body FROM proposals WHERE org_id = $1 AND ($2::uuid IS NULL OR subject_id = $2) AND ($3::uuid IS NULL OR proposer_id = $3) \
                   AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR kind = $5) ORDER BY created_at DESC, id DESC LIMIT $6",
                &[&org.0, &subject, &proposer, &status, &kind, &limit],
            )
            .await
            .db()?;
        rows.iter().map(|r| parse(get(r, 0)?)).collect()
    }

    #[instrument(skip_all, fields(org = %org, proposal = %d.proposal))]
    async fn decide(&self, org: OrgId, d: &Decision) -> StoreResult<Proposal> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        let p = load(&tx, org, d.proposal, true).await?;
        let mut decisions = load_decisions(&tx, p.id).await?;
        rungs_core::proposal::check_decision(&p, &decisions, d)?;
        tx.execute(
            "INSERT INTO proposal_decisions (proposal_id, step, approver_id, actor_id, approve, comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&d.proposal.0, &step_i32(d.step)?, &d.approver.0, &d.actor.0, &d.approve, &d.comment, &d.at],
        )
        .await
        .map_err(|e| {
            if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) { rungs_core::proposal::decided_twice() } else { super::rows::db_error(e) }
        })?;
        decisions.push(d.clone());
        let next = rungs_core::proposal::advance(&p, progress(&p.steps, &decisions), d.at);
        write(&tx, &next, ProposalStatus::Pending).await?;
        tx.commit().await.db()?;
        Ok(next)
    }

    async fn decisions(&self, org: OrgId, id: ProposalId) -> StoreResult<Vec<Decision>> {
        let c = self.conn().await?;
        load(&c, org, id, false).await?;
        load_decisions(&c, id).await
    }

    async fn withdraw_proposal(&self, org: OrgId, id: ProposalId, at: DateTime<Utc>) -> StoreResult<Proposal> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        let p = load(&tx, org, id, true).await?;
        let next = rungs_core::proposal::withdrawn(&p, at)?;
        write(&tx, &next, ProposalStatus::Pending).await?;
        tx.commit().await.db()?;
        Ok(next)
    }

    async fn make_effective(&self, org: OrgId, id: ProposalId, event: Option<EventId>, at: DateTime<Utc>) -> StoreResult<Proposal> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        let p = load(&tx, org, id, true).await?;
        let Some(next) = rungs_core::proposal::effective(&p, event, at)? else { return Ok(p) };
        write(&tx, &next, ProposalStatus::Approved).await?;
        tx.commit().await.db()?;
        Ok(next)
    }

    async fn record_reminder(&self, org: OrgId, id: ProposalId, step: u32, approver: PersonId, at: DateTime<Utc>) -> StoreResult<bool> {
        let c = self.conn().await?;
        load(&c, org, id, false).await?;
        let n = c
            .execute(
                "INSERT INTO proposal_reminders (proposal_id, step, approver_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&id.0, &step_i32(step)?, &approver.0, &at],
            )
            .await
            .db()?;
        Ok(n == 1)
    }

    async fn reminders(&self, org: OrgId, approver: PersonId) -> StoreResult<Vec<(ProposalId, u32)>> {
        let c = self.conn().await?;
        let rows = c
            .query(
                "SELECT r.proposal_id, r.step FROM proposal_reminders r JOIN proposals p ON p.id = r.proposal_id \
                 WHERE p.org_id = $1 AND r.approver_id = $2 AND p.status = 'pending' ORDER BY r.at",
                &[&org.0, &approver.0],
            )
            .await
            .db()?;
        rows.iter()
            .map(|r| {
                let step: i32 = get(r, 1)?;
                Ok((ProposalId(get(r, 0)?), u32::try_from(step).map_err(StoreError::unexpected)?))
            })
            .collect()
    }

    async fn save_delegation(&self, org: OrgId, d: &Delegation) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO delegations (org_id, person_id, body) VALUES ($1, $2, $3) ON CONFLICT (org_id, person_id) DO UPDATE SET body = excluded.body",
            &[&org.0, &d.person.0, &body(d)?],
        )
        .await
        .db()
        .map(drop)
    }

    async fn delete_delegation(&self, org: OrgId, person: PersonId) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute("DELETE FROM delegations WHERE org_id = $1 AND person_id = $2", &[&org.0, &person.0]).await.db().map(drop)
    }

    async fn delegations(&self, org: OrgId) -> StoreResult<Vec<Delegation>> {
        let c = self.conn().await?;
        let rows = c.query("SELECT body FROM delegations WHERE org_id = $1 ORDER BY person_id", &[&org.0]).await.db()?;
        rows.iter().map(|r| parse(get(r, 0)?)).collect()
    }
}
