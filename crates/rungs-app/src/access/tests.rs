use super::*;
use EventKind::*;
use Relation::*;
use Role::*;

#[test]
fn read_matrix() {
    let cases = [
        (Employee, Myself, true),
        (Employee, Relation::Manager, false),
        (Employee, Other, false),
        (Role::Manager, Myself, true),
        (Role::Manager, Relation::Manager, true),
        (Role::Manager, Other, false),
        (Admin, Other, true),
    ];
    for (role, rel, want) in cases {
        assert_eq!(can_read(role, rel), want, "{role:?} {rel:?}");
    }
}

#[test]
fn record_matrix() {
    // (role, relation, kind, own target, allowed)
    let cases = [
        (Employee, Myself, MicroProgression, false, true),
        (Employee, Other, MicroProgression, false, false),
        (Employee, Myself, Promotion, false, false),
        (Employee, Myself, Recognition, false, false),
        (Employee, Other, Recognition, false, true),
        (Employee, Other, Validation, false, true),
        (Employee, Myself, Validation, false, false),
        (Employee, Myself, MicroPromotion, false, false),
        (Employee, Myself, Reversal, true, true),
        (Employee, Myself, Reversal, false, false),
        (Role::Manager, Relation::Manager, MicroPromotion, false, true),
        (Role::Manager, Other, MicroPromotion, false, false),
        (Role::Manager, Relation::Manager, Promotion, false, false),
        (Role::Manager, Relation::Manager, Reversal, false, true),
        (Role::Manager, Relation::Manager, MicroProgression, false, true),
        (Admin, Other, Promotion, false, true),
        (Admin, Other, Hired, false, true),
        (Employee, Other, Hired, false, false),
        (Role::Manager, Relation::Manager, Departure, false, false),
    ];
    for (role, rel, kind, own, want) in cases {
        assert_eq!(can_record(role, rel, kind, own), want, "{role:?} {rel:?} {kind:?} own={own}");
    }
}

#[test]
fn pay_and_sensitive_attributes_are_redacted_by_role() {
    let mut p = rungs_core::person::Person {
        id: PersonId::new(),
        org_id: OrgId::new(),
        name: "Ada".into(),
        email: "ada@example.com".into(),
        manager_id: None,
        department: None,
        location: None,
        hired_at: chrono::Utc::now(),
        status: rungs_core::person::PersonStatus::Active,
        ended_at: None,
        end_reason: None,
        position: rungs_core::person::Position { track: "eng".into(), level: "l1".into(), title: "Engineer".into() },
        scope: None,
        level_since: chrono::Utc::now(),
        last_promotion_at: None,
        last_progression_at: None,
        micro_progressions: 0,
        micro_promotions: 0,
        promotions: 0,
        recognitions_received: 0,
        pay_band: Some("B3".into()),
        sensitive: [("gender".to_string(), "f".to_string())].into(),
        last_occurred_at: chrono::Utc::now(),
        events_in_force: 1,
    };
    let own = redact_person(Employee, Myself, p.clone());
    assert_eq!(own.pay_band.as_deref(), Some("B3"));
    assert!(own.sensitive.is_empty());
    let mgr = redact_person(Role::Manager, Relation::Manager, p.clone());
    assert_eq!(mgr.pay_band, None);
    assert!(mgr.sensitive.is_empty());
    p = redact_person(Admin, Other, p);
    assert_eq!(p.sensitive.len(), 1);
}
