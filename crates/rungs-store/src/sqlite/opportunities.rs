//! `impl OpportunityStore for SqliteStore` (`migrations/sqlite/0007_opportunities.sql`).
//! Every write runs on the writer thread, one transaction at a time, so reading the
//! counts and making a move in the same closure cannot race another move.

use chrono::{DateTime, Utc};
use rungs_core::event::Category;
use rungs_core::opportunity::{
    Application, ApplicationQuery, ApplicationStatus, Move, Opportunity, OpportunityQuery, OpportunityStatus, OpportunityStore, check_apply, check_move,
};
use rungs_core::page::{DEFAULT_PAGE, MAX_PAGE, Page};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{ApplicationId, EventId, OpportunityId, OrgId, PersonId, ValidationError};
use rusqlite::{Connection, OptionalExtension, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, json, list_json, micros, opt_time, time};

const OPP_COLS: &str = "o.id, o.org_id, o.owner_id, o.title, o.description, o.competencies, o.capacity, o.status, o.created_at, o.closed_at, o.category, \
     (SELECT COUNT(*) FROM applications a WHERE a.opportunity_id = o.id AND a.status IN ('accepted', 'completed')), \
     (SELECT COUNT(*) FROM applications a WHERE a.opportunity_id = o.id AND a.status = 'applied')";

const APP_COLS: &str = "id, org_id, opportunity_id, applicant_id, note, status, created_at, updated_at, evidence_event";

fn uuid(row: &Row<'_>, idx: usize) -> rusqlite::Result<[u8; 16]> {
    row.get::<_, [u8; 16]>(idx)
}

fn bad(idx: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, format!("unknown {what}").into())
}

fn opportunity_row(row: &Row<'_>) -> rusqlite::Result<Opportunity> {
    let status = row.get_ref(7)?.as_str()?;
    Ok(Opportunity {
        id: OpportunityId::from_bytes(uuid(row, 0)?),
        org_id: OrgId::from_bytes(uuid(row, 1)?),
        owner: PersonId::from_bytes(uuid(row, 2)?),
        title: row.get(3)?,
        description: row.get(4)?,
        competencies: json(row, 5)?,
        capacity: row.get(6)?,
        status: OpportunityStatus::parse(status).ok_or_else(|| bad(7, "opportunity status"))?,
        created_at: time(row, 8)?,
        closed_at: opt_time(row, 9)?,
        category: Category::parse(row.get_ref(10)?.as_str()?).ok_or_else(|| bad(10, "category"))?,
        taken: row.get(11)?,
        pending: row.get(12)?,
    })
}

fn application_row(row: &Row<'_>) -> rusqlite::Result<Application> {
    let status = row.get_ref(5)?.as_str()?;
    Ok(Application {
        id: ApplicationId::from_bytes(uuid(row, 0)?),
        org_id: OrgId::from_bytes(uuid(row, 1)?),
        opportunity_id: OpportunityId::from_bytes(uuid(row, 2)?),
        applicant: PersonId::from_bytes(uuid(row, 3)?),
        note: row.get(4)?,
        status: ApplicationStatus::parse(status).ok_or_else(|| bad(5, "application status"))?,
        created_at: time(row, 6)?,
        updated_at: time(row, 7)?,
        evidence: row.get::<_, Option<[u8; 16]>>(8)?.map(EventId::from_bytes),
    })
}

fn load_opportunity(c: &Connection, org: OrgId, id: OpportunityId) -> StoreResult<Opportunity> {
    c.prepare_cached(&format!("SELECT {OPP_COLS} FROM opportunities o WHERE o.org_id = ?1 AND o.id = ?2"))
        .and_then(|mut s| s.query_row(params![org.as_bytes(), id.as_bytes()], opportunity_row).optional())
        .db()?
        .ok_or(StoreError::NotFound)
}

fn load_application(c: &Connection, org: OrgId, id: ApplicationId) -> StoreResult<Application> {
    c.prepare_cached(&format!("SELECT {APP_COLS} FROM applications WHERE org_id = ?1 AND id = ?2"))
        .and_then(|mut s| s.query_row(params![org.as_bytes(), id.as_bytes()], application_row).optional())
        .db()?
        .ok_or(StoreError::NotFound)
}

fn person_exists(c: &Connection, org: OrgId, id: PersonId, field: &str) -> StoreResult<()> {
    let found = c.prepare_cached("SELECT 1 FROM people WHERE org_id = ?1 AND id = ?2").and_then(|mut s| s.exists([org.as_bytes(), id.as_bytes()])).db()?;
    if found { Ok(()) } else { Err(ValidationError::single(field, "no such person in this organization").into()) }
}

fn bad_cursor() -> StoreError {
    ValidationError::single("cursor", "is not a cursor from this listing").into()
}

#[async_trait::async_trait]
impl OpportunityStore for SqliteStore {
    #[instrument(skip_all, fields(org = %opp.org_id))]
    async fn create_opportunity(&self, opp: &Opportunity) -> StoreResult<()> {
        let o = opp.clone();
        self.writer
            .exec(move |tx| {
                person_exists(tx, o.org_id, o.owner, "owner")?;
                tx.execute(
                    "INSERT INTO opportunities (id, org_id, owner_id, title, description, competencies, capacity, status, created_at, closed_at, category) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        o.id.as_bytes(),
                        o.org_id.as_bytes(),
                        o.owner.as_bytes(),
                        o.title,
                        o.description,
                        list_json(&o.competencies),
                        o.capacity,
                        o.status.as_str(),
                        micros(o.created_at),
                        o.closed_at.map(micros),
                        o.category.as_str(),
                    ],
                )
                .db()
                .map(drop)
            })
            .await
    }

    async fn opportunity(&self, org: OrgId, id: OpportunityId) -> StoreResult<Opportunity> {
        self.read(move |c| load_opportunity(c, org, id)).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn opportunities(&self, org: OrgId, q: &OpportunityQuery) -> StoreResult<Page<Opportunity>> {
        let limit = if q.limit == 0 { DEFAULT_PAGE } else { q.limit.min(MAX_PAGE) };
        let before = q.cursor.as_deref().map(|c| c.parse::<OpportunityId>().map_err(|_| bad_cursor())).transpose()?;
        let (status, owner, competency) = (q.status.map(|s| s.as_str()), q.owner, q.competency.clone());
        self.read(move |c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {OPP_COLS} FROM opportunities o WHERE o.org_id = ?1 \
                       AND (?2 IS NULL OR o.id < ?2) AND (?3 IS NULL OR o.status = ?3) AND (?4 IS NULL OR o.owner_id = ?4) \
                       AND (?5 IS NULL OR EXISTS (SELECT 1 FROM json_each(o.competencies) j WHERE j.value = ?5)) \
                     ORDER BY o.id DESC LIMIT ?6"
                ))
                .db()?;
            let mut items = s
                .query_map(params![org.as_bytes(), before.map(|b| *b.as_bytes()), status, owner.map(|o| *o.as_bytes()), competency, limit + 1], opportunity_row)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            let next_cursor = if items.len() > limit as usize {
                items.truncate(limit as usize);
                items.last().map(|o| o.id.to_string())
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        })
        .await
    }

    async fn close_opportunity(&self, org: OrgId, id: OpportunityId, at: DateTime<Utc>) -> StoreResult<Opportunity> {
        self.writer
            .exec(move |tx| {
                load_opportunity(tx, org, id)?;
                tx.execute(
                    "UPDATE opportunities SET status = 'closed', closed_at = ?3 WHERE org_id = ?1 AND id = ?2 AND status = 'open'",
                    params![org.as_bytes(), id.as_bytes(), micros(at)],
                )
                .db()?;
                load_opportunity(tx, org, id)
            })
            .await
    }

    #[instrument(skip_all, fields(org = %app.org_id))]
    async fn apply(&self, app: &Application) -> StoreResult<Application> {
        let a = app.clone();
        self.writer
            .exec(move |tx| {
                let opp = load_opportunity(tx, a.org_id, a.opportunity_id)?;
                person_exists(tx, a.org_id, a.applicant, "applicant")?;
                let existing = tx
                    .prepare_cached(&format!("SELECT {APP_COLS} FROM applications WHERE opportunity_id = ?1 AND applicant_id = ?2"))
                    .and_then(|mut s| s.query_row(params![a.opportunity_id.as_bytes(), a.applicant.as_bytes()], application_row).optional())
                    .db()?;
                check_apply(&opp, &a, existing.as_ref())?;
                if let Some(old) = existing {
                    tx.execute("DELETE FROM applications WHERE id = ?1", [old.id.as_bytes()]).db()?;
                }
                tx.execute(
                    "INSERT INTO applications (id, org_id, opportunity_id, applicant_id, note, status, created_at, updated_at, evidence_event) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)",
                    params![
                        a.id.as_bytes(),
                        a.org_id.as_bytes(),
                        a.opportunity_id.as_bytes(),
                        a.applicant.as_bytes(),
                        a.note,
                        a.status.as_str(),
                        micros(a.created_at),
                        micros(a.updated_at),
                    ],
                )
                .db()?;
                load_application(tx, a.org_id, a.id)
            })
            .await
    }

    async fn application(&self, org: OrgId, id: ApplicationId) -> StoreResult<Application> {
        self.read(move |c| load_application(c, org, id)).await
    }

    async fn applications(&self, org: OrgId, q: &ApplicationQuery) -> StoreResult<Vec<Application>> {
        let (opp, applicant) = (q.opportunity.map(|o| *o.as_bytes()), q.applicant.map(|a| *a.as_bytes()));
        self.read(move |c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {APP_COLS} FROM applications WHERE org_id = ?1 \
                       AND (?2 IS NULL OR opportunity_id = ?2) AND (?3 IS NULL OR applicant_id = ?3) ORDER BY created_at, id"
                ))
                .db()?;
            s.query_map(params![org.as_bytes(), opp, applicant], application_row).db()?.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %id, mv = mv.as_str()))]
    async fn move_application(&self, org: OrgId, id: ApplicationId, mv: Move, at: DateTime<Utc>, evidence: Option<EventId>) -> StoreResult<Application> {
        self.writer
            .exec(move |tx| {
                let app = load_application(tx, org, id)?;
                let opp = load_opportunity(tx, org, app.opportunity_id)?;
                check_move(&opp, &app, mv)?;
                tx.execute(
                    "UPDATE applications SET status = ?2, updated_at = ?3, evidence_event = COALESCE(?4, evidence_event) WHERE id = ?1",
                    params![id.as_bytes(), mv.target().as_str(), micros(at), evidence.map(|e| *e.as_bytes())],
                )
                .db()?;
                load_application(tx, org, id)
            })
            .await
    }
}
