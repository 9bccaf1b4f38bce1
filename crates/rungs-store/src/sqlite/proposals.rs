//! `impl ProposalStore for SqliteStore` (`migrations/sqlite/0014_proposals.sql`).
//! Every write runs on the writer thread, one transaction at a time; one decision per
//! approver and step is still a primary key, so a second process on the same file
//! cannot record two either.

use chrono::{DateTime, Utc};
use rungs_core::page::MAX_PAGE;
use rungs_core::proposal::{Decision, Delegation, Proposal, ProposalQuery, ProposalStatus, ProposalStore, Route, progress};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId, ProposalId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, json, micros, time};

fn body<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(StoreError::unexpected)
}

fn load(c: &Connection, org: OrgId, id: ProposalId) -> StoreResult<Proposal> {
    c.prepare_cached("SELECT body FROM proposals WHERE org_id = ?1 AND id = ?2")
        .and_then(|mut s| s.query_row(params![org.as_bytes(), id.as_bytes()], |r| json::<Proposal>(r, 0)).optional())
        .db()?
        .ok_or(StoreError::NotFound)
}

/// Write `p` if its status is still `expect`.
fn write(c: &Connection, p: &Proposal, expect: ProposalStatus) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE proposals SET status = ?3, body = ?4 WHERE org_id = ?1 AND id = ?2 AND status = ?5",
            params![p.org_id.as_bytes(), p.id.as_bytes(), p.status.as_str(), body(p)?, expect.as_str()],
        )
        .db()?;
    if n == 0 {
        return Err(StoreError::Conflict { field: "status".into(), reason: format!("the proposal is no longer {}", expect.as_str()) });
    }
    Ok(())
}

fn decision_row(r: &Row<'_>) -> rusqlite::Result<Decision> {
    Ok(Decision {
        proposal: ProposalId::from_bytes(r.get(0)?),
        step: r.get(1)?,
        approver: PersonId::from_bytes(r.get(2)?),
        actor: PersonId::from_bytes(r.get(3)?),
        approve: r.get(4)?,
        comment: r.get(5)?,
        at: time(r, 6)?,
    })
}

fn load_decisions(c: &Connection, id: ProposalId) -> StoreResult<Vec<Decision>> {
    let mut s = c
        .prepare_cached(
            "SELECT proposal_id, step, approver_id, actor_id, approve, comment, at FROM proposal_decisions WHERE proposal_id = ?1 ORDER BY at, step",
        )
        .db()?;
    s.query_map([id.as_bytes()], decision_row).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// Check and record a decision, then move the proposal on (shared rules in
/// `rungs_core::proposal::check_decision`).
fn decide_in(c: &Connection, org: OrgId, d: &Decision) -> StoreResult<Proposal> {
    let p = load(c, org, d.proposal)?;
    let mut decisions = load_decisions(c, p.id)?;
    rungs_core::proposal::check_decision(&p, &decisions, d)?;
    c.execute(
        "INSERT INTO proposal_decisions (proposal_id, step, approver_id, actor_id, approve, comment, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.proposal.as_bytes(), d.step, d.approver.as_bytes(), d.actor.as_bytes(), d.approve, d.comment, micros(d.at)],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => rungs_core::proposal::decided_twice(),
        other => super::rows::db_error(other),
    })?;
    decisions.push(d.clone());
    let next = rungs_core::proposal::advance(&p, progress(&p.steps, &decisions), d.at);
    write(c, &next, ProposalStatus::Pending)?;
    Ok(next)
}

#[async_trait::async_trait]
impl ProposalStore for SqliteStore {
    async fn save_route(&self, org: OrgId, route: &Route) -> StoreResult<()> {
        let (kind, json) = (route.kind.as_str(), body(route)?);
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO approval_routes (org_id, kind, body) VALUES (?1, ?2, ?3) ON CONFLICT (org_id, kind) DO UPDATE SET body = excluded.body",
                    params![org.as_bytes(), kind, json],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn routes(&self, org: OrgId) -> StoreResult<Vec<Route>> {
        self.read(move |c| {
            let mut s = c.prepare_cached("SELECT body FROM approval_routes WHERE org_id = ?1 ORDER BY kind").db()?;
            s.query_map([org.as_bytes()], |r| json::<Route>(r, 0)).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    #[instrument(skip_all, fields(org = %p.org_id))]
    async fn create_proposal(&self, p: &Proposal) -> StoreResult<()> {
        let (p, json) = (p.clone(), body(p)?);
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO proposals (id, org_id, kind, subject_id, proposer_id, status, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        p.id.as_bytes(),
                        p.org_id.as_bytes(),
                        p.kind.as_str(),
                        p.subject.as_bytes(),
                        p.proposer.as_bytes(),
                        p.status.as_str(),
                        micros(p.created_at),
                        json
                    ],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn proposal(&self, org: OrgId, id: ProposalId) -> StoreResult<Proposal> {
        self.read(move |c| load(c, org, id)).await
    }

    async fn proposals(&self, org: OrgId, q: &ProposalQuery) -> StoreResult<Vec<Proposal>> {
        let limit = if q.limit == 0 { MAX_PAGE } else { q.limit.min(MAX_PAGE) };
        let (subject, proposer, status, kind) =
            (q.subject.map(|s| *s.as_bytes()), q.proposer.map(|s| *s.as_bytes()), q.status.map(|s| s.as_str()), q.kind.map(|k| k.as_str()));
        self.read(move |c| {
            let mut s = c
                .prepare_cached(
                    "SELECT body FROM proposals WHERE org_id = ?1 AND (?2 IS NULL OR subject_id = ?2) AND (?3 IS NULL OR proposer_id = ?3) \
                       AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR kind = ?5) ORDER BY created_at DESC, id DESC LIMIT ?6",
                )
                .db()?;
            s.query_map(params![org.as_bytes(), subject, proposer, status, kind, limit], |r| json::<Proposal>(r, 0))
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()
        })
        .await
    }

    #[instrument(skip_all, fields(org = %org, proposal = %d.proposal))]
    async fn decide(&self, org: OrgId, d: &Decision) -> StoreResult<Proposal> {
        let d = d.clone();
        self.writer.exec(move |tx| decide_in(tx, org, &d)).await
    }

    async fn decisions(&self, org: OrgId, id: ProposalId) -> StoreResult<Vec<Decision>> {
        self.read(move |c| {
            load(c, org, id)?;
            load_decisions(c, id)
        })
        .await
    }

    async fn withdraw_proposal(&self, org: OrgId, id: ProposalId, at: DateTime<Utc>) -> StoreResult<Proposal> {
        self.writer
            .exec(move |tx| {
                let p = load(tx, org, id)?;
                let next = rungs_core::proposal::withdrawn(&p, at)?;
                write(tx, &next, ProposalStatus::Pending)?;
                Ok(next)
            })
            .await
    }

    async fn make_effective(&self, org: OrgId, id: ProposalId, event: Option<EventId>, at: DateTime<Utc>) -> StoreResult<Proposal> {
        self.writer
            .exec(move |tx| {
                let p = load(tx, org, id)?;
                match rungs_core::proposal::effective(&p, event, at)? {
                    None => Ok(p),
                    Some(next) => {
                        write(tx, &next, ProposalStatus::Approved)?;
                        Ok(next)
                    }
                }
            })
            .await
    }

    async fn record_reminder(&self, org: OrgId, id: ProposalId, step: u32, approver: PersonId, at: DateTime<Utc>) -> StoreResult<bool> {
        self.writer
            .exec(move |tx| {
                load(tx, org, id)?;
                let n = tx
                    .execute(
                        "INSERT INTO proposal_reminders (proposal_id, step, approver_id, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                        params![id.as_bytes(), step, approver.as_bytes(), micros(at)],
                    )
                    .db()?;
                Ok(n == 1)
            })
            .await
    }

    async fn reminders(&self, org: OrgId, approver: PersonId) -> StoreResult<Vec<(ProposalId, u32)>> {
        self.read(move |c| {
            let mut s = c
                .prepare_cached(
                    "SELECT r.proposal_id, r.step FROM proposal_reminders r JOIN proposals p ON p.id = r.proposal_id \
                     WHERE p.org_id = ?1 AND r.approver_id = ?2 AND p.status = 'pending' ORDER BY r.at",
                )
                .db()?;
            s.query_map(params![org.as_bytes(), approver.as_bytes()], |r| Ok((ProposalId::from_bytes(r.get(0)?), r.get(1)?)))
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()
        })
        .await
    }

    async fn save_delegation(&self, org: OrgId, d: &Delegation) -> StoreResult<()> {
        let (person, json) = (d.person, body(d)?);
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO delegations (org_id, person_id, body) VALUES (?1, ?2, ?3) ON CONFLICT (org_id, person_id) DO UPDATE SET body = excluded.body",
                    params![org.as_bytes(), person.as_bytes(), json],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn delete_delegation(&self, org: OrgId, person: PersonId) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                tx.execute("DELETE FROM delegations WHERE org_id = ?1 AND person_id = ?2", params![org.as_bytes(), person.as_bytes()]).db().map(drop)
            })
            .await
    }

    async fn delegations(&self, org: OrgId) -> StoreResult<Vec<Delegation>> {
        self.read(move |c| {
            let mut s = c.prepare_cached("SELECT body FROM delegations WHERE org_id = ?1 ORDER BY person_id").db()?;
            s.query_map([org.as_bytes()], |r| json::<Delegation>(r, 0)).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }
}
