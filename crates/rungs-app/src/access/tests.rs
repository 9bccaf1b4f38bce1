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

/// Spot checks of the table, including the review's case: a manager may not undo
/// what the people team decided (defect 1 of issue 10).
#[test]
fn record_matrix() {
    let t = |kind, own| Some(Target { kind, own });
    // (role, relation, kind, target, subject left, allowed)
    let cases = [
        (Employee, Myself, MicroProgression, None, false, true),
        (Employee, Other, MicroProgression, None, false, false),
        (Employee, Myself, Promotion, None, false, false),
        (Employee, Myself, Recognition, None, false, false),
        (Employee, Other, Recognition, None, false, true),
        (Employee, Other, Recognition, None, true, false),
        (Admin, Myself, Recognition, None, false, false),
        (Admin, Other, Recognition, None, true, true),
        (Employee, Other, Validation, None, false, true),
        (Employee, Myself, Validation, None, false, false),
        (Employee, Myself, MicroPromotion, None, false, false),
        (Employee, Myself, Reversal, t(MicroProgression, true), false, true),
        (Employee, Myself, Reversal, t(MicroProgression, false), false, false),
        (Employee, Other, Reversal, t(Recognition, true), false, true),
        (Employee, Other, Reversal, t(Recognition, false), false, false),
        (Employee, Myself, Reversal, t(Promotion, true), false, false),
        (Role::Manager, Relation::Manager, MicroPromotion, None, false, true),
        (Role::Manager, Relation::Manager, MicroPromotion, None, true, false),
        (Role::Manager, Other, MicroPromotion, None, false, false),
        (Role::Manager, Relation::Manager, Promotion, None, false, false),
        (Role::Manager, Relation::Manager, Reversal, t(MicroPromotion, false), false, true),
        (Role::Manager, Relation::Manager, Reversal, t(MicroProgression, false), false, true),
        (Role::Manager, Relation::Manager, Reversal, t(Promotion, false), false, false),
        (Role::Manager, Relation::Manager, Reversal, t(LateralMove, false), false, false),
        (Role::Manager, Relation::Manager, Reversal, t(ProfileUpdated, false), false, false),
        (Role::Manager, Relation::Manager, Reversal, t(Departure, false), true, false),
        (Role::Manager, Relation::Manager, Reversal, t(Promotion, true), false, false),
        (Role::Manager, Relation::Manager, Reversal, None, false, false),
        (Role::Manager, Relation::Manager, MicroProgression, None, false, true),
        (Admin, Other, Promotion, None, false, true),
        (Admin, Other, Promotion, None, true, true),
        (Admin, Other, Reversal, t(Departure, false), true, true),
        (Admin, Other, Reversal, None, false, true),
        (Admin, Other, Hired, None, false, true),
        (Employee, Other, Hired, None, false, false),
        (Role::Manager, Relation::Manager, Departure, None, false, false),
    ];
    for (role, rel, kind, target, left, want) in cases {
        assert_eq!(can_record(role, rel, kind, target, left), want, "{role:?} {rel:?} {kind:?} {target:?} left={left}");
    }
}

const ROLES: [Role; 3] = [Employee, Role::Manager, Admin];

/// Every kind has a record row and a reverse row (a reversal's own reversal aside),
/// and nothing else is in the table twice.
#[test]
fn the_table_has_one_row_per_action() {
    let actions = table::Action::all();
    assert_eq!(actions.len(), table::RULES.len());
    for a in &actions {
        assert_eq!(table::RULES.iter().filter(|r| r.action == *a).count(), 1, "{a:?}");
    }
    assert!(table::rule(table::Action::Record(Reversal)).is_none());
    assert!(table::rule(table::Action::Reverse(Reversal)).is_none());
}

/// The rule behind every reversal row: reversing a kind never goes further than
/// recording it, for any role, relation or status; and an employee has no reports.
#[test]
fn reversing_never_goes_further_than_recording() {
    for rule in table::RULES {
        for role in ROLES {
            assert_eq!(rule.cell(role).grant(Relation::Manager) > Grant::No, role != Employee && rule.cell(role).report > Grant::No);
            let table::Action::Reverse(kind) = rule.action else { continue };
            let record = table::rule(table::Action::Record(kind)).unwrap();
            for rel in Relation::ALL {
                assert!(rule.cell(role).grant(rel) <= record.cell(role).grant(rel), "{role:?} {rel:?} reverse {kind:?}");
            }
            assert!(!rule.cell(role).after_leaving || record.cell(role).after_leaving, "{role:?} reverse {kind:?}");
        }
    }
    for rule in table::RULES {
        assert_eq!(rule.employee.report, Grant::No, "{:?}", rule.action);
    }
}

/// Only the people team records anything about someone who has left; everyone keeps
/// reading what they could read.
#[test]
fn after_leaving_only_the_people_team_records() {
    for rule in table::RULES {
        for role in ROLES {
            let keeps = rule.cell(role).after_leaving;
            match rule.action {
                table::Action::Read | table::Action::ReadPrivateRecognition | table::Action::ReadCase | table::Action::ReadProposal => assert!(keeps),
                // Leavers stay in the reports of whoever may count them, and their pay
                // and attributes stay readable by whoever could read them.
                table::Action::Analyze(_) | table::Action::ReadPay | table::Action::ReadSensitive => {
                    assert_eq!(keeps, Relation::ALL.iter().any(|r| rule.cell(role).grant(*r) != Grant::No), "{role:?} {:?}", rule.action);
                }
                // Notifications are only ever one's own, and a leaver cannot sign in:
                // nobody reads a leaver's, the people team included.
                table::Action::ReadNotifications | table::Action::IssueCredential => assert!(!keeps, "{role:?}"),
                // Nothing is proposed about, decided for, or accepted by someone who
                // has left: a leaver's pending proposals and suggestions stay as they were.
                // Nor is anyone who has left found as a delegate.
                table::Action::Propose | table::Action::DecideProposal | table::Action::ResolveSuggestion | table::Action::FindDelegate => {
                    assert!(!keeps, "{role:?} {:?}", rule.action);
                }
                // Leaderboards rank only people still here.
                table::Action::RankOnLeaderboard => assert!(!keeps, "{role:?}"),
                _ => assert_eq!(keeps, role == Admin, "{role:?} {:?}", rule.action),
            }
        }
    }
}

#[test]
fn the_markdown_table_has_a_line_per_rule() {
    let md = table::render_markdown();
    assert_eq!(md.lines().count(), table::RULES.len() + 2);
    assert!(md.contains("| reverse a `promotion` | — | — | anyone | unchanged |"), "{md}");
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

/// `docs/SECURITY.md` shows the table the code decides by, between marker comments.
/// To update it, run this test with `UPDATE_SNAPSHOTS=1` (or paste the table it prints).
#[test]
fn docs_security_md_renders_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/SECURITY.md");
    let doc = std::fs::read_to_string(&path).expect("docs/SECURITY.md");
    let (begin, end) = ("<!-- access-table:begin -->\n", "<!-- access-table:end -->");
    let start = doc.find(begin).expect("the begin marker in docs/SECURITY.md") + begin.len();
    let stop = doc[start..].find(end).expect("the end marker in docs/SECURITY.md") + start;
    let want = table::render_markdown();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() && doc[start..stop] != want {
        std::fs::write(&path, format!("{}{want}{}", &doc[..start], &doc[stop..])).expect("write docs/SECURITY.md");
        return;
    }
    assert!(doc[start..stop] == want, "docs/SECURITY.md's access table differs from the code's; put this between the markers:\n{want}");
}

/// The organization-wide rows: the people team administers, everyone manages what
/// is their own (tokens, opportunities), and the capabilities pages show follow.
#[test]
fn administration_and_own_things() {
    for area in table::Area::ALL {
        assert!(table::may(Admin, Action::Administer(area)), "{area:?}");
        assert!(!table::may(Role::Manager, Action::Administer(area)), "{area:?}");
        assert!(!table::may(Employee, Action::Administer(area)), "{area:?}");
    }
    for action in [Action::ManageToken, Action::ManageOpportunity] {
        for role in ROLES {
            assert!(table::allowed(role, Myself, action, Subject::ACTIVE), "{role:?} {action:?} own");
            assert_eq!(table::allowed(role, Other, action, Subject::ACTIVE), role == Admin, "{role:?} {action:?} someone else's");
            assert_eq!(table::allowed(role, Relation::Manager, action, Subject::ACTIVE), role == Admin, "{role:?} {action:?} a report's");
        }
    }
    let (e, m, a) = (Capabilities::of(Employee), Capabilities::of(Role::Manager), Capabilities::of(Admin));
    assert!(!e.read_reports && !e.read_everyone && !e.add_people && !e.change_framework && !e.metrics && !e.manage_webhooks);
    assert!(m.read_reports && !m.read_everyone && !m.add_people && m.metrics && !m.what_works && !m.review_collusion && !m.manage_webhooks);
    assert!(a.read_everyone && a.add_people && a.change_framework && a.define_badges && a.issue_tokens && a.what_works && a.manage_any_opportunity);
    assert!(a.manage_webhooks);
    // Everyone has a bell; only the people team invites.
    assert!(e.notifications && m.notifications && a.notifications);
    assert!(!e.invite && !m.invite && a.invite);
    // Only the people team sees how someone signs in or links an SSO account to them,
    // about anyone (a manager does not, even for a report).
    assert!(!e.attach_sign_in && !m.attach_sign_in && a.attach_sign_in);
    for rel in Relation::ALL {
        assert!(!table::allowed(Role::Manager, rel, Action::AttachSignIn, Subject::ACTIVE), "{rel:?}");
        assert!(table::allowed(Admin, rel, Action::AttachSignIn, Subject::ACTIVE), "{rel:?}");
    }
    // Notifications are each person's own, the people team's included.
    for role in [Employee, Role::Manager, Admin] {
        assert!(table::allowed(role, Myself, Action::ReadNotifications, Subject::ACTIVE));
        assert!(!table::allowed(role, Other, Action::ReadNotifications, Subject::ACTIVE), "{role:?}");
        assert!(!table::allowed(role, Relation::Manager, Action::ReadNotifications, Subject::ACTIVE), "{role:?}");
    }
}

/// The bulk shortcut (no per-subject read) holds for exactly the roles whose rows
/// grant every record and reversal about anyone else, departed or not.
#[test]
fn the_bulk_shortcut_follows_the_rows() {
    assert!(table::records_about_anyone_else(Admin));
    assert!(!table::records_about_anyone_else(Role::Manager));
    assert!(!table::records_about_anyone_else(Employee));
}

/// Promotion cases: who nominates, edits, reviews and decides.
#[test]
fn promotion_case_matrix() {
    use table::{Action as A, allowed};
    let own = Subject { left: false, own_target: true };
    let cases = [
        (Employee, Myself, A::Nominate, Subject::ACTIVE, true),
        (Employee, Other, A::Nominate, Subject::ACTIVE, false),
        (Role::Manager, Relation::Manager, A::Nominate, Subject::ACTIVE, true),
        (Role::Manager, Other, A::Nominate, Subject::ACTIVE, false),
        (Role::Manager, Relation::Manager, A::EditCase, own, true),
        (Role::Manager, Relation::Manager, A::EditCase, Subject::ACTIVE, false),
        (Employee, Myself, A::EditCase, own, true),
        (Employee, Myself, A::EditCase, Subject::ACTIVE, false),
        (Role::Manager, Relation::Manager, A::ReviewCase, Subject::ACTIVE, true),
        (Role::Manager, Myself, A::ReviewCase, Subject::ACTIVE, false),
        (Admin, Myself, A::ReviewCase, Subject::ACTIVE, false),
        (Admin, Other, A::ReviewCase, Subject::ACTIVE, true),
        (Employee, Myself, A::ReadCase, Subject::ACTIVE, true),
        (Employee, Other, A::ReadCase, Subject::ACTIVE, false),
        (Role::Manager, Relation::Manager, A::Calibrate, Subject::ACTIVE, false),
        (Admin, Other, A::Calibrate, Subject::ACTIVE, true),
    ];
    for (role, rel, action, subject, want) in cases {
        assert_eq!(allowed(role, rel, action, subject), want, "{role:?} {rel:?} {action:?} {subject:?}");
    }
}

/// Leaderboards: everyone reads the organization's and departments' boards; a team's
/// board its team, the managers above and the people team; nobody is ranked after
/// leaving; the switch is the people team's.
#[test]
fn leaderboard_matrix() {
    use table::Reach;
    let left = Subject { left: true, own_target: false };
    for role in ROLES {
        for reach in [Reach::Organization, Reach::Department] {
            assert!(table::allowed(role, Other, Action::ReadLeaderboard(reach), Subject::ACTIVE), "{role:?} {reach:?}");
        }
        assert!(table::allowed(role, Myself, Action::ReadLeaderboard(Reach::Team), Subject::ACTIVE), "{role:?}");
        assert_eq!(table::allowed(role, Other, Action::ReadLeaderboard(Reach::Team), Subject::ACTIVE), role == Admin, "{role:?}");
        assert!(table::allowed(role, Other, Action::RankOnLeaderboard, Subject::ACTIVE));
        assert!(!table::allowed(role, Other, Action::RankOnLeaderboard, left), "{role:?}");
        assert!(!table::allowed(role, Myself, Action::RankOnLeaderboard, left), "{role:?}");
        assert_eq!(table::may(role, Action::SetLeaderboards), role == Admin);
    }
    assert!(table::allowed(Role::Manager, Relation::Manager, Action::ReadLeaderboard(Reach::Team), Subject::ACTIVE));
    assert!(!table::allowed(Employee, Relation::Manager, Action::ReadLeaderboard(Reach::Team), Subject::ACTIVE));
}
