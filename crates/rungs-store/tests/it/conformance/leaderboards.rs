//! Leaderboards: the switch, and the projection written (cold, then as differences)
//! and read as ranked index ranges by team, with leavers marked.

use std::sync::Arc;

use chrono::Duration;
use rungs_core::leaderboards::{Board, LeaderboardWrite, PeriodKind, Score, Team, Window};
use rungs_core::store::Store;
use rungs_core::{EventId, PersonId};

use crate::support::*;

fn score(board: Board, person: PersonId, value: i64, extra: i64, department: &str, manager: Option<PersonId>) -> Score {
    Score {
        board,
        period: PeriodKind::Month,
        person,
        value,
        previous: 1,
        extra,
        department: Some(department.into()),
        manager,
        window: Window { start: day(0), end: day(31) },
        events: vec![EventId::new(), EventId::new()],
    }
}

pub async fn the_leaderboard_projection_is_written_and_read_ranked_by_team(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let s = store.leaderboard_settings(org).await.unwrap();
    assert!(!s.enabled && s.computed_at.is_none(), "off unless turned on");
    store.save_leaderboard_settings(org, true, day(1)).await.unwrap();
    let s = store.leaderboard_settings(org).await.unwrap();
    assert!(s.enabled);
    assert_eq!(s.updated_at, Some(day(1)));

    let (boss, ada, bo, cy) = (hire(&store, org, "Boss").await, hire(&store, org, "Ada").await, hire(&store, org, "Bo").await, hire(&store, org, "Cy").await);
    let rows = vec![
        score(Board::Wins, ada, 5, 6, "Eng", Some(boss)),
        score(Board::Wins, bo, 5, 9, "Eng", Some(boss)),
        score(Board::Wins, cy, 7, 7, "Sales", None),
        score(Board::Streaks, ada, 2, 2, "Eng", Some(boss)),
    ];
    let g1 = store.write_leaderboard(org, &LeaderboardWrite { replace_all: true, upserts: rows.clone(), removed: vec![], computed_at: day(2) }).await.unwrap();
    let top = store.leaderboard_top(org, Board::Wins, PeriodKind::Month, &Team::All, 10).await.unwrap();
    let names: Vec<&str> = top.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["Cy", "Bo", "Ada"], "value, then the second number, descending");
    assert_eq!(top[2].score, rows[0], "a row reads back whole");
    assert_eq!(store.leaderboard_top(org, Board::Wins, PeriodKind::Month, &Team::All, 1).await.unwrap().len(), 1);
    let eng = store.leaderboard_top(org, Board::Wins, PeriodKind::Month, &Team::Department("Eng".into()), 10).await.unwrap();
    assert_eq!(eng.iter().map(|s| s.score.person).collect::<Vec<_>>(), vec![bo, ada]);
    let team = store.leaderboard_top(org, Board::Wins, PeriodKind::Month, &Team::Manager(boss), 10).await.unwrap();
    assert_eq!(team.len(), 2);
    assert!(store.leaderboard_top(org, Board::Wins, PeriodKind::Year, &Team::All, 10).await.unwrap().is_empty());
    let s = store.leaderboard_settings(org).await.unwrap();
    assert_eq!((s.computed_at, s.generation, s.enabled), (Some(day(2)), g1, true));

    // A difference: Ada up, Bo removed; a leaver is marked.
    let g2 = store
        .write_leaderboard(
            org,
            &LeaderboardWrite {
                replace_all: false,
                upserts: vec![score(Board::Wins, ada, 8, 8, "Eng", Some(boss))],
                removed: vec![(Board::Wins, PeriodKind::Month, bo)],
                computed_at: day(3),
            },
        )
        .await
        .unwrap();
    assert!(g2 > g1);
    append1(&store, event(org, cy, day(3) + Duration::hours(1), departure())).await;
    let top = store.leaderboard_top(org, Board::Wins, PeriodKind::Month, &Team::All, 10).await.unwrap();
    assert_eq!(top.iter().map(|s| (s.name.as_str(), s.score.value, s.left)).collect::<Vec<_>>(), vec![("Ada", 8, false), ("Cy", 7, true)]);

    // A cold write replaces everything.
    store
        .write_leaderboard(
            org,
            &LeaderboardWrite { replace_all: true, upserts: vec![score(Board::Wins, bo, 1, 1, "Eng", None)], removed: vec![], computed_at: day(4) },
        )
        .await
        .unwrap();
    let top = store.leaderboard_top(org, Board::Wins, PeriodKind::Month, &Team::All, 10).await.unwrap();
    assert_eq!(top.iter().map(|s| s.score.person).collect::<Vec<_>>(), vec![bo]);
    assert!(store.leaderboard_top(org, Board::Streaks, PeriodKind::Month, &Team::All, 10).await.unwrap().is_empty());
    // Turning the switch off keeps when it was computed.
    store.save_leaderboard_settings(org, false, day(5)).await.unwrap();
    let s = store.leaderboard_settings(org).await.unwrap();
    assert_eq!((s.enabled, s.computed_at), (false, Some(day(4))));
}
