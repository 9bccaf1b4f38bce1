use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::badges::{BadgeFact, FactBody};
use crate::event::{Category, Magnitude};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

struct Ledger {
    facts: Vec<BadgeFact>,
}

impl Ledger {
    fn push(&mut self, subject: PersonId, actor: Option<PersonId>, t: DateTime<Utc>, body: FactBody) -> EventId {
        let id = EventId::new();
        let seq = self.facts.len() as i64 + 1;
        self.facts.push(BadgeFact { seq, id, subject, actor, occurred_at: t, recorded_at: t, body });
        id
    }
    fn win(&mut self, who: PersonId, t: DateTime<Utc>, validated: bool) -> EventId {
        let id = self.push(who, Some(who), t, FactBody::Win { category: Category::Skill, magnitude: Magnitude::Micro, competencies: vec![] });
        if validated {
            self.push(who, None, t, FactBody::Validation { target: id });
        }
        id
    }
    fn gift(&mut self, from: PersonId, to: PersonId, t: DateTime<Utc>) -> EventId {
        self.push(to, Some(from), t, FactBody::Recognition { points: 5, competencies: vec![] })
    }
}

fn member(manager: Option<PersonId>) -> Member {
    Member { department: Some("Eng".into()), manager, ranked: true }
}

fn score(s: &[Score], board: Board, period: PeriodKind, p: PersonId) -> Option<&Score> {
    s.iter().find(|x| x.board == board && x.period == period && x.person == p)
}

#[test]
fn periods_are_calendar_months_quarters_and_years_in_the_organizations_time_zone() {
    let berlin: Tz = "Europe/Berlin".parse().unwrap();
    // 23:30 UTC on 31 March is already 1 April in Berlin: the second quarter.
    let t = Utc.with_ymd_and_hms(2026, 3, 31, 23, 30, 0).unwrap();
    let (cur, prev) = PeriodKind::Quarter.window(t, berlin);
    assert_eq!(cur.start, Utc.with_ymd_and_hms(2026, 3, 31, 22, 0, 0).unwrap());
    assert_eq!(cur.end, Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap());
    assert_eq!(prev.start, Utc.with_ymd_and_hms(2025, 12, 31, 23, 0, 0).unwrap());
    let (m, pm) = PeriodKind::Month.window(at(2026, 1, 15), Tz::UTC);
    assert_eq!(
        (m.start, m.end, pm.start),
        (at(2026, 1, 1) - chrono::Duration::hours(12), at(2026, 2, 1) - chrono::Duration::hours(12), at(2025, 12, 1) - chrono::Duration::hours(12))
    );
    let (y, py) = PeriodKind::Year.window(at(2026, 7, 1), Tz::UTC);
    assert_eq!((y.start.format("%F").to_string(), py.start.format("%F").to_string()), ("2026-01-01".into(), "2025-01-01".into()));
}

#[test]
fn most_improved_ranks_validated_wins_gained_over_the_previous_period_and_unvalidated_or_reversed_do_not_count() {
    let (a, b) = (PersonId::new(), PersonId::new());
    let mut l = Ledger { facts: vec![] };
    // a: 1 validated win in May, 3 in June (+2); one more June win unvalidated, one reversed.
    l.win(a, at(2026, 5, 10), true);
    for d in [2, 9, 16] {
        l.win(a, at(2026, 6, d), true);
    }
    l.win(a, at(2026, 6, 20), false);
    let r = l.win(a, at(2026, 6, 21), true);
    l.push(a, Some(a), at(2026, 6, 22), FactBody::Reversal { target: r });
    // b: 3 validated in May, 1 in June: fewer, not ranked as improved.
    for d in [3, 4, 5] {
        l.win(b, at(2026, 5, d), true);
    }
    l.win(b, at(2026, 6, 3), true);
    let mut t = Tally::new();
    t.apply(&l.facts);
    let members = HashMap::from([(a, member(None)), (b, member(None))]);
    let s = t.scores(&members, at(2026, 6, 25), Tz::UTC);
    let ai = score(&s, Board::MostImproved, PeriodKind::Month, a).unwrap();
    assert_eq!((ai.value, ai.previous, ai.extra, ai.events.len()), (2, 1, 3, 3));
    assert!(score(&s, Board::MostImproved, PeriodKind::Month, b).is_none());
    let aw = score(&s, Board::Wins, PeriodKind::Month, a).unwrap();
    assert_eq!((aw.value, aw.extra), (3, 4), "3 validated of 4 wins in force");
    assert_eq!(score(&s, Board::Wins, PeriodKind::Quarter, b).unwrap().value, 4);
}

#[test]
fn a_reversed_validation_unvalidates_and_a_leaver_is_not_ranked() {
    let (a, gone) = (PersonId::new(), PersonId::new());
    let mut l = Ledger { facts: vec![] };
    let w = l.win(a, at(2026, 6, 2), false);
    let v = l.push(a, None, at(2026, 6, 2), FactBody::Validation { target: w });
    l.push(a, None, at(2026, 6, 3), FactBody::Reversal { target: v });
    l.win(gone, at(2026, 6, 2), true);
    let mut t = Tally::new();
    t.apply(&l.facts);
    let members = HashMap::from([(a, member(None)), (gone, Member { ranked: false, ..member(None) })]);
    let s = t.scores(&members, at(2026, 6, 25), Tz::UTC);
    assert!(score(&s, Board::Wins, PeriodKind::Month, a).is_none());
    assert!(s.iter().all(|x| x.person != gone));
}

#[test]
fn a_streak_is_the_longest_run_of_consecutive_weeks_with_a_win_and_lists_its_wins() {
    let a = PersonId::new();
    let mut l = Ledger { facts: vec![] };
    // Weeks of 2026-06-01 (Mon): 1, 8, 15 in a row, a gap, then 29.
    let run: Vec<EventId> = [1, 8, 15].into_iter().map(|d| l.win(a, at(2026, 6, d + 1), false)).collect();
    l.win(a, at(2026, 6, 29), false);
    let mut t = Tally::new();
    t.apply(&l.facts);
    let s = t.scores(&HashMap::from([(a, member(None))]), at(2026, 6, 30), Tz::UTC);
    let st = score(&s, Board::Streaks, PeriodKind::Month, a).unwrap();
    assert_eq!((st.value, st.extra), (3, 4));
    let mut got = st.events.clone();
    got.sort();
    let mut want = run;
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn breadth_counts_distinct_receivers_and_those_outside_the_givers_team() {
    let (boss, a, peer, other_boss, far) = (PersonId::new(), PersonId::new(), PersonId::new(), PersonId::new(), PersonId::new());
    let mut l = Ledger { facts: vec![] };
    l.gift(a, peer, at(2026, 6, 2));
    l.gift(a, peer, at(2026, 6, 3)); // repetition adds nothing
    l.gift(a, boss, at(2026, 6, 4)); // own manager: same team
    l.gift(a, far, at(2026, 6, 5));
    let r = l.gift(a, other_boss, at(2026, 6, 6));
    l.push(other_boss, Some(a), at(2026, 6, 7), FactBody::Reversal { target: r });
    let members =
        HashMap::from([(boss, member(None)), (a, member(Some(boss))), (peer, member(Some(boss))), (other_boss, member(None)), (far, member(Some(other_boss)))]);
    let mut t = Tally::new();
    t.apply(&l.facts);
    let s = t.scores(&members, at(2026, 6, 30), Tz::UTC);
    let b = score(&s, Board::Breadth, PeriodKind::Month, a).unwrap();
    assert_eq!((b.value, b.extra, b.events.len()), (3, 1, 4));
    assert_eq!(b.manager, Some(boss));
}

#[test]
fn folding_in_chunks_equals_folding_at_once_and_pruning_keeps_what_boards_count() {
    let (a, b) = (PersonId::new(), PersonId::new());
    let mut l = Ledger { facts: vec![] };
    l.win(a, at(2024, 3, 1), true); // before the previous year: pruned
    for d in 1..=20 {
        l.win(a, at(2026, 5, d), d % 2 == 0);
        l.gift(a, b, at(2026, 6, d));
    }
    let members = HashMap::from([(a, member(None)), (b, member(None))]);
    let now = at(2026, 6, 25);
    let mut once = Tally::new();
    once.apply(&l.facts);
    let mut chunks = Tally::new();
    for c in l.facts.chunks(7) {
        chunks.apply(c);
    }
    chunks.prune(horizon(now, Tz::UTC));
    assert_eq!(chunks.len(), once.len() - 1);
    assert_eq!(once.scores(&members, now, Tz::UTC), chunks.scores(&members, now, Tz::UTC));
    assert_eq!(chunks.cursor, l.facts.len() as i64);
}

#[test]
fn teams_boards_and_periods_parse_and_name_the_field() {
    assert_eq!(Team::parse("team", "all").unwrap(), Team::All);
    assert_eq!(Team::parse("team", "department:Sales ").unwrap(), Team::Department("Sales".into()));
    let id = PersonId::new();
    assert_eq!(Team::parse("team", &format!("manager:{id}")).unwrap(), Team::Manager(id));
    assert_eq!(Team::parse("team", "manager:x").unwrap_err().errors[0].field, "team");
    assert!(Team::parse("team", "squad:x").is_err());
    assert_eq!(Board::parse("board", "most-improved").unwrap(), Board::MostImproved);
    assert!(Board::parse("board", "popularity").is_err());
    assert_eq!(PeriodKind::parse("period", "quarter").unwrap(), PeriodKind::Quarter);
    for t in [Team::All, Team::Department("R&D".into()), Team::Manager(id)] {
        assert_eq!(Team::parse("team", &t.to_string()).unwrap(), t);
    }
}
