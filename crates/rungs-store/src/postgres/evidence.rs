//! `impl EvidenceStore for PgStore` (`migrations/postgres/0015_evidence.sql`).
//! "Once" is the tables' unique keys (`ON CONFLICT DO NOTHING` for a retried
//! delivery) and the `state = 'pending'` guard of every resolution.

use chrono::{DateTime, Utc};
use rungs_core::event::Category;
use rungs_core::evidence::{Account, EvidenceStore, MatchOn, Outcome, Received, Rule, Source, SourceKind, Suggestion, SuggestionState};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use tokio_postgres::Row;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db};

const SOURCE_COLS: &str = "id, org_id, kind, name, secret_hash, created_at";
const SUGGESTION_COLS: &str = "id, org_id, person_id, source_id, source_kind, delivery, title, description, url, competencies, category, occurred_at, state, event_id, created_at, resolved_at";

fn kind(r: &Row, idx: usize) -> StoreResult<SourceKind> {
    let s: String = rows::get(r, idx)?;
    SourceKind::parse(&s).ok_or_else(|| StoreError::internal(format!("unknown source kind {s}")))
}

fn category(r: &Row, idx: usize) -> StoreResult<Category> {
    let s: String = rows::get(r, idx)?;
    Category::parse(&s).ok_or_else(|| StoreError::internal(format!("unknown category {s}")))
}

fn source(r: &Row) -> StoreResult<Source> {
    Ok(Source {
        id: rows::get(r, 0)?,
        org_id: OrgId(rows::get(r, 1)?),
        kind: kind(r, 2)?,
        name: rows::get(r, 3)?,
        secret_hash: rows::hash32(r, 4)?,
        created_at: rows::get(r, 5)?,
    })
}

fn suggestion(r: &Row) -> StoreResult<Suggestion> {
    let state: String = rows::get(r, 12)?;
    Ok(Suggestion {
        id: rows::get(r, 0)?,
        org_id: OrgId(rows::get(r, 1)?),
        person_id: PersonId(rows::get(r, 2)?),
        source_id: rows::get(r, 3)?,
        source_kind: kind(r, 4)?,
        delivery: rows::get(r, 5)?,
        title: rows::get(r, 6)?,
        description: rows::get(r, 7)?,
        url: rows::get(r, 8)?,
        competencies: rows::get(r, 9)?,
        category: category(r, 10)?,
        occurred_at: rows::get(r, 11)?,
        state: SuggestionState::parse(&state).ok_or_else(|| StoreError::internal(format!("unknown suggestion state {state}")))?,
        event_id: rows::get::<Option<Uuid>>(r, 13)?.map(EventId),
        created_at: rows::get(r, 14)?,
        resolved_at: rows::get(r, 15)?,
    })
}

#[async_trait::async_trait]
impl EvidenceStore for PgStore {
    async fn create_source(&self, s: &Source) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO evidence_sources (id, org_id, kind, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&s.id, &s.org_id.0, &s.kind.as_str(), &s.name, &s.secret_hash.as_slice(), &s.created_at],
        )
        .await
        .db()?;
        Ok(())
    }

    async fn sources(&self, org: OrgId) -> StoreResult<Vec<Source>> {
        let c = self.conn().await?;
        let rs = c.query(&format!("SELECT {SOURCE_COLS} FROM evidence_sources WHERE org_id = $1 ORDER BY created_at, id"), &[&org.0]).await.db()?;
        rs.iter().map(source).collect()
    }

    async fn source_by_id(&self, id: Uuid) -> StoreResult<Source> {
        let c = self.conn().await?;
        let r = c.query_opt(&format!("SELECT {SOURCE_COLS} FROM evidence_sources WHERE id = $1"), &[&id]).await.db()?;
        source(&r.ok_or(StoreError::NotFound)?)
    }

    async fn delete_source(&self, org: OrgId, id: Uuid) -> StoreResult<()> {
        let c = self.conn().await?;
        let n = c.execute("DELETE FROM evidence_sources WHERE id = $1 AND org_id = $2", &[&id, &org.0]).await.db()?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn set_rules(&self, org: OrgId, rules: &[Rule]) -> StoreResult<()> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        tx.execute("DELETE FROM evidence_rules WHERE org_id = $1", &[&org.0]).await.db()?;
        for (i, r) in rules.iter().enumerate() {
            let position = i as i32;
            tx.execute(
                "INSERT INTO evidence_rules (org_id, position, match_on, value, competencies, category) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&org.0, &position, &r.on.as_str(), &r.value, &r.competencies, &r.category.as_str()],
            )
            .await
            .db()?;
        }
        tx.commit().await.db()
    }

    async fn rules(&self, org: OrgId) -> StoreResult<Vec<Rule>> {
        let c = self.conn().await?;
        let rs = c.query("SELECT match_on, value, competencies, category FROM evidence_rules WHERE org_id = $1 ORDER BY position", &[&org.0]).await.db()?;
        rs.iter()
            .map(|r| {
                let on: String = rows::get(r, 0)?;
                Ok(Rule {
                    on: MatchOn::parse(&on).ok_or_else(|| StoreError::internal(format!("unknown rule match {on}")))?,
                    value: rows::get(r, 1)?,
                    competencies: rows::get(r, 2)?,
                    category: category(r, 3)?,
                })
            })
            .collect()
    }

    async fn set_accounts(&self, org: OrgId, accounts: &[Account]) -> StoreResult<()> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        tx.execute("DELETE FROM evidence_accounts WHERE org_id = $1", &[&org.0]).await.db()?;
        for a in accounts {
            tx.execute(
                "INSERT INTO evidence_accounts (org_id, system, login, person_id) VALUES ($1, $2, $3, $4)",
                &[&org.0, &a.system.as_str(), &a.login, &a.person_id.0],
            )
            .await
            .db()?;
        }
        tx.commit().await.db()
    }

    async fn accounts(&self, org: OrgId) -> StoreResult<Vec<Account>> {
        let c = self.conn().await?;
        let rs = c.query("SELECT system, login, person_id FROM evidence_accounts WHERE org_id = $1 ORDER BY system, login", &[&org.0]).await.db()?;
        rs.iter().map(|r| Ok(Account { system: kind(r, 0)?, login: rows::get(r, 1)?, person_id: PersonId(rows::get(r, 2)?) })).collect()
    }

    async fn set_auto_accept(&self, org: OrgId, on: bool) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO evidence_settings (org_id, auto_accept) VALUES ($1, $2) ON CONFLICT (org_id) DO UPDATE SET auto_accept = excluded.auto_accept",
            &[&org.0, &on],
        )
        .await
        .db()?;
        Ok(())
    }

    async fn auto_accept(&self, org: OrgId) -> StoreResult<bool> {
        let c = self.conn().await?;
        let r = c.query_opt("SELECT auto_accept FROM evidence_settings WHERE org_id = $1", &[&org.0]).await.db()?;
        r.map_or(Ok(false), |r| rows::get(&r, 0))
    }

    async fn record_delivery(&self, org: OrgId, received: &Received, suggestion: Option<&Suggestion>) -> StoreResult<bool> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        let n = tx
            .execute(
                "INSERT INTO evidence_deliveries (source_id, delivery, org_id, outcome, received_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (source_id, delivery) DO NOTHING",
                &[&received.source_id, &received.delivery, &org.0, &received.outcome.as_str(), &received.received_at],
            )
            .await
            .db()?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(s) = suggestion {
            tx.execute(
                &format!("INSERT INTO evidence_suggestions ({SUGGESTION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"),
                &[
                    &s.id,
                    &org.0,
                    &s.person_id.0,
                    &s.source_id,
                    &s.source_kind.as_str(),
                    &s.delivery,
                    &s.title,
                    &s.description,
                    &s.url,
                    &s.competencies,
                    &s.category.as_str(),
                    &s.occurred_at,
                    &s.state.as_str(),
                    &s.event_id.map(|e| e.0),
                    &s.created_at,
                    &s.resolved_at,
                ],
            )
            .await
            .db()?;
        }
        tx.commit().await.db()?;
        Ok(true)
    }

    async fn received(&self, org: OrgId, source: Uuid, limit: u32) -> StoreResult<Vec<Received>> {
        let c = self.conn().await?;
        let rs = c
            .query(
                "SELECT source_id, delivery, outcome, received_at FROM evidence_deliveries WHERE source_id = $1 AND org_id = $2
                 ORDER BY received_at DESC, delivery LIMIT $3",
                &[&source, &org.0, &i64::from(limit)],
            )
            .await
            .db()?;
        rs.iter()
            .map(|r| {
                let outcome: String = rows::get(r, 2)?;
                Ok(Received {
                    source_id: rows::get(r, 0)?,
                    delivery: rows::get(r, 1)?,
                    outcome: Outcome::parse(&outcome).ok_or_else(|| StoreError::internal(format!("unknown outcome {outcome}")))?,
                    received_at: rows::get(r, 3)?,
                })
            })
            .collect()
    }

    async fn suggestions(&self, org: OrgId, person: Option<PersonId>, state: Option<SuggestionState>, limit: u32) -> StoreResult<Vec<Suggestion>> {
        let c = self.conn().await?;
        let rs = c
            .query(
                &format!(
                    "SELECT {SUGGESTION_COLS} FROM evidence_suggestions WHERE org_id = $1 AND ($2::uuid IS NULL OR person_id = $2) AND ($3::text IS NULL OR state = $3)
                     ORDER BY created_at DESC, id DESC LIMIT $4"
                ),
                &[&org.0, &person.map(|p| p.0), &state.map(SuggestionState::as_str), &i64::from(limit)],
            )
            .await
            .db()?;
        rs.iter().map(suggestion).collect()
    }

    async fn suggestion(&self, org: OrgId, id: Uuid) -> StoreResult<Suggestion> {
        let c = self.conn().await?;
        let r = c.query_opt(&format!("SELECT {SUGGESTION_COLS} FROM evidence_suggestions WHERE id = $1 AND org_id = $2"), &[&id, &org.0]).await.db()?;
        suggestion(&r.ok_or(StoreError::NotFound)?)
    }

    async fn resolve_suggestion(&self, org: OrgId, id: Uuid, to: SuggestionState, at: DateTime<Utc>) -> StoreResult<Suggestion> {
        let c = self.conn().await?;
        let r = c
            .query_opt(
                &format!(
                    "UPDATE evidence_suggestions SET state = $3, resolved_at = $4 WHERE id = $1 AND org_id = $2 AND state = 'pending' RETURNING {SUGGESTION_COLS}"
                ),
                &[&id, &org.0, &to.as_str(), &at],
            )
            .await
            .db()?;
        match r {
            Some(r) => suggestion(&r),
            None => {
                let s = self.suggestion(org, id).await?;
                Err(StoreError::Conflict { field: "state".into(), reason: format!("the suggestion is already {}", s.state.as_str()) })
            }
        }
    }

    async fn reopen_suggestion(&self, org: OrgId, id: Uuid) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute("UPDATE evidence_suggestions SET state = 'pending', resolved_at = NULL WHERE id = $1 AND org_id = $2 AND event_id IS NULL", &[&id, &org.0])
            .await
            .db()?;
        Ok(())
    }

    async fn attach_suggestion_event(&self, org: OrgId, id: Uuid, event: EventId) -> StoreResult<()> {
        let c = self.conn().await?;
        let n = c
            .execute("UPDATE evidence_suggestions SET event_id = $3 WHERE id = $1 AND org_id = $2 AND state = 'accepted'", &[&id, &org.0, &event.0])
            .await
            .db()?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
