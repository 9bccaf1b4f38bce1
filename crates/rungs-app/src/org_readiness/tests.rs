//! The brief answer for many people must be the full answer's score and first gap:
//! checked on random ledgers against `readiness` + `recommend`, in memory and through
//! both read paths of a real store.

use chrono::{Duration, TimeZone};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rungs_core::event::*;
use rungs_core::person::Position;
use rungs_core::readiness::{readiness, recommend};
use rungs_core::store::AppendBatch;
use rungs_core::{EventId, OrgId};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0).unwrap()
}

fn event(org: OrgId, subject: PersonId, at: DateTime<Utc>, body: EventBody, competencies: Vec<String>) -> NewEvent {
    NewEvent {
        id: EventId::new(),
        org_id: org,
        subject,
        actor: None,
        occurred_at: at,
        recorded_at: at,
        body,
        competencies,
        evidence: vec![],
        idempotency_key: None,
    }
}

/// A random person of `fw` and their ledger: wins of any category and competency
/// (sometimes one the framework does not know, sometimes after `now`), validations,
/// reversals of wins, validations and completions, recorded completions.
fn random_ledger(rng: &mut StdRng, fw: &Framework, org: OrgId, i: usize, manager: Option<PersonId>) -> (Position, Vec<NewEvent>) {
    let track = fw.tracks.choose(rng).unwrap();
    let level = track.levels.choose(rng).unwrap();
    let position = Position { track: track.key.clone(), level: level.key.clone(), title: level.title.clone() };
    let subject = PersonId::new();
    let hire = Hired {
        name: format!("Person {i}"),
        email: format!("p{i}@example.com"),
        manager_id: manager,
        department: None,
        location: None,
        position: position.clone(),
        pay_band: None,
        sensitive: Default::default(),
    };
    let mut out = vec![event(org, subject, now() - Duration::days(1500), EventBody::Hired(hire), vec![])];
    let mut undo = vec![];
    for _ in 0..rng.gen_range(0..40) {
        let at = now() - Duration::days(rng.gen_range(-3..900)) + Duration::minutes(rng.gen_range(0..1440));
        let how_many = rng.gen_range(1..=3);
        let mut comps: Vec<String> = fw.competencies.choose_multiple(rng, how_many).map(|c| c.key.clone()).collect();
        if rng.gen_bool(0.05) {
            comps.push("not-in-the-framework".into());
        }
        comps.sort();
        let category = *Category::ALL.choose(rng).unwrap();
        let win = event(
            org,
            subject,
            at,
            EventBody::MicroProgression(MicroProgression { category, magnitude: Magnitude::Nano, title: "w".into(), description: None }),
            comps,
        );
        let win_id = win.id;
        out.push(win);
        if rng.gen_bool(0.5) {
            let v = event(
                org,
                subject,
                at + Duration::hours(2),
                EventBody::Validation(Validation { target: win_id, role: ValidatorRole::Manager, note: None }),
                vec![],
            );
            if rng.gen_bool(0.08) {
                undo.push(v.id);
            }
            out.push(v);
        }
        if rng.gen_bool(0.06) {
            undo.push(win_id);
        }
    }
    for m in fw.milestones.iter().filter(|m| m.track == position.track) {
        if rng.gen_bool(0.3) {
            let body = EventBody::MilestoneCompleted(MilestoneCompleted {
                milestone: m.key.clone(),
                track: m.track.clone(),
                to_level: m.to_level.clone(),
                title: m.title.clone(),
                framework_version: Some(1),
                counted: vec![],
            });
            let e = event(org, subject, now() - Duration::days(rng.gen_range(0..400)), body, m.competencies.clone());
            if rng.gen_bool(0.2) {
                undo.push(e.id);
            }
            out.push(e);
        }
    }
    for target in undo {
        out.push(event(org, subject, now() - Duration::days(1), EventBody::Reversal(Reversal { target, reason: "mistake".into() }), vec![]));
    }
    (position, out)
}

fn as_events(new: &[NewEvent]) -> Vec<Event> {
    new.iter().cloned().enumerate().map(|(i, e)| e.into_event(i as i64 + 1)).collect()
}

/// The full answer, brought down to a summary.
fn full(fw: &Framework, position: &Position, events: &[Event]) -> Summary {
    let r = readiness(fw, position, events, now());
    let top = recommend(&r).into_iter().next().map(|g| {
        let c = r.competencies.iter().find(|c| c.competency == g.competency).unwrap();
        rungs_core::readiness::org::Gap { competency: g.competency, name: g.name, coverage: g.coverage, gain: g.gain, missing: c.missing.clone().unwrap() }
    });
    Summary { next_level: r.next_level, next_title: r.next_title, score: r.score, checkable: r.checkable, top_gap: top }
}

#[test]
fn the_brief_answer_equals_the_full_answer_on_random_ledgers() {
    let fw = crate::org::starter_framework();
    let mut rng = StdRng::seed_from_u64(6);
    let org = OrgId::new();
    let (mut scores, mut gaps) = (std::collections::BTreeSet::new(), 0);
    for i in 0..600 {
        let (position, new) = random_ledger(&mut rng, &fw, org, i, None);
        let events = as_events(&new);
        let mut acc = OrgReadiness::new(&fw);
        for e in &events {
            acc.add_event(e);
        }
        let expected = full(&fw, &position, &events);
        assert_eq!(acc.summary(new[0].subject, &position, now()), expected, "person {i} at {position:?}");
        scores.insert(expected.score);
        gaps += usize::from(expected.top_gap.is_some());
    }
    // The cases are not all alike: many different scores, and most people have a gap.
    assert!(scores.len() > 20 && gaps > 300, "{} scores, {gaps} gaps", scores.len());
}

#[tokio::test]
async fn the_organization_scan_and_the_per_person_reads_give_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = rungs_store::open_sqlite(&dir.path().join("r.db")).await.unwrap();
    let init = crate::org::init(&store, "Acme", "ada@example.com", "Ada").await.unwrap();
    let fw = store.framework(init.org.id).await.unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    // Everyone reports to the admin, so a manager's list takes the bulk path too.
    let mut batch = vec![];
    for i in 0..BULK_FROM + 20 {
        batch.extend(random_ledger(&mut rng, &fw, init.org.id, i, Some(init.admin.id)).1);
    }
    store.append(AppendBatch { org_id: init.org.id, events: batch, claim: None }).await.unwrap();
    let people: Vec<Person> = store.all_people(init.org.id).await.unwrap();
    assert!(people.len() > BULK_FROM);
    let bulk = summaries(&store, init.org.id, fw.clone(), &people, now()).await.unwrap();
    for (p, s) in people.iter().zip(&bulk) {
        let events = store.subject_events(init.org.id, p.id).await.unwrap();
        assert_eq!(s, &full(&fw, &p.position, &events), "{}", p.name);
    }
    let few = summaries(&store, init.org.id, fw.clone(), &people[..20], now()).await.unwrap();
    assert_eq!(few, bulk[..20]);

    // The admin as a manager sees exactly their reports (everyone but themself).
    let viewer = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Manager, token_id: None };
    let mine = list(&store, &viewer, now()).await.unwrap();
    assert_eq!(mine.people.len(), people.len() - 1);
    assert!(mine.people.iter().all(|p| p.person_id != init.admin.id && p.manager_id == Some(init.admin.id)));
    let by_id: std::collections::HashMap<_, _> = people.iter().map(|p| p.id).zip(&bulk).collect();
    assert!(mine.people.iter().all(|p| &p.readiness == by_id[&p.person_id]));
}
