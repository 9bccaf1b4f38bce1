//! `impl LeaderboardStore for SqliteStore` (`migrations/sqlite/0019_leaderboards.sql`):
//! the organization's switch and the projection the `leaderboards` job writes, read
//! as one index range per board.

use chrono::{DateTime, Utc};
use rungs_core::leaderboards::{Board, LeaderboardStore, LeaderboardWrite, PeriodKind, Score, Settings, Standing, Team, Window};
use rungs_core::person::PersonStatus;
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, params};
use tracing::instrument;

use super::SqliteStore;
use super::rows::{Db, micros, opt_time, time};

/// Most rows one board read returns.
const MAX_TOP: u32 = 100;

const COLS: &str =
    "s.board, s.period, s.person_id, s.value, s.previous, s.extra, s.department, s.manager_id, s.period_start, s.period_end, s.events, p.name, p.status";

fn bad(idx: usize, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e.into())
}

fn standing(row: &Row<'_>) -> rusqlite::Result<Standing> {
    let board = Board::parse("board", row.get_ref(0)?.as_str()?).map_err(|e| bad(0, e.to_string()))?;
    let period = PeriodKind::parse("period", row.get_ref(1)?.as_str()?).map_err(|e| bad(1, e.to_string()))?;
    let events: Vec<EventId> = serde_json::from_str(row.get_ref(10)?.as_str()?).map_err(|e| bad(10, e))?;
    Ok(Standing {
        score: Score {
            board,
            period,
            person: PersonId::from_bytes(row.get(2)?),
            value: row.get(3)?,
            previous: row.get(4)?,
            extra: row.get(5)?,
            department: row.get(6)?,
            manager: row.get::<_, Option<[u8; 16]>>(7)?.map(PersonId::from_bytes),
            window: Window { start: time(row, 8)?, end: time(row, 9)? },
            events,
        },
        name: row.get(11)?,
        left: row.get_ref(12)?.as_str()? == PersonStatus::Departed.as_str(),
    })
}

#[async_trait::async_trait]
impl LeaderboardStore for SqliteStore {
    #[instrument(skip_all, fields(%org))]
    async fn leaderboard_settings(&self, org: OrgId) -> StoreResult<Settings> {
        self.read(move |c| {
            c.query_row("SELECT enabled, updated_at, computed_at, generation FROM leaderboard_settings WHERE org_id = ?1", [org.as_bytes()], |r| {
                Ok(Settings { enabled: r.get(0)?, updated_at: opt_time(r, 1)?, computed_at: opt_time(r, 2)?, generation: r.get(3)? })
            })
            .optional()
            .db()
            .map(Option::unwrap_or_default)
        })
        .await
    }

    #[instrument(skip_all, fields(%org, enabled))]
    async fn save_leaderboard_settings(&self, org: OrgId, enabled: bool, at: DateTime<Utc>) -> StoreResult<()> {
        self.writer
            .exec(move |tx| {
                let exists = tx.prepare_cached("SELECT 1 FROM organizations WHERE id = ?1").and_then(|mut s| s.exists([org.as_bytes()])).db()?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
                tx.execute(
                    "INSERT INTO leaderboard_settings (org_id, enabled, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
                    params![org.as_bytes(), enabled, micros(at)],
                )
                .db()?;
                Ok(())
            })
            .await
    }

    #[instrument(skip_all, fields(%org, upserts = write.upserts.len(), removed = write.removed.len(), replace_all = write.replace_all))]
    async fn write_leaderboard(&self, org: OrgId, write: &LeaderboardWrite) -> StoreResult<i64> {
        let w = write.clone();
        self.writer
            .exec(move |tx| {
                if w.replace_all {
                    tx.execute("DELETE FROM leaderboard_scores WHERE org_id = ?1", [org.as_bytes()]).db()?;
                }
                {
                    let mut del = tx.prepare_cached("DELETE FROM leaderboard_scores WHERE org_id = ?1 AND board = ?2 AND period = ?3 AND person_id = ?4").db()?;
                    for (b, p, person) in &w.removed {
                        del.execute(params![org.as_bytes(), b.as_str(), p.as_str(), person.as_bytes()]).db()?;
                    }
                    let mut up = tx
                        .prepare_cached(
                            "INSERT INTO leaderboard_scores (org_id, board, period, person_id, value, previous, extra, department, manager_id, period_start, period_end, events) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                             ON CONFLICT (org_id, board, period, person_id) DO UPDATE SET value = excluded.value, previous = excluded.previous, \
                             extra = excluded.extra, department = excluded.department, manager_id = excluded.manager_id, \
                             period_start = excluded.period_start, period_end = excluded.period_end, events = excluded.events",
                        )
                        .db()?;
                    for s in &w.upserts {
                        let events = serde_json::to_string(&s.events).map_err(StoreError::unexpected)?;
                        up.execute(params![
                            org.as_bytes(),
                            s.board.as_str(),
                            s.period.as_str(),
                            s.person.as_bytes(),
                            s.value,
                            s.previous,
                            s.extra,
                            s.department,
                            s.manager.map(|m| *m.as_bytes()),
                            micros(s.window.start),
                            micros(s.window.end),
                            events,
                        ])
                        .db()?;
                    }
                }
                tx.query_row(
                    "INSERT INTO leaderboard_settings (org_id, computed_at, generation) VALUES (?1, ?2, 1) \
                     ON CONFLICT (org_id) DO UPDATE SET computed_at = excluded.computed_at, generation = leaderboard_settings.generation + 1 \
                     RETURNING generation",
                    params![org.as_bytes(), micros(w.computed_at)],
                    |r| r.get(0),
                )
                .db()
            })
            .await
    }

    #[instrument(skip_all, fields(%org, %board, %period, %team))]
    async fn leaderboard_top(&self, org: OrgId, board: Board, period: PeriodKind, team: &Team, limit: u32) -> StoreResult<Vec<Standing>> {
        let team = team.clone();
        let n = limit.clamp(1, MAX_TOP);
        self.read(move |c| {
            let base =
                format!("SELECT {COLS} FROM leaderboard_scores s JOIN people p ON p.id = s.person_id WHERE s.org_id = ?1 AND s.board = ?2 AND s.period = ?3");
            let order = "ORDER BY s.value DESC, s.extra DESC, s.person_id LIMIT ?4";
            let (b, p) = (board.as_str(), period.as_str());
            let rows = match &team {
                Team::All => {
                    let mut s = c.prepare_cached(&format!("{base} {order}")).db()?;
                    s.query_map(params![org.as_bytes(), b, p, n], standing).db()?.collect::<rusqlite::Result<Vec<_>>>()
                }
                Team::Department(d) => {
                    let mut s = c.prepare_cached(&format!("{base} AND s.department = ?5 {order}")).db()?;
                    s.query_map(params![org.as_bytes(), b, p, n, d], standing).db()?.collect::<rusqlite::Result<Vec<_>>>()
                }
                Team::Manager(m) => {
                    let mut s = c.prepare_cached(&format!("{base} AND s.manager_id = ?5 {order}")).db()?;
                    s.query_map(params![org.as_bytes(), b, p, n, m.as_bytes()], standing).db()?.collect::<rusqlite::Result<Vec<_>>>()
                }
            };
            rows.db()
        })
        .await
    }
}
