//! `impl Store for PgStore`. Cursors are the opaque strings of
//! `rungs_core::ledger::codec`, the same as SQLite's.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rungs_core::event::{Event, EventKind};
use rungs_core::framework::Framework;
use rungs_core::ledger::RebuildFold;
use rungs_core::ledger::codec::{event_cursor, parse_event_cursor, parse_people_cursor, people_cursor};
use rungs_core::page::{DEFAULT_PAGE, MAX_PAGE, Page};
use rungs_core::person::{Organization, Person};
use rungs_core::store::{
    AppendBatch, Appended, EventQuery, PeopleQuery, RebuildReport, ScimGroup, ScimIdentity, ShapeCell, ShapeQuery, Store, StoreError, StoreResult, StoreStats,
    TeamPage, TeamQuery, TokenRecord,
};
use rungs_core::{EventId, OrgId, PersonId, TokenId, ValidationError};
use tokio_postgres::types::ToSql;
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::append::{append_batch, lock_head, subject_events};
use super::rows::{self, Db, EVENT_COLS, ORG_COLS, PERSON_COLS, PersonParams, SCIM_COLS, SCIM_GROUP_COLS, TOKEN_COLS, UPSERT_PERSON};

const MAX_EXPORT: u32 = 10_000;
/// Events fetched per round trip while a rebuild streams the ledger.
const REBUILD_CHUNK: i32 = 5_000;

fn limit(l: u32) -> u32 {
    if l == 0 { DEFAULT_PAGE } else { l.min(MAX_PAGE) }
}

fn bad_cursor() -> StoreError {
    ValidationError::single("cursor", "is not a cursor from this listing").into()
}

/// Append `text` to `sql` with its `?` numbered as the next parameter, `arg`.
fn cond<'a>(sql: &mut String, args: &mut Vec<&'a (dyn ToSql + Sync)>, text: &str, arg: &'a (dyn ToSql + Sync)) {
    args.push(arg);
    sql.push_str(&text.replace('?', &format!("${}", args.len())));
}

fn one<T>(row: Option<tokio_postgres::Row>, f: fn(&tokio_postgres::Row) -> StoreResult<T>) -> StoreResult<T> {
    row.as_ref().map_or(Err(StoreError::NotFound), f)
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    #[instrument(skip_all, fields(org = %org.id))]
    async fn create_org(&self, org: &Organization) -> StoreResult<()> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        tx.execute("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)", &[&org.id.0, &org.name, &org.created_at]).await.db()?;
        tx.execute("INSERT INTO ledger_heads (org_id) VALUES ($1)", &[&org.id.0]).await.db()?;
        tx.commit().await.db()
    }

    #[instrument(skip_all, fields(%org))]
    async fn org(&self, org: OrgId) -> StoreResult<Organization> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(&format!("SELECT {ORG_COLS} FROM organizations WHERE id = $1")).await.db()?;
        one(c.query_opt(&stmt, &[&org.0]).await.db()?, rows::org)
    }

    #[instrument(skip_all)]
    async fn default_org(&self) -> StoreResult<Option<Organization>> {
        let c = self.conn().await?;
        let row = c.query_opt(&format!("SELECT {ORG_COLS} FROM organizations ORDER BY ord LIMIT 1"), &[]).await.db()?;
        row.as_ref().map(rows::org).transpose()
    }

    #[instrument(skip_all, fields(%org))]
    async fn save_framework(&self, org: OrgId, framework: &Framework) -> StoreResult<()> {
        let body = serde_json::to_string(framework).map_err(StoreError::unexpected)?;
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO frameworks (org_id, body, updated_at) VALUES ($1, $2::text::jsonb, now()) \
             ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&org.0, &body],
        )
        .await
        .db()
        .map(drop)
    }

    #[instrument(skip_all, fields(%org))]
    async fn framework(&self, org: OrgId) -> StoreResult<Arc<Framework>> {
        let c = self.conn().await?;
        // One round trip: the org row decides NotFound, the framework row may be
        // absent; its xmin says whether the parsed copy we hold is still the row.
        let stmt = c.prepare_cached("SELECT f.xmin::text FROM organizations o LEFT JOIN frameworks f ON f.org_id = o.id WHERE o.id = $1").await.db()?;
        let row = c.query_opt(&stmt, &[&org.0]).await.db()?.ok_or(StoreError::NotFound)?;
        let Some(stamp) = rows::get::<Option<String>>(&row, 0)? else { return Ok(Arc::new(Framework::default())) };
        if let Some(fw) = self.frameworks.get(org, &stamp) {
            return Ok(fw);
        }
        let stmt = c.prepare_cached("SELECT xmin::text, body::text FROM frameworks WHERE org_id = $1").await.db()?;
        let row = c.query_one(&stmt, &[&org.0]).await.db()?;
        let (stamp, body): (String, &str) = (rows::get(&row, 0)?, rows::get(&row, 1)?);
        let fw: Arc<Framework> = Arc::new(serde_json::from_str(body).map_err(StoreError::unexpected)?);
        self.frameworks.put(org, stamp, fw.clone());
        Ok(fw)
    }

    #[instrument(skip_all, fields(org = %batch.org_id, events = batch.events.len()))]
    async fn append(&self, batch: AppendBatch) -> StoreResult<Appended> {
        if batch.events.is_empty() || batch.events.len() > super::group::MAX_GROUPED_EVENTS {
            // Refused at once, or large enough to be its own group (imports).
            let mut c = self.conn().await?;
            return append_batch(&mut c, batch).await;
        }
        self.appender.append(batch).await
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn event(&self, org: OrgId, id: EventId) -> StoreResult<Event> {
        self.read(async |c| {
            let stmt = c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE id = $1 AND org_id = $2")).await.db()?;
            one(c.query_opt(&stmt, &[&id.0, &org.0]).await.db()?, rows::event)
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn events(&self, org: OrgId, q: &EventQuery) -> StoreResult<Page<Event>> {
        let after = match q.cursor.as_deref() {
            None => None,
            Some(c) => Some(parse_event_cursor(c).ok_or_else(bad_cursor)?),
        };
        let n = limit(q.limit);
        let kinds: Vec<&str> = q.kinds.iter().map(EventKind::as_str).collect();
        let subject = q.subject.map(|s| s.0);
        let fetch = i64::from(n) + 1;
        let mut sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1");
        let mut args: Vec<&(dyn ToSql + Sync)> = vec![&org.0];
        if let Some(a) = &after {
            cond(&mut sql, &mut args, " AND seq > ?", a);
        }
        if let Some(s) = &subject {
            cond(&mut sql, &mut args, " AND subject = ?", s);
        }
        if !kinds.is_empty() {
            cond(&mut sql, &mut args, " AND kind = ANY(?)", &kinds);
        }
        if let Some(f) = &q.from {
            cond(&mut sql, &mut args, " AND occurred_at >= ?", f);
        }
        if let Some(t) = &q.to {
            cond(&mut sql, &mut args, " AND occurred_at < ?", t);
        }
        cond(&mut sql, &mut args, " ORDER BY seq LIMIT ?", &fetch);
        self.read(async |c| {
            let mut items = rows::events(&c.query(&sql, &args).await.db()?)?;
            let next = (items.len() > n as usize).then(|| {
                items.truncate(n as usize);
                items.last().map(|e| event_cursor(e.seq))
            });
            Ok(Page { items, next_cursor: next.flatten() })
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %subject))]
    async fn subject_events(&self, org: OrgId, subject: PersonId) -> StoreResult<Vec<Event>> {
        self.read(async |c| subject_events(c, org, subject).await).await
    }

    #[instrument(skip_all, fields(%org, %subject))]
    async fn reversed_ids(&self, org: OrgId, subject: PersonId) -> StoreResult<Vec<EventId>> {
        self.read(async |c| {
            let sql = "SELECT target FROM events WHERE subject = $1 AND org_id = $2 AND kind = 'reversal' ORDER BY seq";
            let stmt = c.prepare_cached(sql).await.db()?;
            let rows = c.query(&stmt, &[&subject.0, &org.0]).await.db()?;
            rows.iter().map(|r| rows::get::<Uuid>(r, 0).map(EventId)).collect()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, after_seq))]
    async fn export_events(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<Event>> {
        let n = i64::from(limit.clamp(1, MAX_EXPORT));
        self.read(async |c| {
            let sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
            rows::events(&c.query(&sql, &[&org.0, &after_seq, &n]).await.db()?)
        })
        .await
    }

    #[instrument(skip_all, fields(%org, after_seq))]
    async fn readiness_facts(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<rungs_core::readiness::org::Fact>> {
        self.read(async |c| super::facts::readiness_facts(c, org, after_seq, limit).await).await
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn person(&self, org: OrgId, id: PersonId) -> StoreResult<Person> {
        self.read(async |c| {
            let stmt = c.prepare_cached(&format!("SELECT {PERSON_COLS} FROM people WHERE id = $1 AND org_id = $2")).await.db()?;
            one(c.query_opt(&stmt, &[&id.0, &org.0]).await.db()?, rows::person)
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn person_by_email(&self, org: OrgId, email: &str) -> StoreResult<Person> {
        let email = email.trim().to_lowercase();
        self.read(async |c| {
            let sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = $1 AND email = $2");
            let stmt = c.prepare_cached(&sql).await.db()?;
            one(c.query_opt(&stmt, &[&org.0, &email]).await.db()?, rows::person)
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn people(&self, org: OrgId, q: &PeopleQuery) -> StoreResult<Page<Person>> {
        if q.only.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Page { items: vec![], next_cursor: None });
        }
        let n = limit(q.limit);
        let cursor = q.cursor.as_deref().map(|c| parse_people_cursor(c).map(|(id, name)| (id.0, name)).ok_or_else(bad_cursor)).transpose()?;
        let pattern = q
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let only: Option<Vec<Uuid>> = q.only.as_ref().map(|o| o.iter().map(|p| p.0).collect());
        let fetch = i64::from(n) + 1;
        let mut sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = $1");
        let mut args: Vec<&(dyn ToSql + Sync)> = vec![&org.0];
        if let Some((id, name)) = &cursor {
            args.extend([name as &(dyn ToSql + Sync), id]);
            sql.push_str(&format!(" AND (name, id) > (${}, ${})", args.len() - 1, args.len()));
        }
        if let Some(p) = &pattern {
            // ILIKE: case-insensitive, like SQLite's LIKE; `\` escapes the user's wildcards.
            args.push(p);
            sql.push_str(&format!(r" AND (name ILIKE ${0} ESCAPE '\' OR email ILIKE ${0} ESCAPE '\')", args.len()));
        }
        if let Some(o) = &only {
            args.push(o);
            sql.push_str(&format!(" AND id = ANY(${})", args.len()));
        }
        args.push(&fetch);
        sql.push_str(&format!(" ORDER BY name, id LIMIT ${}", args.len()));
        self.read(async |c| {
            let rows = c.query(&sql, &args).await.db()?;
            let mut items = rows.iter().map(rows::person).collect::<StoreResult<Vec<_>>>()?;
            let next = (items.len() > n as usize).then(|| {
                items.truncate(n as usize);
                items.last().map(people_cursor)
            });
            Ok(Page { items, next_cursor: next.flatten() })
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn all_people(&self, org: OrgId) -> StoreResult<Vec<Person>> {
        self.read(async |c| {
            let rows = c.query(&format!("SELECT {PERSON_COLS} FROM people WHERE org_id = $1 ORDER BY id"), &[&org.0]).await.db()?;
            rows.iter().map(rows::person).collect()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %manager))]
    async fn reports(&self, org: OrgId, manager: PersonId) -> StoreResult<Vec<PersonId>> {
        // UNION (not UNION ALL) drops rows already produced: a cycle ends the recursion.
        let sql = "WITH RECURSIVE r(id) AS ( \
                       SELECT id FROM people WHERE org_id = $1 AND manager_id = $2 \
                       UNION \
                       SELECT p.id FROM r CROSS JOIN people p WHERE p.org_id = $1 AND p.manager_id = r.id \
                   ) SELECT id FROM r WHERE id <> $2 ORDER BY id";
        self.read(async |c| {
            let stmt = c.prepare_cached(sql).await.db()?;
            let rows = c.query(&stmt, &[&org.0, &manager.0]).await.db()?;
            rows.iter().map(|r| rows::get::<Uuid>(r, 0).map(PersonId)).collect()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %manager, %subject))]
    async fn is_report(&self, org: OrgId, manager: PersonId, subject: PersonId) -> StoreResult<bool> {
        let sql = crate::people_sql::IS_REPORT.replace("{org}", "$1").replace("{manager}", "$2").replace("{subject}", "$3");
        self.read(async |c| {
            let stmt = c.prepare_cached(&sql).await.db()?;
            let row = c.query_one(&stmt, &[&org.0, &manager.0, &subject.0]).await.db()?;
            rows::get(&row, 0)
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %manager))]
    async fn team(&self, org: OrgId, manager: PersonId, q: &TeamQuery) -> StoreResult<TeamPage> {
        let cte = crate::people_sql::team_cte(q).replace("{org}", "$1").replace("{manager}", "$2");
        let order = crate::people_sql::team_order(q.sort, q.descending);
        // The team's counts ride on every row of the page (window functions over the
        // whole subtree): one pass over the subtree, not two.
        let sql = format!(
            "{cte} SELECT {PERSON_COLS}, count(*) OVER (), sum(CASE WHEN manager_id = $2 THEN 1 ELSE 0 END) OVER (), \
             sum(CASE WHEN COALESCE(last_progression_at, hired_at) <= $3 THEN 1 ELSE 0 END) OVER () \
             FROM t ORDER BY {order} LIMIT $4 OFFSET $5"
        );
        let (lim, offset) = (i64::from(limit(q.limit)), i64::from(q.offset));
        self.read(async |c| {
            let stmt = c.prepare_cached(&sql).await.db()?;
            let found = c.query(&stmt, &[&org.0, &manager.0, &q.stalled_before, &lim, &offset]).await.db()?;
            let n = crate::people_sql::PEOPLE_COLUMN_COUNT;
            let (total, direct, stalled): (i64, i64, i64) = match found.first() {
                Some(r) => (rows::get(r, n)?, rows::get(r, n + 1)?, rows::get(r, n + 2)?),
                None => {
                    // Past the last page (or no team): the counts need their own query.
                    let count_sql = format!(
                        "{cte} SELECT count(*), COALESCE(sum(CASE WHEN manager_id = $2 THEN 1 ELSE 0 END), 0)::bigint, \
                         COALESCE(sum(CASE WHEN COALESCE(last_progression_at, hired_at) <= $3 THEN 1 ELSE 0 END), 0)::bigint FROM t"
                    );
                    let stmt = c.prepare_cached(&count_sql).await.db()?;
                    let r = c.query_one(&stmt, &[&org.0, &manager.0, &q.stalled_before]).await.db()?;
                    (rows::get(&r, 0)?, rows::get(&r, 1)?, rows::get(&r, 2)?)
                }
            };
            let items = found.iter().map(rows::person).collect::<StoreResult<Vec<_>>>()?;
            let n = |v: i64| u64::try_from(v).unwrap_or(0);
            Ok(TeamPage { items, total: n(total), direct: n(direct), stalled: n(stalled) })
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn shape(&self, org: OrgId, q: &ShapeQuery) -> StoreResult<Vec<ShapeCell>> {
        // PostgreSQL needs every numbered parameter used: without a manager they
        // shift down by one.
        let base = usize::from(q.manager.is_some());
        let mut sql = crate::people_sql::shape_sql(q.manager.is_some()).replace("{org}", "$1").replace("{manager}", "$2");
        for (i, name) in ["{c0}", "{c1}", "{c2}", "{c3}", "{stalled}"].iter().enumerate() {
            sql = sql.replace(name, &format!("${}", i + 2 + base));
        }
        let manager = q.manager.map(|m| m.0);
        let mut args: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&org.0];
        if let Some(m) = &manager {
            args.push(m);
        }
        for c in &q.cuts {
            args.push(c);
        }
        args.push(&q.stalled_before);
        self.read(async |c| {
            let stmt = c.prepare_cached(&sql).await.db()?;
            let found = c.query(&stmt, &args).await.db()?;
            found
                .iter()
                .map(|r| {
                    Ok(ShapeCell {
                        department: rows::get(r, 0)?,
                        level: rows::get(r, 1)?,
                        bucket: u8::try_from(rows::get::<i32>(r, 2)?).unwrap_or(4),
                        people: u64::try_from(rows::get::<i64>(r, 3)?).unwrap_or(0),
                        stalled: u64::try_from(rows::get::<i64>(r, 4)?).unwrap_or(0),
                    })
                })
                .collect()
        })
        .await
    }

    /// Replace the org's people rows with a fold of every subject's events, holding
    /// the ledger head lock so no append interleaves ([`rebuild_people`]).
    #[instrument(skip_all, fields(%org))]
    async fn rebuild(&self, org: OrgId) -> StoreResult<RebuildReport> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await.db()?;
        lock_head(&tx, org).await?.ok_or(StoreError::NotFound)?;
        let report = rebuild_people(&tx, org).await?;
        tx.commit().await.db()?;
        Ok(report)
    }

    #[instrument(skip_all, fields(id = %token.id))]
    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()> {
        let c = self.conn().await?;
        let sql = format!("INSERT INTO tokens ({TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let t = token;
        let hash: &[u8] = &t.hash;
        c.execute(&sql, &[&t.id.0, &t.org_id.0, &t.person_id.0, &t.role.as_str(), &t.label, &hash, &t.created_at, &t.revoked_at, &t.scope.as_str()])
            .await
            .db()
            .map(drop)
    }

    /// A token of a person who has left is refused even if it was not revoked (a
    /// departure revokes them; this is defence in depth), in the same query.
    #[instrument(skip_all)]
    async fn token_by_hash(&self, hash: &[u8; 32]) -> StoreResult<TokenRecord> {
        let c = self.conn().await?;
        let stmt = c
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLS} FROM tokens t WHERE hash = $1 AND revoked_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM people p WHERE p.org_id = t.org_id AND p.id = t.person_id AND p.status = 'departed')"
            ))
            .await
            .db()?;
        let hash: &[u8] = hash;
        one(c.query_opt(&stmt, &[&hash]).await.db()?, rows::token)
    }

    #[instrument(skip_all, fields(%org))]
    async fn tokens(&self, org: OrgId, person: Option<PersonId>) -> StoreResult<Vec<TokenRecord>> {
        let c = self.conn().await?;
        let sql = format!("SELECT {TOKEN_COLS} FROM tokens WHERE org_id = $1 AND ($2::uuid IS NULL OR person_id = $2) ORDER BY created_at, id");
        let rows = c.query(&sql, &[&org.0, &person.map(|p| p.0)]).await.db()?;
        rows.iter().map(rows::token).collect()
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn revoke_token(&self, org: OrgId, id: TokenId, at: DateTime<Utc>) -> StoreResult<TokenRecord> {
        let c = self.conn().await?;
        // COALESCE keeps the first revocation time: revoking twice changes nothing.
        let sql = format!("UPDATE tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE org_id = $1 AND id = $2 RETURNING {TOKEN_COLS}");
        one(c.query_opt(&sql, &[&org.0, &id.0, &at]).await.db()?, rows::token)
    }

    #[instrument(skip_all, fields(org = %identity.org_id, person = %identity.person_id))]
    async fn put_scim_identity(&self, identity: &ScimIdentity) -> StoreResult<()> {
        let c = self.conn().await?;
        let sql = format!(
            "INSERT INTO scim_identities ({SCIM_COLS}, user_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (org_id, person_id) DO UPDATE SET user_name = excluded.user_name, user_key = excluded.user_key, \
             external_id = excluded.external_id, employee_number = excluded.employee_number, \
             given_name = excluded.given_name, family_name = excluded.family_name, deleted = excluded.deleted, emails = excluded.emails"
        );
        let i = identity;
        let key = i.user_name.to_lowercase();
        let emails = i.emails.as_ref().map(serde_json::Value::to_string);
        let values: [&(dyn tokio_postgres::types::ToSql + Sync); 10] =
            [&i.org_id.0, &i.person_id.0, &i.user_name, &i.external_id, &i.employee_number, &i.given_name, &i.family_name, &i.deleted, &emails, &key];
        c.execute(&sql, &values).await.db().map(drop)
    }

    #[instrument(skip_all, fields(%org))]
    async fn scim_identities(&self, org: OrgId) -> StoreResult<Vec<ScimIdentity>> {
        let c = self.conn().await?;
        let sql = format!("SELECT {SCIM_COLS} FROM scim_identities WHERE org_id = $1 ORDER BY user_key");
        let rows = c.query(&sql, &[&org.0]).await.db()?;
        rows.iter().map(rows::scim_identity).collect()
    }

    #[instrument(skip_all, fields(org = %group.org_id, id = %group.id))]
    async fn put_scim_group(&self, group: &ScimGroup) -> StoreResult<()> {
        let c = self.conn().await?;
        let sql = format!(
            "INSERT INTO scim_groups ({SCIM_GROUP_COLS}) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, external_id = excluded.external_id"
        );
        let g = group;
        c.execute(&sql, &[&g.org_id.0, &g.id, &g.name, &g.external_id]).await.db().map(drop)
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn delete_scim_group(&self, org: OrgId, id: &str) -> StoreResult<()> {
        let c = self.conn().await?;
        c.execute("DELETE FROM scim_groups WHERE org_id = $1 AND id = $2", &[&org.0, &id]).await.db().map(drop)
    }

    #[instrument(skip_all, fields(%org))]
    async fn scim_groups(&self, org: OrgId) -> StoreResult<Vec<ScimGroup>> {
        let c = self.conn().await?;
        let sql = format!("SELECT {SCIM_GROUP_COLS} FROM scim_groups WHERE org_id = $1 ORDER BY name");
        let rows = c.query(&sql, &[&org.0]).await.db()?;
        rows.iter().map(rows::scim_group).collect()
    }

    /// Events from the ledger heads (no count over 50 M rows); people by count.
    #[instrument(skip_all)]
    async fn stats(&self) -> StoreResult<StoreStats> {
        self.read(async |c| {
            let row = c.query_one("SELECT (SELECT COALESCE(sum(events), 0)::bigint FROM ledger_heads), (SELECT count(*) FROM people)", &[]).await.db()?;
            let (events, people): (i64, i64) = (rows::get(&row, 0)?, rows::get(&row, 1)?);
            Ok(StoreStats { events: events.max(0) as u64, people: people.max(0) as u64, write_queue_depth: 0 })
        })
        .await
    }

    async fn probe_write(&self) -> StoreResult<()> {
        self.probe().await
    }

    async fn bulk_load(&self, org: OrgId, source: &mut dyn rungs_core::ledger::bulk::EventSource) -> StoreResult<rungs_core::ledger::bulk::BulkLoaded> {
        self.bulk(org, source).await
    }
}

/// Replace `org`'s people rows with a fold of its ledger, in `tx` (which holds the
/// ledger head lock, or the migration lock). Streams the ledger through a portal in
/// (subject, occurred_at, seq) order: one person's history in memory.
pub(super) async fn rebuild_people(tx: &deadpool_postgres::Transaction<'_>, org: OrgId) -> StoreResult<RebuildReport> {
    tx.execute("DELETE FROM people WHERE org_id = $1", &[&org.0]).await.db()?;
    let stmt = tx.prepare(&format!("SELECT {EVENT_COLS} FROM events WHERE org_id = $1 ORDER BY subject, occurred_at, seq")).await.db()?;
    let portal = tx.bind(&stmt, &[&org.0]).await.db()?;
    let upsert = tx.prepare_cached(&UPSERT_PERSON).await.db()?;
    let mut fold = RebuildFold::default();
    let mut folded: Vec<Person> = Vec::new();
    loop {
        let chunk = tx.query_portal(&portal, REBUILD_CHUNK).await.db()?;
        let done = chunk.len() < REBUILD_CHUNK as usize;
        for row in &chunk {
            folded.extend(fold.push(rows::event(row)?));
        }
        if done {
            folded.extend(fold.finish());
        }
        // Write what this chunk completed, pipelined, before fetching the next.
        let params: Vec<PersonParams> = folded.iter().map(PersonParams::new).collect();
        let writes = folded.iter().zip(&params).map(|(p, pp)| {
            let upsert = &upsert;
            async move { tx.execute(upsert, &pp.params(p)).await.db() }
        });
        futures_util::future::try_join_all(writes).await?;
        folded.clear();
        if done {
            break;
        }
    }
    // The credentials' revocations are the ledger's too (never un-revoking one
    // recorded before revocations were events). None before the credentials table
    // existed, so a migration's refold never names it.
    let revocations = fold.take_revocations();
    if !revocations.is_empty() {
        let revoke = tx
            .prepare("UPDATE issued_credentials SET revoked_at = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL")
            .await
            .db()?;
        for r in revocations {
            tx.execute(&revoke, &[&r.credential, &org.0, &r.at, &r.by.map(|p| p.0), &r.reason]).await.db()?;
        }
    }
    Ok(fold.report())
}
