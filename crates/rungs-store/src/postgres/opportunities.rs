//! `impl OpportunityStore for PgStore` (`migrations/postgres/0007_opportunities.sql`).
//! A move or an application locks the opportunity row first (`FOR UPDATE`), then
//! counts places and checks the move, so concurrent instances cannot both take the
//! last place.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use rungs_core::event::Category;
use rungs_core::opportunity::{
    Application, ApplicationQuery, ApplicationStatus, Move, Opportunity, OpportunityQuery, OpportunityStatus, OpportunityStore, check_apply, check_move,
};
use rungs_core::page::{DEFAULT_PAGE, MAX_PAGE, Page};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{ApplicationId, EventId, OpportunityId, OrgId, PersonId, ValidationError};
use tokio_postgres::Row;
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::rows::{Db, get};

const OPP_COLS: &str = "o.id, o.org_id, o.owner_id, o.title, o.description, o.competencies, o.capacity, o.status, o.created_at, o.closed_at, o.category, \
     (SELECT COUNT(*) FROM applications a WHERE a.opportunity_id = o.id AND a.status IN ('accepted', 'completed')), \
     (SELECT COUNT(*) FROM applications a WHERE a.opportunity_id = o.id AND a.status = 'applied')";

const APP_COLS: &str = "id, org_id, opportunity_id, applicant_id, note, status, created_at, updated_at, evidence_event";

fn count(row: &Row, idx: usize) -> StoreResult<u32> {
    u32::try_from(get::<i64>(row, idx)?).map_err(StoreError::unexpected)
}

fn opportunity_row(row: &Row) -> StoreResult<Opportunity> {
    let status: &str = get(row, 7)?;
    Ok(Opportunity {
        id: OpportunityId(get(row, 0)?),
        org_id: OrgId(get(row, 1)?),
        owner: PersonId(get(row, 2)?),
        title: get(row, 3)?,
        description: get(row, 4)?,
        competencies: get(row, 5)?,
        capacity: u32::try_from(get::<i32>(row, 6)?).map_err(StoreError::unexpected)?,
        status: OpportunityStatus::parse(status).ok_or_else(|| StoreError::internal(format!("unknown opportunity status '{status}'")))?,
        created_at: get(row, 8)?,
        closed_at: get(row, 9)?,
        category: {
            let c: &str = get(row, 10)?;
            Category::parse(c).ok_or_else(|| StoreError::internal(format!("unknown category '{c}'")))?
        },
        taken: count(row, 11)?,
        pending: count(row, 12)?,
    })
}

fn application_row(row: &Row) -> StoreResult<Application> {
    let status: &str = get(row, 5)?;
    Ok(Application {
        id: ApplicationId(get(row, 0)?),
        org_id: OrgId(get(row, 1)?),
        opportunity_id: OpportunityId(get(row, 2)?),
        applicant: PersonId(get(row, 3)?),
        note: get(row, 4)?,
        status: ApplicationStatus::parse(status).ok_or_else(|| StoreError::internal(format!("unknown application status '{status}'")))?,
        created_at: get(row, 6)?,
        updated_at: get(row, 7)?,
        evidence: get::<Option<Uuid>>(row, 8)?.map(EventId),
    })
}

/// One opportunity; `lock` takes its row lock until the transaction ends.
async fn load_opportunity(c: &impl GenericClient, org: OrgId, id: OpportunityId, lock: bool) -> StoreResult<Opportunity> {
    if lock {
        c.query_opt("SELECT 1 FROM opportunities WHERE org_id = $1 AND id = $2 FOR UPDATE", &[&org.0, &id.0]).await.db()?.ok_or(StoreError::NotFound)?;
    }
    let row = c
        .query_opt(&format!("SELECT {OPP_COLS} FROM opportunities o WHERE o.org_id = $1 AND o.id = $2"), &[&org.0, &id.0])
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    opportunity_row(&row)
}

async fn load_application(c: &impl GenericClient, org: OrgId, id: ApplicationId) -> StoreResult<Application> {
    let row =
        c.query_opt(&format!("SELECT {APP_COLS} FROM applications WHERE org_id = $1 AND id = $2"), &[&org.0, &id.0]).await.db()?.ok_or(StoreError::NotFound)?;
    application_row(&row)
}

async fn person_exists(c: &impl GenericClient, org: OrgId, id: PersonId, field: &str) -> StoreResult<()> {
    match c.query_opt("SELECT 1 FROM people WHERE org_id = $1 AND id = $2", &[&org.0, &id.0]).await.db()? {
        Some(_) => Ok(()),
        None => Err(ValidationError::single(field, "no such person in this organization").into()),
    }
}

#[async_trait::async_trait]
impl OpportunityStore for PgStore {
    #[instrument(skip_all, fields(org = %o.org_id))]
    async fn create_opportunity(&self, o: &Opportunity) -> StoreResult<()> {
        let c = self.conn().await?;
        person_exists(&c, o.org_id, o.owner, "owner").await?;
        let capacity = i32::try_from(o.capacity).map_err(StoreError::unexpected)?;
        c.execute(
            "INSERT INTO opportunities (id, org_id, owner_id, title, description, competencies, capacity, status, created_at, closed_at, category) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &o.id.0,
                &o.org_id.0,
                &o.owner.0,
                &o.title,
                &o.description,
                &o.competencies,
                &capacity,
                &o.status.as_str(),
                &o.created_at,
                &o.closed_at,
                &o.category.as_str(),
            ],
        )
        .await
        .db()
        .map(drop)
    }

    async fn opportunity(&self, org: OrgId, id: OpportunityId) -> StoreResult<Opportunity> {
        let c = self.conn().await?;
        load_opportunity(&c, org, id, false).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn opportunities(&self, org: OrgId, q: &OpportunityQuery) -> StoreResult<Page<Opportunity>> {
        let limit = if q.limit == 0 { DEFAULT_PAGE } else { q.limit.min(MAX_PAGE) };
        let bad_cursor = || StoreError::from(ValidationError::single("cursor", "is not a cursor from this listing"));
        let before = q.cursor.as_deref().map(|c| c.parse::<Uuid>().map_err(|_| bad_cursor())).transpose()?;
        let status = q.status.map(|s| s.as_str());
        let owner = q.owner.map(|o| o.0);
        let c = self.conn().await?;
        let found = c
            .query(
                &format!(
                    "SELECT {OPP_COLS} FROM opportunities o WHERE o.org_id = $1 \
                       AND ($2::uuid IS NULL OR o.id < $2) AND ($3::text IS NULL OR o.status = $3) AND ($4::uuid IS NULL OR o.owner_id = $4) \
                       AND ($5::text IS NULL OR $5 = ANY (o.competencies)) \
                     ORDER BY o.id DESC LIMIT $6"
                ),
                &[&org.0, &before, &status, &owner, &q.competency, &(i64::from(limit) + 1)],
            )
            .await
            .db()?;
        let mut items = found.iter().map(opportunity_row).collect::<StoreResult<Vec<_>>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|o| o.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn close_opportunity(&self, org: OrgId, id: OpportunityId, at: DateTime<Utc>) -> StoreResult<Opportunity> {
        let c = self.conn().await?;
        load_opportunity(&c, org, id, false).await?;
        c.execute("UPDATE opportunities SET status = 'closed', closed_at = $3 WHERE org_id = $1 AND id = $2 AND status = 'open'", &[&org.0, &id.0, &at])
            .await
            .db()?;
        load_opportunity(&c, org, id, false).await
    }

    #[instrument(skip_all, fields(org = %a.org_id))]
    async fn apply(&self, a: &Application) -> StoreResult<Application> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        let opp = load_opportunity(&tx, a.org_id, a.opportunity_id, true).await?;
        person_exists(&tx, a.org_id, a.applicant, "applicant").await?;
        let existing = tx
            .query_opt(&format!("SELECT {APP_COLS} FROM applications WHERE opportunity_id = $1 AND applicant_id = $2"), &[&a.opportunity_id.0, &a.applicant.0])
            .await
            .db()?
            .map(|r| application_row(&r))
            .transpose()?;
        check_apply(&opp, a, existing.as_ref())?;
        if let Some(old) = existing {
            tx.execute("DELETE FROM applications WHERE id = $1", &[&old.id.0]).await.db()?;
        }
        tx.execute(
            "INSERT INTO applications (id, org_id, opportunity_id, applicant_id, note, status, created_at, updated_at, evidence_event) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
            &[&a.id.0, &a.org_id.0, &a.opportunity_id.0, &a.applicant.0, &a.note, &a.status.as_str(), &a.created_at, &a.updated_at],
        )
        .await
        .db()?;
        let out = load_application(&tx, a.org_id, a.id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn application(&self, org: OrgId, id: ApplicationId) -> StoreResult<Application> {
        let c = self.conn().await?;
        load_application(&c, org, id).await
    }

    async fn applications(&self, org: OrgId, q: &ApplicationQuery) -> StoreResult<Vec<Application>> {
        let (opp, applicant) = (q.opportunity.map(|o| o.0), q.applicant.map(|a| a.0));
        let c = self.conn().await?;
        let found = c
            .query(
                &format!(
                    "SELECT {APP_COLS} FROM applications WHERE org_id = $1 \
                       AND ($2::uuid IS NULL OR opportunity_id = $2) AND ($3::uuid IS NULL OR applicant_id = $3) ORDER BY created_at, id"
                ),
                &[&org.0, &opp, &applicant],
            )
            .await
            .db()?;
        found.iter().map(application_row).collect()
    }

    #[instrument(skip_all, fields(%org, %id, mv = mv.as_str()))]
    async fn move_application(&self, org: OrgId, id: ApplicationId, mv: Move, at: DateTime<Utc>, evidence: Option<EventId>) -> StoreResult<Application> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        // An application never changes opportunity: find it, lock the opportunity, then
        // read the application again under the lock (a concurrent move may have won).
        let opp_id = load_application(&tx, org, id).await?.opportunity_id;
        let opp = load_opportunity(&tx, org, opp_id, true).await?;
        let app = load_application(&tx, org, id).await?;
        check_move(&opp, &app, mv)?;
        tx.execute(
            "UPDATE applications SET status = $2, updated_at = $3, evidence_event = COALESCE($4, evidence_event) WHERE id = $1",
            &[&id.0, &mv.target().as_str(), &at, &evidence.map(|e| e.0)],
        )
        .await
        .db()?;
        let out = load_application(&tx, org, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }
}
