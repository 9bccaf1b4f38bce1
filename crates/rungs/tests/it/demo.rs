//! The demo organization looks like a real one on the progress pages: readiness spread
//! from low to nearly ready, and the employee login midway with a clear top gap.

use chrono::{Months, Utc};
use rungs_core::event::EventKind;
use rungs_core::person::PersonStatus;
use rungs_core::readiness::{readiness, recommend};
use rungs_core::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_spreads_readiness_and_its_employee_login_is_midway_with_a_next_step() {
    let dir = crate::support::tempdir();
    let store = rungs_store::open_sqlite(&dir.path().join("demo.db")).await.unwrap();
    // The default demo (300 people, seed 42); its history ends at midnight today, and
    // the logins are picked now.
    let end = rungs::demo::generator::today();
    let truths = rungs::demo::generate(&store, 300, 42, end).await.unwrap();
    let org = store.default_org().await.unwrap().unwrap();
    let fw = store.framework(org.id).await.unwrap();
    let active: Vec<_> = store.all_people(org.id).await.unwrap().into_iter().filter(|p| p.status == PersonStatus::Active).collect();
    let summaries = rungs_app::org_readiness::summaries(&store, org.id, fw.clone(), &active, end).await.unwrap();
    let scores: Vec<u8> = summaries.iter().filter(|s| s.next_level.is_some()).map(|s| s.score).collect();
    let share = |f: &dyn Fn(u8) -> bool| scores.iter().filter(|s| f(**s)).count() as f64 / scores.len() as f64;
    let (low, mid, near) = (share(&|s| s < 25), share(&|s| (25..70).contains(&s)), share(&|s| s >= 70));
    println!("{} people with a next level: low {low:.2}, mid {mid:.2}, near-ready {near:.2}", scores.len());
    assert!(low >= 0.1 && mid >= 0.4 && near >= 0.05, "low {low:.2}, mid {mid:.2}, near-ready {near:.2}");

    let [(_, employee), ..] = rungs::demo::pick_logins(&store, org.id).await.unwrap();
    let events = store.subject_events(org.id, employee.id).await.unwrap();
    // The login is picked now, after `end`: judge it now too.
    let r = readiness(&fw, &employee.position, &events, Utc::now());
    let recs = recommend(&r);
    println!(
        "employee {} at {}: {} toward {:?}; gaps {:?}",
        employee.name,
        employee.position.level,
        r.score,
        r.next_title,
        recs.iter().map(|g| (&g.competency, g.gain)).collect::<Vec<_>>()
    );
    assert!((30..=70).contains(&r.score), "the employee login is midway: {}", r.score);
    // The top gap says what to do next, concretely.
    let top = recs.first().expect("a midway score has open gaps");
    assert!(top.steps.iter().any(|s| s.starts_with("Log ") || s.starts_with("Complete the milestone")), "{top:?}");

    // The hidden truths (docs/DEMO.md) still hold with wins aimed at the next level:
    // stallers win far less after their stall date; nobody is promoted in the window
    // without a win in the year before.
    let all = store.all_people(org.id).await.unwrap();
    let (mut staller_wins, mut staller_months, mut other_wins, mut other_months) = (0.0, 0.0, 0.0, 0.0);
    for p in &all {
        let events = store.subject_events(org.id, p.id).await.unwrap();
        let wins: Vec<_> = events.iter().filter(|e| e.kind() == EventKind::MicroProgression).map(|e| e.occurred_at).collect();
        // (The exact rule, wins in the 12 months before the month, is checked in truths.rs;
        // promotions before the window are starting state, not the simulation's.)
        for e in events.iter().filter(|e| e.kind() == EventKind::Promotion && e.occurred_at >= truths.history_start) {
            assert!(wins.iter().any(|w| *w < e.occurred_at && *w >= e.occurred_at - Months::new(13)), "{} promoted without recent wins", p.name);
        }
        let until = p.ended_at.unwrap_or(end);
        match truths.stallers.iter().find(|(id, _)| *id == p.id) {
            Some((_, from)) if *from < until => {
                staller_wins += wins.iter().filter(|w| **w >= *from).count() as f64;
                staller_months += (until - *from).num_days() as f64 / 30.44;
            }
            _ if p.position.track != "management" => {
                let from = p.hired_at.max(truths.history_start);
                other_wins += wins.iter().filter(|w| **w >= from).count() as f64;
                other_months += (until - from).num_days().max(0) as f64 / 30.44;
            }
            _ => {}
        }
    }
    let (staller_rate, other_rate) = (staller_wins / staller_months, other_wins / other_months);
    assert!(staller_rate < 0.25 * other_rate, "stallers {staller_rate:.3}/month vs {other_rate:.3}/month");
}
