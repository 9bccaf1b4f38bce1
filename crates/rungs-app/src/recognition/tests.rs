use std::sync::Arc;

use rungs_core::event::EventKind;
use rungs_core::person::Role;
use serde_json::json;

use super::*;
use crate::people;

struct Org {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    admin: Viewer,
    boss: PersonId,
    ada: PersonId,
    bob: PersonId,
    eve: PersonId,
}

fn viewer(org: &Org, p: PersonId, role: Role) -> Viewer {
    Viewer { org_id: org.admin.org_id, person_id: Some(p), role, token_id: None }
}

async fn setup() -> Org {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("a.db")).await.unwrap());
    let init = crate::org::init(store.as_ref(), "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let hire = |name: &str, manager: Option<PersonId>| {
        json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "manager_id": manager,
               "position": {"track": "engineering", "level": "e2", "title": "Engineer"}})
    };
    let s = store.as_ref();
    let boss = people::create(s, &admin, hire("Boss", None), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let ada = people::create(s, &admin, hire("Ada", Some(boss)), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let bob = people::create(s, &admin, hire("Bob", None), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    let eve = people::create(s, &admin, hire("Eve", None), Some(json!("2024-01-01T00:00:00Z")), None).await.unwrap().id;
    Org { _dir: dir, store, admin, boss, ada, bob, eve }
}

fn gift(to: Vec<PersonId>, points: u32) -> GiftInput {
    GiftInput { to, message: "Great release!".into(), points, tags: vec!["teamwork".into()], competencies: vec![], public: true }
}

#[tokio::test]
async fn giving_to_several_people_moves_points_at_once_and_the_allowance_holds() {
    let o = setup().await;
    let s = o.store.as_ref();
    let ada = viewer(&o, o.ada, Role::Employee);
    let g = give(s, &ada, gift(vec![o.bob, o.eve], 30), None, Utc::now()).await.unwrap();
    assert_eq!(g.events.len(), 2);
    assert!(g.events.iter().all(|e| e.kind() == EventKind::Recognition && e.actor == Some(o.ada)));
    assert_eq!((g.balance.allowance, g.balance.given, g.balance.left), (100, 60, 40));
    let EventBody::Recognition(r) = &g.events[0].body else { panic!() };
    assert_eq!(r.tags, ["teamwork"]);
    assert_eq!(r.allowance.map(|a| a.points), Some(100), "the server stamps the allowance");

    let bob = balance(s, &viewer(&o, o.bob, Role::Employee), None, Utc::now()).await.unwrap();
    assert_eq!((bob.received_total.points, bob.received_this_period.count, bob.given), (30, 1, 0));

    // 45 more is more than the 40 left: refused, naming the field.
    let err = give(s, &ada, gift(vec![o.boss], 45), None, Utc::now()).await.unwrap_err();
    let AppError::Invalid(v) = err else { panic!("{err:?}") };
    assert_eq!(v.errors[0].field, "points", "{v:?}");
    assert!(v.errors[0].reason.contains("40 of 100"), "{v:?}");
    assert_eq!(balance(s, &ada, None, Utc::now()).await.unwrap().given, 60);

    // The cap per receiver (50): Bob has 30 from Ada.
    let err = give(s, &ada, gift(vec![o.bob], 25), None, Utc::now()).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].reason.contains("one giver may give one person")), "{err:?}");

    // A reversal returns the points.
    let undo = EventInput {
        subject: json!(o.bob),
        kind: json!("reversal"),
        payload: json!({"target": g.events[0].id, "reason": "sent twice"}),
        ..EventInput::default()
    };
    events::record(s, &ada, vec![undo], None).await.unwrap();
    assert_eq!(balance(s, &ada, None, Utc::now()).await.unwrap().left, 70);
}

#[tokio::test]
async fn self_recognition_bad_tags_and_unknown_people_are_refused() {
    let o = setup().await;
    let s = o.store.as_ref();
    let ada = viewer(&o, o.ada, Role::Employee);
    let err = give(s, &ada, gift(vec![o.bob, o.ada], 1), None, Utc::now()).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "to[1]"), "{err:?}");
    let err = give(s, &o.admin, gift(vec![o.admin.person_id.unwrap()], 1), None, Utc::now()).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "to[0]"), "the people team neither: {err:?}");
    let mut bad = gift(vec![o.bob], 1);
    bad.tags = vec!["greed".into()];
    let err = give(s, &ada, bad, None, Utc::now()).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "tags[0]"), "{err:?}");
    let err = give(s, &ada, gift(vec![o.bob, PersonId::new()], 1), None, Utc::now()).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "to[1]"), "{err:?}");
    // Through the generic event path too: the allowance is stamped, not taken.
    let sneaky = EventInput {
        subject: json!(o.bob),
        kind: json!("recognition"),
        payload: json!({"message": "hi", "points": 500, "allowance": {"period_start": "2000-01-01T00:00:00Z", "period_end": "2100-01-01T00:00:00Z", "points": 100000, "pair_cap": 100000}}),
        ..EventInput::default()
    };
    let err = events::record(s, &ada, vec![sneaky], None).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "payload.points"), "{err:?}");
}

#[tokio::test]
async fn private_recognition_is_seen_by_whom_the_table_says() {
    let o = setup().await;
    let s = o.store.as_ref();
    let eve = viewer(&o, o.eve, Role::Employee);
    give(s, &eve, gift(vec![o.bob], 5), None, Utc::now()).await.unwrap();
    let mut private = gift(vec![o.ada], 5);
    private.public = false;
    give(s, &eve, private, None, Utc::now()).await.unwrap();
    let cases = [
        (viewer(&o, o.eve, Role::Employee), 2, "the giver"),
        (viewer(&o, o.ada, Role::Employee), 2, "the receiver"),
        (viewer(&o, o.boss, Role::Manager), 2, "the receiver's manager"),
        (viewer(&o, o.boss, Role::Employee), 1, "not with an employee token"),
        (viewer(&o, o.bob, Role::Employee), 1, "a peer sees the public one only"),
        (o.admin.clone(), 2, "the people team"),
    ];
    for (v, want, who) in cases {
        assert_eq!(feed(s, &v, None, None, None).await.unwrap().items.len(), want, "{who}");
    }

    let one = feed(s, &o.admin, None, Some(1), None).await.unwrap();
    assert_eq!(one.items.len(), 1);
    let two = feed(s, &o.admin, one.next_cursor.as_deref(), Some(1), None).await.unwrap();
    assert_ne!(two.items[0].event.id, one.items[0].event.id);
    assert!(matches!(feed(s, &o.admin, Some("nope"), None, None).await, Err(AppError::Invalid(_))));
}

#[tokio::test]
async fn the_collusion_report_and_the_policy_are_the_people_teams() {
    let o = setup().await;
    let s = o.store.as_ref();
    let ada = viewer(&o, o.ada, Role::Employee);
    assert!(matches!(collusion(s, &ada, None, Utc::now()).await, Err(AppError::Forbidden(_))));
    assert!(matches!(set_policy(s, &ada, Policy::default()).await, Err(AppError::Forbidden(_))));
    let r = collusion(s, &o.admin, Some(30), Utc::now()).await.unwrap();
    assert!(r.flags.is_empty());
    let bad = Policy { reset_day: 40, ..Policy::default() };
    assert!(matches!(set_policy(s, &o.admin, bad).await, Err(AppError::Invalid(v)) if v.errors[0].field == "reset_day"));
    let p = Policy { allowance: rungs_core::recognition::RoleAllowances { employee: 10, manager: 20, admin: 30 }, ..Policy::default() };
    set_policy(s, &o.admin, p).await.unwrap();
    assert_eq!(balance(s, &ada, None, Utc::now()).await.unwrap().allowance, 10);
    let err = give(s, &ada, gift(vec![o.bob], 11), None, Utc::now()).await.unwrap_err();
    assert!(matches!(&err, AppError::Invalid(v) if v.errors[0].field == "points"), "{err:?}");
}
