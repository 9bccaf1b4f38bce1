//! Badges end to end over real stores: a crafted sequence of wins earns the expected
//! badge exactly once, with two evaluators (two server instances) running at once, on
//! SQLite and on PostgreSQL with two stores on one database; the rule preview shows
//! what evaluation then awards; a rule change re-judges everyone cold and agrees with
//! the incremental state.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_app::Viewer;
use rungs_app::badges::{self, Evaluator};
use rungs_core::badges::FactBody;
use rungs_core::event::EventInput;
use rungs_core::store::Store;
use rungs_core::{EventId, OrgId, PersonId};
use serde_json::{Value, json};

use crate::support::PgDb;

const SKILL_BURST: &str = r#"{"key": "skill-burst", "name": "Skill-Burst",
  "tiers": {"bronze": {"count": {"category": "skill", "validated": true, "within_days": 90, "at_least": 5}},
            "silver": {"count": {"category": "skill", "validated": true, "within_days": 90, "at_least": 8}}}}"#;

struct Org {
    store: Arc<dyn Store>,
    admin: Viewer,
    people: Vec<PersonId>,
}

async fn org(store: Arc<dyn Store>) -> Org {
    let init = rungs_app::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada").await.unwrap();
    let admin = Viewer::system(init.org.id);
    let mut people = vec![];
    for name in ["Bea", "Cy", "Dee"] {
        let hire = json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()),
            "position": {"track": "engineering", "level": "e2", "title": "Engineer"}});
        people.push(rungs_app::people::create(store.as_ref(), &admin, hire, Some(json!(Utc::now() - Duration::days(60))), None).await.unwrap().id);
    }
    Org { store, admin, people }
}

async fn record(o: &Org, e: Value) -> EventId {
    let input: EventInput = serde_json::from_value(e).unwrap();
    rungs_app::events::record(o.store.as_ref(), &o.admin, vec![input], None).await.unwrap().events[0].id
}

/// `n` validated skill wins for `who`, a day apart ending today.
async fn validated_wins(o: &Org, who: PersonId, n: i64) -> Vec<EventId> {
    let mut ids = vec![];
    for i in 0..n {
        let at = Utc::now() - Duration::days(n - i);
        let w = record(
            o,
            json!({"subject": who, "kind": "micro_progression", "occurred_at": at,
            "payload": {"category": "skill", "magnitude": "micro", "title": format!("skill {i}")}}),
        )
        .await;
        record(o, json!({"subject": who, "kind": "validation", "payload": {"target": w}})).await;
        ids.push(w);
    }
    ids
}

async fn awards(store: &dyn Store, org: OrgId) -> Vec<(PersonId, String, String)> {
    let mut out: Vec<_> = store
        .badge_facts(org, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|f| match f.body {
            FactBody::Award { badge, tier } => Some((f.subject, badge, tier.as_str().to_string())),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

async fn exactly_once_with_two_instances(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let o = org(first).await;
    let org_id = o.admin.org_id;
    badges::define(o.store.as_ref(), &o.admin, &serde_json::from_str(SKILL_BURST).unwrap(), Utc::now()).await.unwrap();
    let (a, b) = (Evaluator::new(), Evaluator::new());
    // Both start cold with nothing to award.
    a.run(o.store.as_ref(), org_id, Utc::now()).await.unwrap();
    b.run(second.as_ref(), org_id, Utc::now()).await.unwrap();
    let four = validated_wins(&o, o.people[0], 4).await;
    let r = a.run(o.store.as_ref(), org_id, Utc::now()).await.unwrap();
    assert_eq!((r.mode.as_str(), r.awarded), ("incremental", 0), "four wins are not five");
    // The fifth, and both instances evaluate at once, several times over.
    let fifth = validated_wins(&o, o.people[0], 1).await;
    for _ in 0..3 {
        let now = Utc::now();
        let (ra, rb) = tokio::join!(a.run(o.store.as_ref(), org_id, now), b.run(second.as_ref(), org_id, now));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(ra.awarded + rb.awarded <= 1);
    }
    assert_eq!(awards(o.store.as_ref(), org_id).await, [(o.people[0], "skill-burst".to_string(), "bronze".to_string())]);
    // The award lists the five wins that earned it.
    let held = badges::held(o.store.as_ref(), &o.admin, o.people[0]).await.unwrap();
    let mut earned: Vec<EventId> = held[0].earned_by.iter().map(|e| e.id).collect();
    let mut want = [four, fifth].concat();
    earned.sort();
    want.sort();
    assert_eq!(earned, want);
    // By hand, the same tier again is a conflict; another tier is fine, once.
    let by_hand = |tier| badges::award_by_hand(o.store.as_ref(), &o.admin, o.people[0], "skill-burst", tier, "stellar quarter", Utc::now());
    assert!(matches!(by_hand(rungs_core::badges::Tier::Bronze).await, Err(rungs_app::AppError::Conflict { .. })));
    by_hand(rungs_core::badges::Tier::Silver).await.unwrap();
    assert!(matches!(by_hand(rungs_core::badges::Tier::Silver).await, Err(rungs_app::AppError::Conflict { .. })));
    assert_eq!(awards(o.store.as_ref(), org_id).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badge_is_earned_exactly_once_by_two_evaluators_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("b.db")).await.unwrap());
    exactly_once_with_two_instances(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badge_is_earned_exactly_once_by_two_instances_on_postgres() {
    let Some(db) = PgDb::new().await else { return };
    let first: Arc<dyn Store> = Arc::new(rungs_store::open_postgres(&db.url).await.unwrap());
    let second: Arc<dyn Store> = Arc::new(rungs_store::open_postgres(&db.url).await.unwrap());
    exactly_once_with_two_instances(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_is_what_evaluation_awards_and_a_rule_change_agrees_with_the_incremental_state() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("p.db")).await.unwrap());
    let o = org(store).await;
    let org_id = o.admin.org_id;
    validated_wins(&o, o.people[0], 6).await;
    validated_wins(&o, o.people[1], 9).await;
    validated_wins(&o, o.people[2], 3).await;
    let def: Value = serde_json::from_str(SKILL_BURST).unwrap();
    let preview = badges::preview(o.store.as_ref(), &o.admin, &def, Utc::now()).await.unwrap();
    let mut shown: Vec<_> = preview.entries.iter().map(|e| (e.person, "skill-burst".to_string(), e.tier.as_str().to_string())).collect();
    shown.sort();
    assert_eq!(shown.len(), 3, "Bea bronze, Cy bronze and silver: {shown:?}");
    badges::define(o.store.as_ref(), &o.admin, &def, Utc::now()).await.unwrap();
    let ev = Evaluator::new();
    let r = ev.run(o.store.as_ref(), org_id, Utc::now()).await.unwrap();
    assert_eq!((r.mode.as_str(), r.awarded), ("cold", 3));
    assert_eq!(awards(o.store.as_ref(), org_id).await, shown, "the preview showed exactly what was awarded");
    // The preview now shows them held, nothing more to award.
    assert_eq!(badges::preview(o.store.as_ref(), &o.admin, &def, Utc::now()).await.unwrap().would_award, 0);

    // Incremental: Dee's next wins earn bronze.
    validated_wins(&o, o.people[2], 2).await;
    let r = ev.run(o.store.as_ref(), org_id, Utc::now()).await.unwrap();
    assert_eq!((r.mode.as_str(), r.awarded, r.people_evaluated), ("incremental", 1, 1));
    // A cold evaluator (another instance starting) agrees: nothing left to award.
    let r = Evaluator::new().run(o.store.as_ref(), org_id, Utc::now()).await.unwrap();
    assert_eq!((r.mode.as_str(), r.awarded, r.already_held), ("cold", 0, 0));
    // The rule changes (silver at 6): the next run is cold and awards Bea's silver.
    let mut changed = def.clone();
    changed["tiers"]["silver"]["count"]["at_least"] = json!(6);
    badges::define(o.store.as_ref(), &o.admin, &changed, Utc::now()).await.unwrap();
    let r = ev.run(o.store.as_ref(), org_id, Utc::now()).await.unwrap();
    assert_eq!((r.mode.as_str(), r.awarded), ("cold", 1));
    assert!(awards(o.store.as_ref(), org_id).await.contains(&(o.people[0], "skill-burst".to_string(), "silver".to_string())));
}

#[tokio::test]
async fn a_bad_rule_is_refused_with_its_position_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("v.db")).await.unwrap());
    let o = org(store).await;
    let bad = json!({"key": "x", "name": "X", "tiers": {"gold": {"all": [{"count": {"at_least": 1}}, {"streak": {"weeks": 0}}]}}});
    let Err(rungs_app::AppError::Invalid(e)) = badges::define(o.store.as_ref(), &o.admin, &bad, Utc::now()).await else { panic!("accepted") };
    assert_eq!(e.errors[0].field, "tiers.gold.all[1].streak.weeks");
    assert!(o.store.badges(o.admin.org_id).await.unwrap().is_empty());
    // And an employee may not define badges at all.
    let me = Viewer { person_id: Some(o.people[0]), role: rungs_core::person::Role::Employee, ..o.admin.clone() };
    let good: Value = serde_json::from_str(SKILL_BURST).unwrap();
    assert!(matches!(badges::define(o.store.as_ref(), &me, &good, Utc::now()).await, Err(rungs_app::AppError::Forbidden(_))));
}
