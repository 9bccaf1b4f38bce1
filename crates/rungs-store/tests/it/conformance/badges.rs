//! Badges: definitions saved and replaced with a new revision each time; the facts
//! badge rules read, in ledger order, a chunk at a time, only this organization's;
//! and a tier awarded once, whoever races for it.

use std::sync::Arc;

use rungs_core::badges::{BadgeFact, FactBody, Tier, award_key, parse_badge};
use rungs_core::event::{BadgeAwarded, EventBody, Recognition, Validation, ValidatorRole};
use rungs_core::store::Store;
use serde_json::json;

use crate::support::*;

pub async fn badges_round_trip_and_each_save_is_a_new_revision(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let a = parse_badge(&json!({"key": "burst", "name": "Burst", "rule": {"count": {"category": "skill", "at_least": 5}}})).unwrap();
    let b = parse_badge(&json!({"key": "anchor", "name": "Anchor", "tiers": {"gold": {"milestone": {}}}})).unwrap();
    assert_eq!(store.save_badge(org, &a, day(1)).await.unwrap(), 1);
    assert_eq!(store.save_badge(org, &b, day(2)).await.unwrap(), 2);
    let edited = parse_badge(&json!({"key": "burst", "name": "Burst!", "rule": {"count": {"category": "skill", "at_least": 6}}})).unwrap();
    assert_eq!(store.save_badge(org, &edited, day(3)).await.unwrap(), 3);
    let saved = store.badges(org).await.unwrap();
    assert_eq!(saved.iter().map(|s| (s.def.clone(), s.revision, s.updated_at)).collect::<Vec<_>>(), [(b, 2, day(2)), (edited, 3, day(3))]);
    assert!(store.badges(new_org(&store).await).await.unwrap().is_empty());
    assert!(matches!(store.save_badge(rungs_core::OrgId::new(), &a, day(1)).await, Err(rungs_core::store::StoreError::NotFound)));
}

fn award(badge: &str, tier: Tier) -> EventBody {
    EventBody::BadgeAwarded(BadgeAwarded { badge: badge.into(), tier, name: "B".into(), earned_by: vec![], reason: None, by_hand: false })
}

pub async fn badge_facts_are_the_rule_events_in_ledger_order(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let (ada, bob) = (hire(&store, org, "Ada").await, hire(&store, org, "Bob").await);
    let mut w = event(org, ada, day(2), win("Shipped"));
    w.competencies = vec!["delivery".into()];
    let w = append1(&store, w).await;
    let v = append1(&store, event(org, ada, day(3), EventBody::Validation(Validation { target: w.id, role: ValidatorRole::Peer, note: None }))).await;
    append1(&store, event(org, bob, day(3), promotion("e3"))).await;
    let mut r = event(org, ada, day(4), EventBody::Recognition(Recognition::new("thanks", 25)));
    r.actor = Some(bob);
    r.competencies = vec!["delivery".into()];
    let r = append1(&store, r).await;
    let rev = append1(&store, event(org, ada, day(5), reversal(v.id))).await;
    let mut a = event(org, ada, day(6), award("burst", Tier::Silver));
    a.idempotency_key = Some(award_key(ada, "burst", Tier::Silver));
    let a = append1(&store, a).await;
    let other = new_org(&store).await;
    let carl = hire(&store, other, "Carl").await;
    append1(&store, event(other, carl, day(2), win("Elsewhere"))).await;

    let f = |e: &rungs_core::event::Event, body: FactBody| BadgeFact {
        seq: e.seq,
        id: e.id,
        subject: e.subject,
        actor: e.actor,
        occurred_at: e.occurred_at,
        recorded_at: e.recorded_at,
        body,
    };
    let expected = vec![
        f(
            &w,
            FactBody::Win {
                category: rungs_core::event::Category::Skill,
                magnitude: rungs_core::event::Magnitude::Micro,
                competencies: vec!["delivery".into()],
            },
        ),
        f(&v, FactBody::Validation { target: w.id }),
        f(&r, FactBody::Recognition { points: 25, competencies: vec!["delivery".into()] }),
        f(&rev, FactBody::Reversal { target: v.id }),
        f(&a, FactBody::Award { badge: "burst".into(), tier: Tier::Silver }),
    ];
    assert_eq!(store.badge_facts(org, 0, 1000).await.unwrap(), expected, "hires and promotions are left out");
    let mut all = vec![];
    let mut after = 0;
    loop {
        let chunk = store.badge_facts(org, after, 2).await.unwrap();
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        all.extend(chunk);
    }
    assert_eq!(all, expected);
}

/// Sixteen appends of the same award at once (as concurrent evaluations or a manager
/// racing the rule would make): one event on the ledger, the others replay it.
pub async fn a_badge_tier_is_awarded_once_under_concurrent_appends(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let tries = (0..16).map(|_| {
        let store = store.clone();
        let mut e = event(org, ada, day(3), award("burst", Tier::Gold));
        e.idempotency_key = Some(award_key(ada, "burst", Tier::Gold));
        tokio::spawn(async move { try_append1(&store, e).await })
    });
    let mut ids = std::collections::HashSet::new();
    let mut fresh = 0;
    for t in tries {
        let a = t.await.unwrap().expect("an award appends or replays");
        fresh += usize::from(!a.replayed);
        ids.insert(a.events[0].id);
    }
    assert_eq!((fresh, ids.len()), (1, 1));
    let awards = store.badge_facts(org, 0, 100).await.unwrap().into_iter().filter(|f| matches!(f.body, FactBody::Award { .. })).count();
    assert_eq!(awards, 1);
}
