//! Framework versions: every edit a new version, old ones kept, the current one
//! readable as the framework.

use std::sync::Arc;

use rungs_core::OrgId;
use rungs_core::framework::{Competency, Criterion, EvidenceRule, Expectation, Framework, Level, Track, version_in_force};
use rungs_core::store::{Store, StoreError};

use crate::support::*;

fn fw(min_events: u32) -> Framework {
    Framework {
        tracks: vec![Track {
            key: "eng".into(),
            name: "Engineering".into(),
            levels: vec![Level { key: "l1".into(), title: "Engineer".into() }, Level { key: "l2".into(), title: "Senior".into() }],
        }],
        competencies: vec![Competency { key: "testing".into(), name: "Testing".into(), category: "craft".into() }],
        expectations: vec![Expectation {
            competency: "testing".into(),
            track: "eng".into(),
            level: "l2".into(),
            text: "Owns the test strategy".into(),
            criterion: Some(Criterion::Evidence(EvidenceRule { min_events, categories: vec![], within_months: Some(12), validated_only: true })),
        }],
        milestones: vec![],
    }
}

pub async fn every_edit_is_a_new_version_and_old_ones_stay(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    assert!(store.framework_versions(org).await.unwrap().is_empty());
    assert_eq!(store.latest_framework_version(org).await.unwrap(), None);
    assert_eq!(store.save_framework_version(org, &fw(2), day(1)).await.unwrap(), 1);
    assert_eq!(store.save_framework_version(org, &fw(3), day(5)).await.unwrap(), 2);
    assert_eq!(*store.framework(org).await.unwrap(), fw(3), "the newest version is the current framework");
    let vs = store.framework_versions(org).await.unwrap();
    assert_eq!(vs.iter().map(|v| (v.version, v.created_at)).collect::<Vec<_>>(), vec![(1, day(1)), (2, day(5))]);
    assert_eq!(vs[0].framework, fw(2), "old versions are kept as they were");
    assert_eq!(store.latest_framework_version(org).await.unwrap(), Some((2, day(5))), "the newest, read alone");
    assert_eq!(version_in_force(&vs, day(3)).unwrap().framework, fw(2));
    assert!(matches!(store.save_framework_version(OrgId::new(), &fw(2), day(1)).await, Err(StoreError::NotFound)));
    let other = new_org(&store).await;
    assert!(store.framework_versions(other).await.unwrap().is_empty(), "versions belong to one organization");
    assert_eq!(store.latest_framework_version(other).await.unwrap(), None);
}
