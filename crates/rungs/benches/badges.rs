//! Badge evaluation benchmark (issue 12; PRODUCT.md: a badge rule over 10,000 people
//! and 1 M events, cold ≤ 1 s, incremental after 20,000 more events ≤ 0.2 s).
//!
//! The workload, generated deterministically from `--seed` (ChaCha8): `--people`
//! people hired a year before `now`, then `--events` events in total (hires included)
//! spread over that year, in time order, about a person drawn at random — a third of
//! the events about the most active tenth of the people, the rest about anyone: 60 %
//! wins (a third of them skill, the rest uniform over the other seven categories;
//! nano or micro), 25 % validations of one of the person's three latest wins, 12 %
//! recognition from a random colleague (1–20 points), 3 % reversals of the latest
//! win. One rule: "at least 5 validated skill wins in the last 90
//! days" (`count: {category: skill, validated: true, within_days: 90, at_least: 5}`).
//!
//! Measured, on a SQLite file (`--db`, generated unless it holds the organization):
//! * `cold`: a fresh `rungs_app::badges::Evaluator` run — read every fact of the
//!   ledger, fold, judge everyone, append every award (each a keyed ledger event);
//! * `incremental`: `--more` (20,000) events appended in the last day, then a run of the
//!   same evaluator: read only the new events, judge only who they touched, award;
//! * `naive re-scan` (the baseline): a fresh evaluator over the whole grown ledger,
//!   which is what re-checking everything on each run costs; it also checks that the
//!   incremental state agrees (nothing left for it to award).
//!
//! Run: `cargo bench -p rungs --bench badges -- [--people 10000] [--events 1000000]
//! [--more 20000] [--seed 7] [--db PATH]`.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rungs_core::event::{Category, EventBody, Hired, Magnitude, MicroProgression, NewEvent, Recognition, Reversal, Validation, ValidatorRole};
use rungs_core::person::{Organization, Position};
use rungs_core::store::{AppendBatch, Store};
use rungs_core::{EventId, OrgId, PersonId};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

const RULE: &str = r#"{"key": "skill-burst-5", "name": "Skill-Burst",
  "rule": {"count": {"category": "skill", "validated": true, "within_days": 90, "at_least": 5}}}"#;

struct Gen {
    rng: ChaCha8Rng,
    org: OrgId,
    people: Vec<PersonId>,
    /// Each person's wins so far (validation and reversal targets).
    wins: Vec<Vec<EventId>>,
}

impl Gen {
    /// A third of the events are about the most active tenth of the people.
    fn who(&mut self) -> usize {
        let n = self.people.len();
        if self.rng.gen_bool(1.0 / 3.0) { self.rng.gen_range(0..n.div_ceil(10)) } else { self.rng.gen_range(0..n) }
    }

    fn event(&mut self, who: usize, at: DateTime<Utc>) -> NewEvent {
        let subject = self.people[who];
        let roll = self.rng.gen_range(0..100);
        let mut actor = None;
        let body = if roll < 60 || self.wins[who].is_empty() {
            let category = if self.rng.gen_bool(1.0 / 3.0) { Category::Skill } else { Category::ALL[self.rng.gen_range(1..8)] };
            let magnitude = if self.rng.gen_bool(0.5) { Magnitude::Nano } else { Magnitude::Micro };
            EventBody::MicroProgression(MicroProgression { category, magnitude, title: "a win".into(), description: None })
        } else if roll < 85 {
            let n = self.wins[who].len();
            let t = self.wins[who][self.rng.gen_range(n.saturating_sub(3)..n)];
            EventBody::Validation(Validation { target: t, role: ValidatorRole::Peer, note: None })
        } else if roll < 97 {
            actor = Some(self.people[self.rng.gen_range(0..self.people.len())]).filter(|a| *a != subject);
            EventBody::Recognition(Recognition::new("thanks", self.rng.gen_range(1..=20)))
        } else {
            // Reverse the latest win (a win is reversed at most once: it leaves the list).
            let t = self.wins[who].pop().unwrap_or_default();
            EventBody::Reversal(Reversal { target: t, reason: "recorded twice".into() })
        };
        let id = EventId::new();
        if matches!(body, EventBody::MicroProgression(_)) {
            self.wins[who].push(id);
        }
        NewEvent { id, org_id: self.org, subject, actor, occurred_at: at, recorded_at: at, body, competencies: vec![], evidence: vec![], idempotency_key: None }
    }
}

async fn append_all(store: &dyn Store, org: OrgId, events: Vec<NewEvent>) {
    for chunk in events.chunks(10_000) {
        store.append(AppendBatch { org_id: org, events: chunk.to_vec(), claim: None }).await.expect("append");
    }
}

#[tokio::main]
async fn main() {
    let (people, events, more, seed) =
        (arg("--people", 10_000) as usize, arg("--events", 1_000_000) as usize, arg("--more", 20_000) as usize, arg("--seed", 7));
    let dir = tempfile::tempdir().unwrap();
    let path = arg_str("--db").unwrap_or_else(|| dir.path().join("badges.db").to_string_lossy().into_owned());
    let store = rungs_store::open(&path).await.expect("open");
    let now = Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0).unwrap();
    let start = now - Duration::days(365);
    let mut g = Gen { rng: ChaCha8Rng::seed_from_u64(seed), org: OrgId::new(), people: vec![], wins: vec![] };

    let org = match store.default_org().await.unwrap() {
        Some(o) => {
            eprintln!("reusing the organization in {path} (delete it to regenerate)");
            o.id
        }
        None => {
            let t = Instant::now();
            let org = Organization { id: g.org, name: "Bench".into(), created_at: start };
            store.create_org(&org).await.unwrap();
            let mut hires = Vec::with_capacity(people);
            for i in 0..people {
                let id = PersonId::new();
                g.people.push(id);
                g.wins.push(vec![]);
                let body = EventBody::Hired(Hired {
                    name: format!("Person {i}"),
                    email: format!("p{i}@bench.example"),
                    manager_id: None,
                    department: None,
                    location: None,
                    position: Position { track: "engineering".into(), level: "e2".into(), title: "Engineer".into() },
                    pay_band: None,
                    sensitive: Default::default(),
                });
                hires.push(NewEvent {
                    id: EventId::new(),
                    org_id: g.org,
                    subject: id,
                    actor: None,
                    occurred_at: start,
                    recorded_at: start,
                    body,
                    competencies: vec![],
                    evidence: vec![],
                    idempotency_key: None,
                });
            }
            append_all(store.as_ref(), g.org, hires).await;
            let rest = events.saturating_sub(people);
            let span = (now - Duration::days(1) - start).num_seconds();
            let mut batch = Vec::with_capacity(10_000);
            for i in 0..rest {
                let at = start + Duration::seconds(1 + span * i as i64 / rest as i64);
                let who = g.who();
                batch.push(g.event(who, at));
                if batch.len() == 10_000 {
                    append_all(store.as_ref(), g.org, std::mem::take(&mut batch)).await;
                }
            }
            append_all(store.as_ref(), g.org, batch).await;
            eprintln!("generated {people} people, {events} events in {:.1} s", t.elapsed().as_secs_f64());
            g.org
        }
    };
    if g.people.is_empty() {
        // Reused: the people, from the store, and no win lists (the extra events are
        // then wins and recognition only).
        g.people = store.all_people(org).await.unwrap().into_iter().map(|p| p.id).collect();
        g.wins = vec![vec![]; g.people.len()];
        g.org = org;
    }
    let admin = rungs_app::Viewer::system(org);
    // The one rule, replacing whatever the file held (a new revision: the next run is cold).
    rungs_app::badges::define(store.as_ref(), &admin, &serde_json::from_str(RULE).unwrap(), now).await.unwrap();

    let ev = rungs_app::badges::Evaluator::new();
    let t = Instant::now();
    let cold = ev.run(store.as_ref(), org, now).await.unwrap();
    let cold_s = t.elapsed().as_secs_f64();
    println!(
        "cold: {:.3} s — {} events read, {} people kept, {} awarded, {} already held",
        cold_s, cold.facts, cold.people_evaluated, cold.awarded, cold.already_held
    );

    // 20,000 more events in the last day.
    let mut extra = Vec::with_capacity(more);
    for i in 0..more {
        let at = now - Duration::days(1) + Duration::seconds(1 + (86_000 * i / more.max(1)) as i64);
        let who = g.who();
        extra.push(g.event(who, at));
    }
    append_all(store.as_ref(), org, extra).await;
    let t = Instant::now();
    let inc = ev.run(store.as_ref(), org, now).await.unwrap();
    let inc_s = t.elapsed().as_secs_f64();
    println!("incremental: {:.3} s — {} events read, {} people judged, {} awarded", inc_s, inc.facts, inc.people_evaluated, inc.awarded);

    let t = Instant::now();
    let naive = rungs_app::badges::Evaluator::new().run(store.as_ref(), org, now).await.unwrap();
    let naive_s = t.elapsed().as_secs_f64();
    println!("naive re-scan (baseline): {:.3} s — {} events read, {} awarded (0 expected: the incremental state agrees)", naive_s, naive.facts, naive.awarded);
    println!(
        "targets: cold ≤ 1 s: {}; incremental ≤ 0.2 s: {}; incremental {:.0}× faster than the re-scan",
        if cold_s <= 1.0 { "met" } else { "NOT met" },
        if inc_s <= 0.2 { "met" } else { "NOT met" },
        naive_s / inc_s.max(1e-9)
    );
    assert_eq!(naive.awarded, 0, "a full re-evaluation found awards the incremental runs missed");
}
