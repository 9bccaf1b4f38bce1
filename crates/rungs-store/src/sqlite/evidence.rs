//! `impl EvidenceStore for SqliteStore` (`migrations/sqlite/0015_evidence.sql`).
//! Writes go through the single writer; "once" is the tables' unique keys and the
//! `state = 'pending'` guard of every resolution.

use chrono::{DateTime, Utc};
use rungs_core::event::Category;
use rungs_core::evidence::{Account, EvidenceStore, MatchOn, Outcome, Received, Rule, Source, SourceKind, Suggestion, SuggestionState};
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use super::rows::{self, Db, micros};

const SOURCE_COLS: &str = "id, org_id, kind, name, secret_hash, created_at";
const SUGGESTION_COLS: &str = "id, org_id, person_id, source_id, source_kind, delivery, title, description, url, competencies, category, occurred_at, state, event_id, created_at, resolved_at";

fn bad(idx: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.to_string().into())
}

fn kind(row: &Row<'_>, idx: usize) -> rusqlite::Result<SourceKind> {
    let s: String = row.get(idx)?;
    SourceKind::parse(&s).ok_or_else(|| bad(idx, "unknown source kind"))
}

fn category(row: &Row<'_>, idx: usize) -> rusqlite::Result<Category> {
    let s: String = row.get(idx)?;
    Category::parse(&s).ok_or_else(|| bad(idx, "unknown category"))
}

fn source(row: &Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: Uuid::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        kind: kind(row, 2)?,
        name: row.get(3)?,
        secret_hash: row.get(4)?,
        created_at: rows::time(row, 5)?,
    })
}

fn suggestion(row: &Row<'_>) -> rusqlite::Result<Suggestion> {
    let state: String = row.get(12)?;
    Ok(Suggestion {
        id: Uuid::from_bytes(row.get(0)?),
        org_id: OrgId::from_bytes(row.get(1)?),
        person_id: PersonId::from_bytes(row.get(2)?),
        source_id: Uuid::from_bytes(row.get(3)?),
        source_kind: kind(row, 4)?,
        delivery: row.get(5)?,
        title: row.get(6)?,
        description: row.get(7)?,
        url: row.get(8)?,
        competencies: rows::json(row, 9)?,
        category: category(row, 10)?,
        occurred_at: rows::opt_time(row, 11)?,
        state: SuggestionState::parse(&state).ok_or_else(|| bad(12, "unknown suggestion state"))?,
        event_id: row.get::<_, Option<[u8; 16]>>(13)?.map(EventId::from_bytes),
        created_at: rows::time(row, 14)?,
        resolved_at: rows::opt_time(row, 15)?,
    })
}

fn get_suggestion(c: &rusqlite::Connection, org: OrgId, id: Uuid) -> StoreResult<Suggestion> {
    c.prepare_cached(&format!("SELECT {SUGGESTION_COLS} FROM evidence_suggestions WHERE id = ?1 AND org_id = ?2"))
        .and_then(|mut s| s.query_row(params![id.as_bytes(), org.as_bytes()], suggestion))
        .db()
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

#[async_trait::async_trait]
impl EvidenceStore for SqliteStore {
    async fn create_source(&self, s: &Source) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO evidence_sources (id, org_id, kind, name, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![s.id.as_bytes(), s.org_id.as_bytes(), s.kind.as_str(), s.name, s.secret_hash, micros(s.created_at)],
                )
                .db()?;
                Ok(())
            })
            .await
    }

    async fn sources(&self, org: OrgId) -> StoreResult<Vec<Source>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {SOURCE_COLS} FROM evidence_sources WHERE org_id = ?1 ORDER BY created_at, id")).db()?;
            st.query_map([org.as_bytes()], source).db()?.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn source_by_id(&self, id: Uuid) -> StoreResult<Source> {
        self.read(move |c| {
            c.prepare_cached(&format!("SELECT {SOURCE_COLS} FROM evidence_sources WHERE id = ?1")).and_then(|mut s| s.query_row([id.as_bytes()], source)).db()
        })
        .await
    }

    async fn delete_source(&self, org: OrgId, id: Uuid) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                let n = tx.execute("DELETE FROM evidence_sources WHERE id = ?1 AND org_id = ?2", params![id.as_bytes(), org.as_bytes()]).db()?;
                if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            })
            .await
    }

    async fn set_rules(&self, org: OrgId, rules: &[Rule]) -> StoreResult<()> {
        let rules = rules.to_vec();
        self.writer
            .exec(move |tx| {
                tx.execute("DELETE FROM evidence_rules WHERE org_id = ?1", [org.as_bytes()]).db()?;
                for (i, r) in rules.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO evidence_rules (org_id, position, match_on, value, competencies, category) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![org.as_bytes(), i as i64, r.on.as_str(), r.value, json_list(&r.competencies), r.category.as_str()],
                    )
                    .db()?;
                }
                Ok(())
            })
            .await
    }

    async fn rules(&self, org: OrgId) -> StoreResult<Vec<Rule>> {
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT match_on, value, competencies, category FROM evidence_rules WHERE org_id = ?1 ORDER BY position").db()?;
            st.query_map([org.as_bytes()], |row| {
                let on: String = row.get(0)?;
                Ok(Rule {
                    on: MatchOn::parse(&on).ok_or_else(|| bad(0, "unknown rule match"))?,
                    value: row.get(1)?,
                    competencies: rows::json(row, 2)?,
                    category: category(row, 3)?,
                })
            })
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()
        })
        .await
    }

    async fn set_accounts(&self, org: OrgId, accounts: &[Account]) -> StoreResult<()> {
        let accounts = accounts.to_vec();
        self.writer
            .exec(move |tx| {
                tx.execute("DELETE FROM evidence_accounts WHERE org_id = ?1", [org.as_bytes()]).db()?;
                for a in &accounts {
                    tx.execute(
                        "INSERT INTO evidence_accounts (org_id, system, login, person_id) VALUES (?1, ?2, ?3, ?4)",
                        params![org.as_bytes(), a.system.as_str(), a.login, a.person_id.as_bytes()],
                    )
                    .db()?;
                }
                Ok(())
            })
            .await
    }

    async fn accounts(&self, org: OrgId) -> StoreResult<Vec<Account>> {
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT system, login, person_id FROM evidence_accounts WHERE org_id = ?1 ORDER BY system, login").db()?;
            st.query_map([org.as_bytes()], |row| Ok(Account { system: kind(row, 0)?, login: row.get(1)?, person_id: PersonId::from_bytes(row.get(2)?) }))
                .db()?
                .collect::<rusqlite::Result<_>>()
                .db()
        })
        .await
    }

    async fn set_auto_accept(&self, org: OrgId, on: bool) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "INSERT INTO evidence_settings (org_id, auto_accept) VALUES (?1, ?2) ON CONFLICT (org_id) DO UPDATE SET auto_accept = excluded.auto_accept",
                    params![org.as_bytes(), on],
                )
                .db()?;
                Ok(())
            })
            .await
    }

    async fn auto_accept(&self, org: OrgId) -> StoreResult<bool> {
        self.read(move |c| {
            let on: Option<bool> =
                c.query_row("SELECT auto_accept FROM evidence_settings WHERE org_id = ?1", [org.as_bytes()], |r| r.get(0)).optional().db()?;
            Ok(on.unwrap_or(false))
        })
        .await
    }

    async fn record_delivery(&self, org: OrgId, received: &Received, suggestion: Option<&Suggestion>) -> StoreResult<bool> {
        let r = received.clone();
        let s = suggestion.cloned();
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "INSERT INTO evidence_deliveries (source_id, delivery, org_id, outcome, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (source_id, delivery) DO NOTHING",
                        params![r.source_id.as_bytes(), r.delivery, org.as_bytes(), r.outcome.as_str(), micros(r.received_at)],
                    )
                    .db()?;
                if n == 0 {
                    return Ok(false);
                }
                if let Some(s) = s {
                    tx.execute(
                        &format!("INSERT INTO evidence_suggestions ({SUGGESTION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
                        params![
                            s.id.as_bytes(),
                            org.as_bytes(),
                            s.person_id.as_bytes(),
                            s.source_id.as_bytes(),
                            s.source_kind.as_str(),
                            s.delivery,
                            s.title,
                            s.description,
                            s.url,
                            json_list(&s.competencies),
                            s.category.as_str(),
                            s.occurred_at.map(micros),
                            s.state.as_str(),
                            s.event_id.map(|e| *e.as_bytes()),
                            micros(s.created_at),
                            s.resolved_at.map(micros)
                        ],
                    )
                    .db()?;
                }
                Ok(true)
            })
            .await
    }

    async fn received(&self, org: OrgId, source: Uuid, limit: u32) -> StoreResult<Vec<Received>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT source_id, delivery, outcome, received_at FROM evidence_deliveries WHERE source_id = ?1 AND org_id = ?2
                     ORDER BY received_at DESC, delivery LIMIT ?3",
                )
                .db()?;
            st.query_map(params![source.as_bytes(), org.as_bytes(), limit], |row| {
                let outcome: String = row.get(2)?;
                Ok(Received {
                    source_id: Uuid::from_bytes(row.get(0)?),
                    delivery: row.get(1)?,
                    outcome: Outcome::parse(&outcome).ok_or_else(|| bad(2, "unknown outcome"))?,
                    received_at: rows::time(row, 3)?,
                })
            })
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()
        })
        .await
    }

    async fn suggestions(&self, org: OrgId, person: Option<PersonId>, state: Option<SuggestionState>, limit: u32) -> StoreResult<Vec<Suggestion>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {SUGGESTION_COLS} FROM evidence_suggestions WHERE org_id = ?1 AND (?2 IS NULL OR person_id = ?2) AND (?3 IS NULL OR state = ?3)
                     ORDER BY created_at DESC, id DESC LIMIT ?4"
                ))
                .db()?;
            st.query_map(params![org.as_bytes(), person.map(|p| *p.as_bytes()), state.map(SuggestionState::as_str), limit], suggestion)
                .db()?
                .collect::<rusqlite::Result<_>>()
                .db()
        })
        .await
    }

    async fn suggestion(&self, org: OrgId, id: Uuid) -> StoreResult<Suggestion> {
        self.read(move |c| get_suggestion(c, org, id)).await
    }

    async fn resolve_suggestion(&self, org: OrgId, id: Uuid, to: SuggestionState, at: DateTime<Utc>) -> StoreResult<Suggestion> {
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "UPDATE evidence_suggestions SET state = ?3, resolved_at = ?4 WHERE id = ?1 AND org_id = ?2 AND state = 'pending'",
                        params![id.as_bytes(), org.as_bytes(), to.as_str(), micros(at)],
                    )
                    .db()?;
                let s = get_suggestion(tx, org, id)?;
                if n == 0 {
                    return Err(StoreError::Conflict { field: "state".into(), reason: format!("the suggestion is already {}", s.state.as_str()) });
                }
                Ok(s)
            })
            .await
    }

    async fn reopen_suggestion(&self, org: OrgId, id: Uuid) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                tx.execute(
                    "UPDATE evidence_suggestions SET state = 'pending', resolved_at = NULL WHERE id = ?1 AND org_id = ?2 AND event_id IS NULL",
                    params![id.as_bytes(), org.as_bytes()],
                )
                .db()?;
                Ok(())
            })
            .await
    }

    async fn attach_suggestion_event(&self, org: OrgId, id: Uuid, event: EventId) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                let n = tx
                    .execute(
                        "UPDATE evidence_suggestions SET event_id = ?3 WHERE id = ?1 AND org_id = ?2 AND state = 'accepted'",
                        params![id.as_bytes(), org.as_bytes(), event.as_bytes()],
                    )
                    .db()?;
                if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            })
            .await
    }
}
