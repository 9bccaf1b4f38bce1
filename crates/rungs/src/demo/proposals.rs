//! The demo's approval routes and a pending micro-promotion (docs/WORKFLOWS.md): the
//! micro-promotion route asks the people team (the demo admin) first and, in Sales,
//! the department head after; the demo manager has proposed a micro-promotion for one
//! of their reports, waiting in the admin's inbox on `/proposals`.

use chrono::Duration;
use rungs_app::Viewer;
use rungs_core::OrgId;
use rungs_core::person::{Person, Role};
use rungs_core::proposal::{Approver, Condition, Details, ProposalInput, ProposalKind, Route, Step};
use rungs_core::store::Store;

/// Save the route and propose; returns how many proposals were made.
pub async fn seed(store: &dyn Store, org: OrgId, manager: &Person, admin: &Person) -> anyhow::Result<usize> {
    let people_team = Viewer { org_id: org, person_id: Some(admin.id), role: Role::Admin, token_id: None };
    let route = Route {
        kind: ProposalKind::MicroPromotion,
        steps: vec![
            Step { name: "People team".into(), approvers: vec![Approver::Person { id: admin.id }], need: None, when: vec![] },
            Step {
                name: "Sales head".into(),
                approvers: vec![Approver::DepartmentHead],
                need: None,
                when: vec![Condition::Department { equals: "Sales".into() }],
            },
        ],
        remind_after_days: Some(3),
    };
    rungs_app::proposals::save_route(store, &people_team, route).await?;
    let reports = store.reports(org, manager.id).await?;
    let Some(subject) = reports.first() else { return Ok(0) };
    let subject = store.person(org, *subject).await?;
    let by_manager = Viewer { org_id: org, person_id: Some(manager.id), role: Role::Manager, token_id: None };
    let input = ProposalInput {
        subject: subject.id,
        details: Details::MicroPromotion {
            from: subject.scope.clone().unwrap_or_else(|| format!("{} on the team", subject.position.title)),
            to: "Leads the team's on-call rotation".into(),
            competencies: vec![],
            toward_level: None,
        },
        rationale: "Has run on-call for the last two months and trained two newcomers on it.".into(),
        effective_on: rungs_app::calendar::today(store, org).await? + Duration::days(7),
    };
    match rungs_app::proposals::propose(store, &by_manager, input).await {
        Ok(_) => Ok(1),
        Err(e) => {
            eprintln!("no demo micro-promotion: {e}");
            Ok(0)
        }
    }
}
