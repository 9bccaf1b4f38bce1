//! The demo's promotion cycles (docs/WORKFLOWS.md): one past cycle, run to the end
//! (approved cases effective months ago — their `promotion` events are on the ledger
//! — and declined ones with a reason), and one open cycle taking nominations today,
//! with a few nominations already in and one of them in review, so the calibration
//! board has something on it. Budgets: one per department (a tenth of its people,
//! at least one), and one per track for people without a department; the
//! engineering departments are calibrated together.
//!
//! The demo manager's team is left out of both, so the logins the demo prints stay
//! the ones it picked, and the browser test nominates the demo employee itself.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, NaiveDate};
use rungs_app::Viewer;
use rungs_app::promotions as w;
use rungs_core::person::{Person, PersonStatus, Role};
use rungs_core::promotion::{Budget, BudgetScope, CalibrationGroup, Case, CaseMove, CaseStatus, CycleInput, MoveRequest, NominationInput};
use rungs_core::store::Store;
use rungs_core::{CaseId, OrgId};

fn viewer(org: OrgId, p: &Person, role: Role) -> Viewer {
    Viewer { org_id: org, person_id: Some(p.id), role, token_id: None }
}

fn budgets(people: &[&Person]) -> (Vec<Budget>, Vec<CalibrationGroup>) {
    let mut depts: BTreeMap<String, u32> = BTreeMap::new();
    let mut tracks: BTreeMap<String, u32> = BTreeMap::new();
    for p in people {
        match &p.department {
            Some(d) => *depts.entry(d.clone()).or_default() += 1,
            None => *tracks.entry(p.position.track.clone()).or_default() += 1,
        }
    }
    let mut out: Vec<Budget> =
        depts.iter().map(|(d, n)| Budget { scope: BudgetScope::Department, value: d.clone(), promotions: (n / 10).max(1), pay: None }).collect();
    out.extend(tracks.iter().map(|(t, n)| Budget { scope: BudgetScope::Track, value: t.clone(), promotions: (n / 10).max(1), pay: None }));
    let eng: Vec<String> = depts.keys().filter(|d| d.contains("Engineering")).map(|d| format!("department:{d}")).collect();
    let groups = if eng.is_empty() { vec![] } else { vec![CalibrationGroup { name: "Engineering".into(), budgets: eng }] };
    (out, groups)
}

/// Seed both cycles. `logins`: employee, manager, admin.
pub async fn seed(store: &dyn Store, org: OrgId, logins: [&Person; 3]) -> anyhow::Result<usize> {
    let [_employee, manager, admin] = logins;
    let people = store.all_people(org).await?;
    let active: Vec<&Person> = people.iter().filter(|p| p.status == PersonStatus::Active).collect();
    let fw = store.framework(org).await?;
    let team: HashSet<_> = store.reports(org, manager.id).await?.into_iter().chain([manager.id]).collect();
    let by_id: BTreeMap<_, _> = active.iter().map(|p| (p.id, *p)).collect();
    // Candidates: outside the demo manager's team, with a manager to nominate them and
    // a level above theirs; ordered by email so the same seed gives the same cycles.
    let mut candidates: Vec<(&Person, &Person)> = active
        .iter()
        .filter(|p| !team.contains(&p.id) && p.id != admin.id && fw.next_level(&p.position.track, &p.position.level).is_some())
        .filter_map(|p| p.manager_id.and_then(|m| by_id.get(&m)).filter(|m| !team.contains(&m.id)).map(|m| (*p, *m)))
        .collect();
    candidates.sort_by(|a, b| a.0.email.cmp(&b.0.email));
    let (budget_list, groups) = budgets(&active);
    let people_team = viewer(org, admin, Role::Admin);
    let today = w::today(store, org).await?;

    // The past cycle: made directly in the store, with the dates it had.
    let past = w::create_cycle(
        store,
        &people_team,
        CycleInput {
            name: format!("{} H1", today.format("%Y")),
            nominations_open: today - Duration::days(200),
            nominations_close: today - Duration::days(180),
            review_open: today - Duration::days(179),
            review_close: today - Duration::days(160),
            self_nomination: false,
            budgets: budget_list.clone(),
            groups: groups.clone(),
        },
    )
    .await?;
    let mut made = 0;
    let day = |d: NaiveDate| d.and_hms_opt(10, 0, 0).expect("a time").and_utc();
    let mut used: BTreeMap<String, u32> = BTreeMap::new();
    // Only people already there when that cycle's nominations opened.
    let opened = past.nominations_open.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let (mut past_people, mut rest): (Vec<_>, Vec<_>) = candidates.iter().partition(|(p, _)| p.hired_at < opened);
    rest.extend(past_people.drain(6.min(past_people.len())..));
    for (i, (p, m)) in past_people.iter().enumerate() {
        let Some(budget) = past.budget_for(p.department.as_deref(), &p.position.track) else { continue };
        let next = fw.next_level(&p.position.track, &p.position.level).expect("filtered");
        let at = day(past.nominations_open + Duration::days(i as i64));
        let case = Case {
            id: CaseId::new(),
            org_id: org,
            cycle_id: past.id,
            subject: p.id,
            nominator: m.id,
            status: CaseStatus::Nominated,
            budget: budget.key(),
            from: p.position.clone(),
            to: rungs_core::person::Position { track: p.position.track.clone(), level: next.key.clone(), title: next.title.clone() },
            justification: format!("{} has worked at the next level for two quarters: owned a cross-team project and mentors two people.", p.name),
            pay_increase: None,
            packet: serde_json::Value::Null,
            packet_at: at,
            rank: i as i64,
            decision_reason: None,
            effective_on: None,
            promotion_event: None,
            created_at: at,
            updated_at: at,
        };
        store.create_case(&case).await?;
        let mv = |mv: CaseMove, at, reason: Option<&str>, effective_on| MoveRequest {
            org_id: org,
            case_id: case.id,
            mv,
            actor: Some(admin.id),
            at,
            reason: reason.map(str::to_string),
            effective_on,
            event: None,
        };
        store.move_case(&mv(CaseMove::StartReview, day(past.review_open), None, None)).await?;
        let slots = used.entry(budget.key()).or_default();
        if *slots < budget.promotions && i % 3 != 2 {
            *slots += 1;
            store
                .move_case(&mv(
                    CaseMove::Approve,
                    day(past.review_close),
                    Some("Calibrated: clearly at the next level."),
                    Some(past.review_close + Duration::days(5)),
                ))
                .await?;
            w::take_effect(store, org, case.id, chrono::Utc::now()).await?;
        } else {
            store
                .move_case(&mv(
                    CaseMove::Decline,
                    day(past.review_close),
                    Some("Not yet: the scope of the last project was one team's. Nominate again next cycle."),
                    None,
                ))
                .await?;
        }
        made += 1;
    }

    // The open cycle: nominations taken today, through the same use cases the pages call.
    let open = w::create_cycle(
        store,
        &people_team,
        CycleInput {
            name: format!("{} H2", today.format("%Y")),
            nominations_open: today - Duration::days(7),
            nominations_close: today + Duration::days(14),
            review_open: today + Duration::days(15),
            review_close: today + Duration::days(45),
            self_nomination: false,
            budgets: budget_list,
            groups,
        },
    )
    .await?;
    for (i, (p, m)) in rest.iter().take(3).enumerate() {
        let role = if m.position.track == "management" { Role::Manager } else { continue };
        let input = NominationInput {
            subject: p.id,
            level: None,
            track: None,
            title: None,
            justification: format!("{} leads the team's on-call and has shipped two projects end to end this half.", p.name),
            pay_increase: None,
        };
        let case = w::nominate(store, &viewer(org, m, role), open.id, input).await?;
        if i == 0 {
            w::make_move(store, &people_team, case.id, CaseMove::StartReview, None, None).await?;
        }
        made += 1;
    }
    Ok(made)
}
