//! `impl LeaderboardStore for PgStore` (`migrations/postgres/0019_leaderboards.sql`):
//! the organization's switch and the projection the `leaderboards` job writes, read
//! as one index range per board.

use chrono::{DateTime, Utc};
use rungs_core::leaderboards::{Board, LeaderboardStore, LeaderboardWrite, PeriodKind, Score, Settings, Standing, Team, Window};
use rungs_core::person::PersonStatus;
use rungs_core::store::{StoreError, StoreResult};
use rungs_core::{EventId, OrgId, PersonId};
use tokio_postgres::Row;
use tracing::instrument;
use uuid::Uuid;

use super::PgStore;
use super::rows::{self, Db};

/// Most rows one board read returns.
const MAX_TOP: u32 = 100;

const COLS: &str =
    "s.board, s.period, s.person_id, s.value, s.previous, s.extra, s.department, s.manager_id, s.period_start, s.period_end, s.events, p.name, p.status";

fn standing(row: &Row) -> StoreResult<Standing> {
    let board = Board::parse("board", rows::get(row, 0)?).map_err(StoreError::unexpected)?;
    let period = PeriodKind::parse("period", rows::get(row, 1)?).map_err(StoreError::unexpected)?;
    let events: Vec<EventId> = serde_json::from_str(rows::get(row, 10)?).map_err(StoreError::unexpected)?;
    let status: &str = rows::get(row, 12)?;
    Ok(Standing {
        score: Score {
            board,
            period,
            person: PersonId(rows::get(row, 2)?),
            value: rows::get(row, 3)?,
            previous: rows::get(row, 4)?,
            extra: rows::get(row, 5)?,
            department: rows::get(row, 6)?,
            manager: rows::get::<Option<Uuid>>(row, 7)?.map(PersonId),
            window: Window { start: rows::get(row, 8)?, end: rows::get(row, 9)? },
            events,
        },
        name: rows::get(row, 11)?,
        left: status == PersonStatus::Departed.as_str(),
    })
}

#[async_trait::async_trait]
impl LeaderboardStore for PgStore {
    #[instrument(skip_all, fields(%org))]
    async fn leaderboard_settings(&self, org: OrgId) -> StoreResult<Settings> {
        let c = self.conn().await?;
        let row = c.query_opt("SELECT enabled, updated_at, computed_at, generation FROM leaderboard_settings WHERE org_id = $1", &[&org.0]).await.db()?;
        row.map(|r| Ok(Settings { enabled: rows::get(&r, 0)?, updated_at: rows::get(&r, 1)?, computed_at: rows::get(&r, 2)?, generation: rows::get(&r, 3)? }))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    #[instrument(skip_all, fields(%org, enabled))]
    async fn save_leaderboard_settings(&self, org: OrgId, enabled: bool, at: DateTime<Utc>) -> StoreResult<()> {
        let c = self.conn().await?;
        let exists = c.query_opt("SELECT 1 FROM organizations WHERE id = $1", &[&org.0]).await.db()?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        c.execute(
            "INSERT INTO leaderboard_settings (org_id, enabled, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
            &[&org.0, &enabled, &at],
        )
        .await
        .db()?;
        Ok(())
    }

    #[instrument(skip_all, fields(%org, upserts = write.upserts.len(), removed = write.removed.len(), replace_all = write.replace_all))]
    async fn write_leaderboard(&self, org: OrgId, write: &LeaderboardWrite) -> StoreResult<i64> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.db()?;
        // The settings row, locked: two instances' writes take generations in turn.
        tx.execute("INSERT INTO leaderboard_settings (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING", &[&org.0]).await.db()?;
        tx.execute("SELECT 1 FROM leaderboard_settings WHERE org_id = $1 FOR UPDATE", &[&org.0]).await.db()?;
        if write.replace_all {
            tx.execute("DELETE FROM leaderboard_scores WHERE org_id = $1", &[&org.0]).await.db()?;
        }
        let del = tx.prepare_cached("DELETE FROM leaderboard_scores WHERE org_id = $1 AND board = $2 AND period = $3 AND person_id = $4").await.db()?;
        for (b, p, person) in &write.removed {
            tx.execute(&del, &[&org.0, &b.as_str(), &p.as_str(), &person.0]).await.db()?;
        }
        let up = tx
            .prepare_cached(
                "INSERT INTO leaderboard_scores (org_id, board, period, person_id, value, previous, extra, department, manager_id, period_start, period_end, events) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (org_id, board, period, person_id) DO UPDATE SET value = excluded.value, previous = excluded.previous, \
                 extra = excluded.extra, department = excluded.department, manager_id = excluded.manager_id, \
                 period_start = excluded.period_start, period_end = excluded.period_end, events = excluded.events",
            )
            .await
            .db()?;
        for s in &write.upserts {
            let events = serde_json::to_string(&s.events).map_err(StoreError::unexpected)?;
            let manager: Option<Uuid> = s.manager.map(|m| m.0);
            tx.execute(
                &up,
                &[
                    &org.0,
                    &s.board.as_str(),
                    &s.period.as_str(),
                    &s.person.0,
                    &s.value,
                    &s.previous,
                    &s.extra,
                    &s.department,
                    &manager,
                    &s.window.start,
                    &s.window.end,
                    &events,
                ],
            )
            .await
            .db()?;
        }
        let row = tx
            .query_one(
                "UPDATE leaderboard_settings SET computed_at = $2, generation = generation + 1 WHERE org_id = $1 RETURNING generation",
                &[&org.0, &write.computed_at],
            )
            .await
            .db()?;
        let generation: i64 = rows::get(&row, 0)?;
        tx.commit().await.db()?;
        Ok(generation)
    }

    #[instrument(skip_all, fields(%org, %board, %period, %team))]
    async fn leaderboard_top(&self, org: OrgId, board: Board, period: PeriodKind, team: &Team, limit: u32) -> StoreResult<Vec<Standing>> {
        self.read(async |c| {
            let base =
                format!("SELECT {COLS} FROM leaderboard_scores s JOIN people p ON p.id = s.person_id WHERE s.org_id = $1 AND s.board = $2 AND s.period = $3");
            let order = "ORDER BY s.value DESC, s.extra DESC, s.person_id LIMIT $4";
            let n = i64::from(limit.clamp(1, MAX_TOP));
            let (b, p) = (board.as_str(), period.as_str());
            let found = match team {
                Team::All => {
                    let st = c.prepare_cached(&format!("{base} {order}")).await.db()?;
                    c.query(&st, &[&org.0, &b, &p, &n]).await.db()?
                }
                Team::Department(d) => {
                    let st = c.prepare_cached(&format!("{base} AND s.department = $5 {order}")).await.db()?;
                    c.query(&st, &[&org.0, &b, &p, &n, d]).await.db()?
                }
                Team::Manager(m) => {
                    let st = c.prepare_cached(&format!("{base} AND s.manager_id = $5 {order}")).await.db()?;
                    c.query(&st, &[&org.0, &b, &p, &n, &m.0]).await.db()?
                }
            };
            found.iter().map(standing).collect()
        })
        .await
    }
}
