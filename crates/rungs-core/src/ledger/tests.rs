use proptest::prelude::*;

use super::testing::{Builder, GenBatch, GenEvent, MemLedger, Op, groups};
use super::*;
use crate::OrgId;
use crate::projection;
use crate::store::AppendBatch;

fn build(org: OrgId, gen_groups: &[Vec<GenBatch>]) -> Vec<Vec<AppendBatch>> {
    let mut b = Builder::new(org);
    gen_groups.iter().map(|g| g.iter().map(|x| b.batch(x)).collect()).collect()
}

/// Every person as a fold from scratch of their stored events.
fn folded(l: &MemLedger) -> Vec<crate::person::Person> {
    let mut subjects: Vec<_> = l.people.keys().copied().collect();
    subjects.sort();
    subjects.iter().filter_map(|s| projection::fold(&l.events.iter().filter(|e| e.subject == *s).cloned().collect::<Vec<_>>())).collect()
}

fn sorted(l: &MemLedger) -> Vec<crate::person::Person> {
    let mut people: Vec<_> = l.people.values().cloned().collect();
    people.sort_by_key(|p| p.id);
    people
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A group commit answers and writes exactly what one transaction per batch
    /// would, and the state kept incrementally equals a fold from scratch.
    #[test]
    fn a_group_plans_like_one_batch_at_a_time_and_state_is_a_fold(gen_groups in groups()) {
        let org = OrgId::new();
        let mut grouped = MemLedger::default();
        let mut single = MemLedger::default();
        for group in build(org, &gen_groups) {
            let got: Vec<String> = grouped.append(org, &group).iter().map(|r| format!("{r:?}")).collect();
            let want: Vec<String> = group.iter().map(|b| format!("{:?}", single.append(org, std::slice::from_ref(b))[0])).collect();
            prop_assert_eq!(got, want);
        }
        prop_assert_eq!(&grouped.events, &single.events);
        prop_assert_eq!(sorted(&grouped), sorted(&single));
        prop_assert_eq!(sorted(&grouped), folded(&grouped));
        // Revoking is idempotent: who, not how many times.
        let who = |l: &MemLedger| l.revoked.iter().copied().collect::<std::collections::BTreeSet<_>>();
        prop_assert_eq!(who(&grouped), who(&single));
    }
}

#[test]
fn a_lone_batch_that_fails_plans_nothing() {
    let org = OrgId::new();
    let mut b = Builder::new(org);
    let mut l = MemLedger::default();
    let hire = |who, email| GenEvent { op: Op::Hire { who, email }, hour: 1 };
    l.append(org, &[b.batch(&GenBatch { events: vec![hire(0, 0)], claim: None })]);
    // The second hire takes the first one's email: the whole batch is refused.
    let bad = b.batch(&GenBatch { events: vec![hire(1, 1), hire(2, 0)], claim: None });
    let p = l.plan(org, std::slice::from_ref(&bad));
    assert!(p.is_empty() && p.people.is_empty());
    let r = p.into_results();
    assert!(format!("{r:?}").contains("events[1].payload.email"), "{r:?}");
}

#[test]
fn a_reversal_is_planned_from_the_subjects_stored_history() {
    let org = OrgId::new();
    let mut b = Builder::new(org);
    let mut l = MemLedger::default();
    let ev = |op, hour| GenEvent { op, hour };
    let first = b.batch(&GenBatch {
        events: vec![ev(Op::Hire { who: 0, email: 0 }, 1), ev(Op::Win { who: 0, key: None }, 2), ev(Op::Depart { who: 0 }, 3)],
        claim: None,
    });
    l.append(org, &[first]);
    assert_eq!(l.revoked, vec![b.person(0)], "a departure revokes the person's credentials");
    // Reverse the departure (the third event generated).
    let undo = b.batch(&GenBatch { events: vec![ev(Op::Reverse { who: 0, pick: 2 }, 4)], claim: None });
    let request = SnapshotRequest::new(org, std::slice::from_ref(&undo));
    assert_eq!(request.histories, vec![b.person(0)]);
    let mut snapshot = l.load(&request);
    snapshot.histories.clear();
    assert_eq!(plan(&snapshot, org, std::slice::from_ref(&undo)).unwrap_err(), MissingHistories(vec![b.person(0)]));
    l.append(org, &[undo]);
    let p = &l.people[&b.person(0)];
    assert_eq!((p.status.as_str(), p.micro_progressions), ("active", 1));
}

/// An import replays the ledger in one batch: A's email changes by an event dated
/// before A's last one (so A is refolded, not updated in place), then B is hired
/// with A's old email. The plan must see A's new email (found by proptest).
#[test]
fn an_email_freed_by_a_back_dated_change_can_be_taken_in_the_same_batch() {
    let org = OrgId::new();
    let mut b = Builder::new(org);
    let mut l = MemLedger::default();
    let ev = |op, hour| GenEvent { op, hour };
    let hire = b.batch(&GenBatch { events: vec![ev(Op::Hire { who: 0, email: 0 }, 0)], claim: None });
    l.append(org, &[hire]);
    let import = b.batch(&GenBatch {
        events: vec![ev(Op::Promote { who: 0 }, 64), ev(Op::Email { who: 0, email: 2 }, 1), ev(Op::Hire { who: 1, email: 0 }, 2)],
        claim: None,
    });
    let r = l.append(org, &[import]);
    assert!(r[0].is_ok(), "{r:?}");
    assert_eq!(sorted(&l), folded(&l));
}
