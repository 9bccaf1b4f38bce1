//! Rebuilding projections from the ledger equals the incremental state.

use std::sync::Arc;

use rungs_core::event::{EventBody, LateralMove, MicroPromotion, ProfileUpdated, Recognition};
use rungs_core::person::PersonStatus;
use rungs_core::store::{AppendBatch, Store, StoreError};
use rungs_core::{EventId, OrgId, PersonId};

use crate::support::*;

/// A deterministic little generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

pub async fn rebuild_equals_live_state(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let mut rng = Lcg(7);
    let people: Vec<PersonId> = (0..50).map(|_| PersonId::new()).collect();
    // Hires in batches of 10, some with managers.
    for (chunk_no, chunk) in people.chunks(10).enumerate() {
        let events = chunk
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let n = chunk_no * 10 + i;
                let body = if n == 0 { hired("P0", "p0@example.com") } else { hired_under(&format!("P{n}"), &format!("p{n}@example.com"), people[n / 3]) };
                event(org, *id, day(0), body)
            })
            .collect();
        store.append(AppendBatch { org_id: org, events, claim: None }).await.unwrap();
    }
    let mut reversible: Vec<(PersonId, EventId)> = vec![];
    let mut level = vec![1u32; people.len()];
    for step in 0..600u64 {
        let i = rng.next(people.len() as u64) as usize;
        let who = people[i];
        // Mostly forward in time, sometimes backdated.
        let at = if rng.next(8) == 0 { day(1 + rng.next(step + 1) as i64) } else { day(1 + step as i64) };
        let body = match rng.next(10) {
            0..=2 => win(&format!("win {step}")),
            3 => {
                level[i] += 1;
                promotion(&format!("l{}", level[i]))
            }
            4 => EventBody::Recognition(Recognition::new("thanks", 5)),
            5 => EventBody::MicroPromotion(MicroPromotion { scope: format!("scope {step}"), note: None }),
            6 => EventBody::LateralMove(LateralMove { to: None, department: Some(format!("Dept {}", step % 4)), manager_id: None, note: None }),
            7 => EventBody::ProfileUpdated(ProfileUpdated { location: Some(format!("City {step}")), ..Default::default() }),
            8 if !reversible.is_empty() => {
                let k = rng.next(reversible.len() as u64) as usize;
                let (subject, target) = reversible.swap_remove(k);
                let r = store.append(AppendBatch { org_id: org, events: vec![event(org, subject, at, reversal(target))], claim: None }).await;
                r.unwrap();
                continue;
            }
            _ => win(&format!("late win {step}")),
        };
        let e = store.append(AppendBatch { org_id: org, events: vec![event(org, who, at, body)], claim: None }).await.unwrap();
        reversible.push((who, e.events[0].id));
    }
    // A multi-event batch mixing backdating and a reversal of an event in the batch.
    let who = people[1];
    let first = event(org, who, day(700), win("batched"));
    let first_id = first.id;
    let b = vec![first, event(org, who, day(650), win("backdated")), event(org, who, day(701), reversal(first_id))];
    store.append(AppendBatch { org_id: org, events: b, claim: None }).await.unwrap();
    // Some departures.
    for who in people.iter().step_by(7) {
        store.append(AppendBatch { org_id: org, events: vec![event(org, *who, day(800), departure())], claim: None }).await.unwrap();
    }

    let live = store.all_people(org).await.unwrap();
    assert_eq!(live.len(), 50);
    assert!(live.iter().any(|p| p.status == PersonStatus::Departed));
    assert!(live.iter().any(|p| p.promotions > 0));
    let report = store.rebuild(org).await.unwrap();
    assert_eq!(report.people, 50);
    assert_eq!(report.events, store.stats().await.unwrap().events);
    let rebuilt = store.all_people(org).await.unwrap();
    for (a, b) in live.iter().zip(&rebuilt) {
        assert_eq!(a, b, "rebuild differs from live state for {}", a.name);
    }
    assert_eq!(live, rebuilt);
}

pub async fn rebuild_of_an_unknown_org_is_not_found(store: Arc<dyn Store>) {
    assert!(matches!(store.rebuild(OrgId::new()).await, Err(StoreError::NotFound)));
}
