//! `impl Store for SqliteStore`: writes go through the writer thread, reads through
//! the reader pool. Cursors are the opaque strings of `rungs_core::ledger::codec`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rungs_core::event::Event;
use rungs_core::framework::Framework;
use rungs_core::ledger::RebuildFold;
use rungs_core::ledger::codec::{event_cursor, hex, parse_event_cursor, parse_people_cursor, people_cursor};
use rungs_core::page::{DEFAULT_PAGE, MAX_PAGE, Page};
use rungs_core::person::{Organization, Person};
use rungs_core::store::{
    AppendBatch, Appended, EventQuery, PeopleQuery, RebuildReport, ScimGroup, ScimIdentity, ShapeCell, ShapeQuery, Store, StoreError, StoreResult, StoreStats,
    TeamPage, TeamQuery, TokenRecord,
};
use rungs_core::{EventId, OrgId, PersonId, TokenId, ValidationError};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use std::sync::LazyLock;

use tracing::instrument;

use super::SqliteStore;
use super::append::{event_by_id, subject_events};
use super::rows::{self, Db, EVENT_COLS, ORG_COLS, PERSON_COLS, SCIM_COLS, SCIM_GROUP_COLS, TOKEN_COLS, micros};
use crate::people_sql::PEOPLE_COLUMN_COUNT;

/// Largest chunk `export_events` returns at once.
const MAX_EXPORT: u32 = 10_000;

fn limit(l: u32) -> u32 {
    if l == 0 { DEFAULT_PAGE } else { l.min(MAX_PAGE) }
}

fn bad_cursor() -> StoreError {
    ValidationError::single("cursor", "is not a cursor from this listing").into()
}

fn blob(b: &[u8; 16]) -> Value {
    Value::Blob(b.to_vec())
}

fn org_exists(conn: &Connection, org: OrgId) -> StoreResult<()> {
    let found = conn.prepare_cached("SELECT 1 FROM organizations WHERE id = ?1").and_then(|mut s| s.exists([org.as_bytes()])).db()?;
    if found { Ok(()) } else { Err(StoreError::NotFound) }
}

fn query<T>(conn: &Connection, sql: &str, args: impl rusqlite::Params, f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>) -> StoreResult<Vec<T>> {
    let mut s = conn.prepare_cached(sql).db()?;
    s.query_map(args, f).db()?.collect::<rusqlite::Result<Vec<T>>>().db()
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    #[instrument(skip_all, fields(org = %org.id))]
    async fn create_org(&self, org: &Organization) -> StoreResult<()> {
        let org = org.clone();
        self.writer
            .exec(move |tx| {
                let sql = "INSERT INTO organizations (id, name, created_at) VALUES (?1, ?2, ?3)";
                tx.execute(sql, params![org.id.as_bytes(), org.name, micros(org.created_at)]).db().map(drop)
            })
            .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn org(&self, org: OrgId) -> StoreResult<Organization> {
        self.read(move |c| c.query_row(&format!("SELECT {ORG_COLS} FROM organizations WHERE id = ?1"), [org.as_bytes()], rows::org).db()).await
    }

    #[instrument(skip_all)]
    async fn default_org(&self) -> StoreResult<Option<Organization>> {
        let sql = format!("SELECT {ORG_COLS} FROM organizations ORDER BY rowid LIMIT 1");
        self.read(move |c| c.query_row(&sql, [], rows::org).optional().db()).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn save_framework(&self, org: OrgId, framework: &Framework) -> StoreResult<()> {
        let body = serde_json::to_string(framework).map_err(StoreError::unexpected)?;
        self.writer
            .exec(move |tx| {
                let sql = "INSERT INTO frameworks (org_id, body, updated_at) VALUES (?1, ?2, ?3) \
                           ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, \
                           updated_at = MAX(excluded.updated_at, frameworks.updated_at + 1)";
                tx.execute(sql, params![org.as_bytes(), body, Utc::now().timestamp_micros()]).db().map(drop)
            })
            .await
    }

    /// An organization without a saved framework has the empty one.
    #[instrument(skip_all, fields(%org))]
    async fn framework(&self, org: OrgId) -> StoreResult<Arc<Framework>> {
        let cache = self.frameworks.clone();
        self.read(move |c| {
            let stamp: Option<i64> = c
                .prepare_cached("SELECT updated_at FROM frameworks WHERE org_id = ?1")
                .and_then(|mut s| s.query_row([org.as_bytes()], |r| r.get(0)).optional())
                .db()?;
            let Some(stamp) = stamp else { return org_exists(c, org).map(|()| Arc::new(Framework::default())) };
            if let Some(fw) = cache.get(org, &stamp) {
                return Ok(fw);
            }
            let (stamp, body): (i64, String) =
                c.query_row("SELECT updated_at, body FROM frameworks WHERE org_id = ?1", [org.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
            let fw: Arc<Framework> = Arc::new(serde_json::from_str(&body).map_err(StoreError::unexpected)?);
            cache.put(org, stamp, fw.clone());
            Ok(fw)
        })
        .await
    }

    #[instrument(skip_all, fields(org = %batch.org_id, events = batch.events.len()))]
    async fn append(&self, batch: AppendBatch) -> StoreResult<Appended> {
        self.writer.append(batch).await
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn event(&self, org: OrgId, id: EventId) -> StoreResult<Event> {
        self.read(move |c| event_by_id(c, org, id)?.ok_or(StoreError::NotFound)).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn events(&self, org: OrgId, q: &EventQuery) -> StoreResult<Page<Event>> {
        let after = match q.cursor.as_deref() {
            None => None,
            Some(c) => Some(parse_event_cursor(c).ok_or_else(bad_cursor)?),
        };
        let n = limit(q.limit);
        // Without a subject this walks the rowid (seq) B-tree, filtering by org: one
        // tenant per file is the norm for SQLite. With a subject it uses
        // events_by_subject and sorts that person's few events by seq.
        let mut sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = ?");
        let mut args = vec![blob(org.as_bytes())];
        if let Some(a) = after {
            sql.push_str(" AND seq > ?");
            args.push(Value::Integer(a));
        }
        if let Some(s) = q.subject {
            sql.push_str(" AND subject = ?");
            args.push(blob(s.as_bytes()));
        }
        if !q.kinds.is_empty() {
            sql.push_str(&format!(" AND kind IN ({})", vec!["?"; q.kinds.len()].join(", ")));
            args.extend(q.kinds.iter().map(|k| Value::Text(k.as_str().into())));
        }
        if let Some(f) = q.from {
            sql.push_str(" AND occurred_at >= ?");
            args.push(Value::Integer(micros(f)));
        }
        if let Some(t) = q.to {
            sql.push_str(" AND occurred_at < ?");
            args.push(Value::Integer(micros(t)));
        }
        sql.push_str(" ORDER BY seq LIMIT ?");
        args.push(Value::Integer(i64::from(n) + 1));
        self.read(move |c| {
            let mut items = query(c, &sql, params_from_iter(args), rows::event)?;
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
        self.read(move |c| subject_events(c, org, subject)).await
    }

    #[instrument(skip_all, fields(%org, %subject))]
    async fn reversed_ids(&self, org: OrgId, subject: PersonId) -> StoreResult<Vec<EventId>> {
        self.read(move |c| {
            let sql = "SELECT target FROM events WHERE subject = ?1 AND org_id = ?2 AND kind = 'reversal' ORDER BY seq";
            let ids = query(c, sql, params![subject.as_bytes(), org.as_bytes()], |r| r.get::<_, [u8; 16]>(0))?;
            Ok(ids.into_iter().map(EventId::from_bytes).collect())
        })
        .await
    }

    #[instrument(skip_all, fields(%org, after_seq))]
    async fn export_events(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<Event>> {
        let n = limit.clamp(1, MAX_EXPORT);
        let sql = format!("SELECT {EVENT_COLS} FROM events WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
        self.read(move |c| query(c, &sql, params![org.as_bytes(), after_seq, n], rows::event)).await
    }

    #[instrument(skip_all, fields(%org, after_seq))]
    async fn readiness_facts(&self, org: OrgId, after_seq: i64, limit: u32) -> StoreResult<Vec<rungs_core::readiness::org::Fact>> {
        self.read(move |c| super::facts::readiness_facts(c, org, after_seq, limit)).await
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn person(&self, org: OrgId, id: PersonId) -> StoreResult<Person> {
        let sql = format!("SELECT {PERSON_COLS} FROM people WHERE id = ?1 AND org_id = ?2");
        self.read(move |c| c.query_row(&sql, params![id.as_bytes(), org.as_bytes()], rows::person).db()).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn person_by_email(&self, org: OrgId, email: &str) -> StoreResult<Person> {
        // Emails are lowercased when parsed, so the lookup is too.
        let email = email.trim().to_lowercase();
        let sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = ?1 AND email = ?2");
        self.read(move |c| c.query_row(&sql, params![org.as_bytes(), email], rows::person).db()).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn people(&self, org: OrgId, q: &PeopleQuery) -> StoreResult<Page<Person>> {
        if q.only.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Page { items: vec![], next_cursor: None });
        }
        let n = limit(q.limit);
        let mut sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = ?");
        let mut args = vec![blob(org.as_bytes())];
        if let Some(c) = q.cursor.as_deref() {
            let (id, name) = parse_people_cursor(c).ok_or_else(bad_cursor)?;
            sql.push_str(" AND (name, id) > (?, ?)");
            args.extend([Value::Text(name), blob(id.as_bytes())]);
        }
        if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // LIKE is case-insensitive for ASCII; `\` escapes the user's wildcards.
            let pattern = format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            sql.push_str(r" AND (name LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')");
            args.extend([Value::Text(pattern.clone()), Value::Text(pattern)]);
        }
        if let Some(only) = &q.only {
            // One JSON parameter instead of thousands of `?`s for a big org chart.
            let ids: Vec<String> = only.iter().map(|p| hex(p.as_bytes())).collect();
            sql.push_str(" AND id IN (SELECT unhex(value) FROM json_each(?))");
            args.push(Value::Text(serde_json::to_string(&ids).map_err(StoreError::unexpected)?));
        }
        sql.push_str(" ORDER BY name, id LIMIT ?");
        args.push(Value::Integer(i64::from(n) + 1));
        self.read(move |c| {
            let mut items = query(c, &sql, params_from_iter(args), rows::person)?;
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
        let sql = format!("SELECT {PERSON_COLS} FROM people WHERE org_id = ?1 ORDER BY id");
        self.read(move |c| query(c, &sql, [org.as_bytes()], rows::person)).await
    }

    #[instrument(skip_all, fields(%org, %manager))]
    async fn reports(&self, org: OrgId, manager: PersonId) -> StoreResult<Vec<PersonId>> {
        // UNION (not UNION ALL) drops rows already produced, so a cycle in the
        // manager chain ends the recursion instead of looping forever.
        let sql = "WITH RECURSIVE r(id) AS ( \
                       SELECT id FROM people WHERE org_id = ?1 AND manager_id = ?2 \
                       UNION \
                       SELECT p.id FROM r CROSS JOIN people p WHERE p.org_id = ?1 AND p.manager_id = r.id \
                   ) SELECT id FROM r WHERE id <> ?2 ORDER BY id";
        self.read(move |c| {
            let ids = query(c, sql, params![org.as_bytes(), manager.as_bytes()], |r| r.get::<_, [u8; 16]>(0))?;
            Ok(ids.into_iter().map(PersonId::from_bytes).collect())
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %manager, %subject))]
    async fn is_report(&self, org: OrgId, manager: PersonId, subject: PersonId) -> StoreResult<bool> {
        static SQL: LazyLock<String> =
            LazyLock::new(|| crate::people_sql::IS_REPORT.replace("{org}", "?1").replace("{manager}", "?2").replace("{subject}", "?3"));
        self.read(move |c| {
            c.prepare_cached(&SQL).and_then(|mut st| st.query_row(params![org.as_bytes(), manager.as_bytes(), subject.as_bytes()], |r| r.get(0))).db()
        })
        .await
    }

    #[instrument(skip_all, fields(%org, %manager))]
    async fn team(&self, org: OrgId, manager: PersonId, q: &TeamQuery) -> StoreResult<TeamPage> {
        let cte = crate::people_sql::team_cte(q).replace("{org}", "?1").replace("{manager}", "?2");
        let order = crate::people_sql::team_order(q.sort, q.descending);
        // The team's counts ride on every row of the page (window functions over the
        // whole subtree): one pass over the subtree, not two.
        let sql = format!(
            "{cte} SELECT {PERSON_COLS}, count(*) OVER (), sum(CASE WHEN manager_id = ?2 THEN 1 ELSE 0 END) OVER (), \
             sum(CASE WHEN COALESCE(last_progression_at, hired_at) <= ?3 THEN 1 ELSE 0 END) OVER () \
             FROM t ORDER BY {order} LIMIT ?4 OFFSET ?5"
        );
        let count_sql = format!(
            "{cte} SELECT count(*), COALESCE(sum(CASE WHEN manager_id = ?2 THEN 1 ELSE 0 END), 0), \
             COALESCE(sum(CASE WHEN COALESCE(last_progression_at, hired_at) <= ?3 THEN 1 ELSE 0 END), 0) FROM t"
        );
        let (lim, offset, before) = (i64::from(limit(q.limit)), i64::from(q.offset), micros(q.stalled_before));
        self.read(move |c| {
            let rows = query(c, &sql, params![org.as_bytes(), manager.as_bytes(), before, lim, offset], |r| {
                let n = PEOPLE_COLUMN_COUNT;
                Ok((rows::person(r)?, r.get::<_, i64>(n)?, r.get::<_, i64>(n + 1)?, r.get::<_, i64>(n + 2)?))
            })?;
            let (total, direct, stalled) = match rows.first() {
                Some((_, t, d, s)) => (*t, *d, *s),
                // Past the last page (or no team): the counts need their own query.
                None => c
                    .prepare_cached(&count_sql)
                    .and_then(|mut st| st.query_row(params![org.as_bytes(), manager.as_bytes(), before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
                    .db()?,
            };
            let n = |v: i64| u64::try_from(v).unwrap_or(0);
            Ok(TeamPage { items: rows.into_iter().map(|r| r.0).collect(), total: n(total), direct: n(direct), stalled: n(stalled) })
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn shape(&self, org: OrgId, q: &ShapeQuery) -> StoreResult<Vec<ShapeCell>> {
        let sql = crate::people_sql::shape_sql(q.manager.is_some())
            .replace("{org}", "?1")
            .replace("{manager}", "?2")
            .replace("{c0}", "?3")
            .replace("{c1}", "?4")
            .replace("{c2}", "?5")
            .replace("{c3}", "?6")
            .replace("{stalled}", "?7");
        // Without a manager `?2` does not occur; SQLite numbers parameters by their
        // largest index, so binding it (as NULL) is harmless.
        let manager = q.manager.map(|m| m.as_bytes().to_vec());
        let (cuts, before) = (q.cuts.map(micros), micros(q.stalled_before));
        self.read(move |c| {
            query(c, &sql, params![org.as_bytes(), manager, cuts[0], cuts[1], cuts[2], cuts[3], before], |r| {
                Ok(ShapeCell {
                    department: r.get(0)?,
                    level: r.get(1)?,
                    bucket: u8::try_from(r.get::<_, i64>(2)?).unwrap_or(4),
                    people: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    stalled: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                })
            })
        })
        .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn rebuild(&self, org: OrgId) -> StoreResult<RebuildReport> {
        self.writer.exec(move |tx| rebuild(tx, org)).await
    }

    #[instrument(skip_all, fields(id = %token.id))]
    async fn create_token(&self, token: &TokenRecord) -> StoreResult<()> {
        let t = token.clone();
        self.writer
            .exec(move |tx| {
                let sql = format!("INSERT INTO tokens ({TOKEN_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
                tx.execute(
                    &sql,
                    params![
                        t.id.as_bytes(),
                        t.org_id.as_bytes(),
                        t.person_id.as_bytes(),
                        t.role.as_str(),
                        t.label,
                        t.hash,
                        micros(t.created_at),
                        t.revoked_at.map(micros),
                        t.scope.as_str()
                    ],
                )
                .db()
                .map(drop)
            })
            .await
    }

    /// A token of a person who has left is refused even if it was not revoked (a
    /// departure revokes them; this is defence in depth), in the same query.
    #[instrument(skip_all)]
    async fn token_by_hash(&self, hash: &[u8; 32]) -> StoreResult<TokenRecord> {
        let hash = *hash;
        let sql = format!(
            "SELECT {TOKEN_COLS} FROM tokens t WHERE hash = ?1 AND revoked_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM people p WHERE p.org_id = t.org_id AND p.id = t.person_id AND p.status = 'departed')"
        );
        self.read(move |c| c.query_row(&sql, [hash], rows::token).db()).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn tokens(&self, org: OrgId, person: Option<PersonId>) -> StoreResult<Vec<TokenRecord>> {
        let sql = format!("SELECT {TOKEN_COLS} FROM tokens WHERE org_id = ?1 AND (?2 IS NULL OR person_id = ?2) ORDER BY created_at, id");
        self.read(move |c| query(c, &sql, params![org.as_bytes(), person.as_ref().map(PersonId::as_bytes)], rows::token)).await
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn revoke_token(&self, org: OrgId, id: TokenId, at: DateTime<Utc>) -> StoreResult<TokenRecord> {
        self.writer
            .exec(move |tx| {
                // COALESCE keeps the first revocation time: revoking twice changes nothing.
                let sql = "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?3) WHERE org_id = ?1 AND id = ?2";
                if tx.execute(sql, params![org.as_bytes(), id.as_bytes(), micros(at)]).db()? == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.query_row(&format!("SELECT {TOKEN_COLS} FROM tokens WHERE id = ?1"), [id.as_bytes()], rows::token).db()
            })
            .await
    }
    #[instrument(skip_all, fields(org = %identity.org_id, person = %identity.person_id))]
    async fn put_scim_identity(&self, identity: &ScimIdentity) -> StoreResult<()> {
        let i = identity.clone();
        self.writer
            .exec(move |tx| {
                let sql = format!(
                    "INSERT INTO scim_identities ({SCIM_COLS}, user_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                     ON CONFLICT (org_id, person_id) DO UPDATE SET user_name = excluded.user_name, user_key = excluded.user_key, \
                     external_id = excluded.external_id, employee_number = excluded.employee_number, \
                     given_name = excluded.given_name, family_name = excluded.family_name, deleted = excluded.deleted, emails = excluded.emails"
                );
                let key = i.user_name.to_lowercase();
                let emails = i.emails.as_ref().map(serde_json::Value::to_string);
                let values = params![
                    i.org_id.as_bytes(),
                    i.person_id.as_bytes(),
                    i.user_name,
                    i.external_id,
                    i.employee_number,
                    i.given_name,
                    i.family_name,
                    i.deleted,
                    emails,
                    key
                ];
                tx.execute(&sql, values).db().map(drop)
            })
            .await
    }

    #[instrument(skip_all, fields(%org))]
    async fn scim_identities(&self, org: OrgId) -> StoreResult<Vec<ScimIdentity>> {
        let sql = format!("SELECT {SCIM_COLS} FROM scim_identities WHERE org_id = ?1 ORDER BY user_key");
        self.read(move |c| query(c, &sql, params![org.as_bytes()], rows::scim_identity)).await
    }

    #[instrument(skip_all, fields(org = %group.org_id, id = %group.id))]
    async fn put_scim_group(&self, group: &ScimGroup) -> StoreResult<()> {
        let g = group.clone();
        self.writer
            .exec(move |tx| {
                let sql = format!(
                    "INSERT INTO scim_groups ({SCIM_GROUP_COLS}) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, external_id = excluded.external_id"
                );
                tx.execute(&sql, params![g.org_id.as_bytes(), g.id, g.name, g.external_id]).db().map(drop)
            })
            .await
    }

    #[instrument(skip_all, fields(%org, %id))]
    async fn delete_scim_group(&self, org: OrgId, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.writer.exec(move |tx| tx.execute("DELETE FROM scim_groups WHERE org_id = ?1 AND id = ?2", params![org.as_bytes(), id]).db().map(drop)).await
    }

    #[instrument(skip_all, fields(%org))]
    async fn scim_groups(&self, org: OrgId) -> StoreResult<Vec<ScimGroup>> {
        let sql = format!("SELECT {SCIM_GROUP_COLS} FROM scim_groups WHERE org_id = ?1 ORDER BY name");
        self.read(move |c| query(c, &sql, params![org.as_bytes()], rows::scim_group)).await
    }

    /// `events` is max(seq): rows are never deleted and seqs are max+1, so it equals
    /// the count without scanning 50 M rows. `people` is a count over the smallest
    /// index (100 k rows: about a millisecond).
    #[instrument(skip_all)]
    async fn stats(&self) -> StoreResult<StoreStats> {
        let depth = self.writer.queue_depth();
        self.read(move |c| {
            let events: i64 = c.query_row("SELECT COALESCE(max(seq), 0) FROM events", [], |r| r.get(0)).db()?;
            let people: i64 = c.query_row("SELECT count(*) FROM people", [], |r| r.get(0)).db()?;
            Ok(StoreStats { events: events.max(0) as u64, people: people.max(0) as u64, write_queue_depth: depth })
        })
        .await
    }

    async fn probe_write(&self) -> StoreResult<()> {
        self.probe().await
    }

    #[instrument(skip_all, fields(%org))]
    async fn bulk_load(&self, org: OrgId, source: &mut dyn rungs_core::ledger::bulk::EventSource) -> StoreResult<rungs_core::ledger::bulk::BulkLoaded> {
        self.bulk(org, source).await
    }
}

/// Replace the org's people rows with a fold of every subject's events. Streams the
/// ledger in events_by_subject order (subject, occurred_at, seq), so memory holds one
/// person's history at a time and no sort is needed.
pub(super) fn rebuild(tx: &Transaction<'_>, org: OrgId) -> StoreResult<RebuildReport> {
    org_exists(tx, org)?;
    tx.execute("DELETE FROM people WHERE org_id = ?1", [org.as_bytes()]).db()?;
    let mut stmt = tx.prepare(&format!("SELECT {EVENT_COLS} FROM events WHERE org_id = ?1 ORDER BY subject, occurred_at, seq")).db()?;
    let mut cursor = stmt.query_map([org.as_bytes()], rows::event).db()?;
    let mut fold = RebuildFold::default();
    while let Some(e) = cursor.next().transpose().db()? {
        if let Some(p) = fold.push(e) {
            rows::upsert_person(tx, &p).db()?;
        }
    }
    if let Some(p) = fold.finish() {
        rows::upsert_person(tx, &p).db()?;
    }
    // The credentials' revocations are the ledger's too (never un-revoking one
    // recorded before revocations were events). None before the credentials table
    // existed, so a migration's refold never names it.
    let revocations = fold.take_revocations();
    if !revocations.is_empty() {
        let mut revoke = tx
            .prepare("UPDATE issued_credentials SET revoked_at = ?3, revoked_by = ?4, revoke_reason = ?5 WHERE id = ?1 AND org_id = ?2 AND revoked_at IS NULL")
            .db()?;
        for r in revocations {
            revoke.execute(rusqlite::params![r.credential.as_bytes(), org.as_bytes(), micros(r.at), r.by.map(|p| *p.as_bytes()), r.reason]).db()?;
        }
    }
    Ok(fold.report())
}
