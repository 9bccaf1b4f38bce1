//! Approval routes: per organization and per kind of proposal, the steps a proposal
//! goes through before it is approved. Steps run **in order** (sequential); the
//! approvers of one step decide **in parallel**, and the step is done when `need` of
//! them approved (all of them by default). A step with conditions (`when`) is in a
//! proposal's route only when they all hold for it. Approvers are found when the
//! proposal is made: the subject's manager, the manager's manager, the department
//! head, named people, or a named group. All pure: [`Route::check`] refuses a route
//! that could never complete, [`Route::resolve`] turns it into a proposal's steps,
//! [`progress`] says where a proposal stands given its decisions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Decision, ProposalKind};
use crate::text::parse_text;
use crate::{PersonId, ValidationError};

/// Most steps in one route, and most people in one group.
pub const MAX_STEPS: usize = 10;
pub const MAX_GROUP: usize = 50;

/// Who approves, found for each proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Approver {
    /// The subject's manager.
    Manager,
    /// The subject's manager's manager.
    ManagersManager,
    /// The head of the subject's department: the highest person in the subject's
    /// manager chain who is in the same department.
    DepartmentHead,
    /// A named person.
    Person { id: PersonId },
    /// A named group of people (with the step's `need`: "any N of the group").
    Group { name: String, members: Vec<PersonId> },
}

impl Approver {
    /// How many approvers this can stand for at most.
    fn size(&self) -> usize {
        match self {
            Approver::Group { members, .. } => members.len(),
            _ => 1,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Approver::Manager => "the subject's manager".into(),
            Approver::ManagersManager => "the manager's manager".into(),
            Approver::DepartmentHead => "the department head".into(),
            Approver::Person { id } => format!("person {id}"),
            Approver::Group { name, members } => format!("group “{name}” ({} people)", members.len()),
        }
    }
}

/// A condition that puts a step in a proposal's route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "if", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The subject is in this department.
    Department { equals: String },
    /// The subject is at this level (key) now.
    Level { equals: String },
    /// A pay change raises pay by more than this amount.
    PayIncreaseAbove { amount: i64 },
}

impl Condition {
    fn holds(&self, ctx: &RouteContext) -> bool {
        match self {
            Condition::Department { equals } => ctx.department.as_deref() == Some(equals.as_str()),
            Condition::Level { equals } => ctx.level == *equals,
            Condition::PayIncreaseAbove { amount } => ctx.pay_delta.is_some_and(|d| d > *amount),
        }
    }
}

/// One step of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// 1-80 characters, unique in the route (`Finance`, `Department head`).
    pub name: String,
    pub approvers: Vec<Approver>,
    /// Approvals that complete the step; absent: every approver found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<u32>,
    /// All must hold for the step to be in a proposal's route; empty: always.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

/// The route of one kind of proposal in an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub kind: ProposalKind,
    pub steps: Vec<Step>,
    /// Approvers who have not decided this many days after a step started are
    /// reminded (once per step); absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_after_days: Option<u32>,
}

impl Route {
    /// The route used when the people team has configured none: one step, the
    /// manager's manager (the "one over one").
    pub fn default_for(kind: ProposalKind) -> Route {
        Route {
            kind,
            steps: vec![Step { name: "Manager's manager".into(), approvers: vec![Approver::ManagersManager], need: None, when: vec![] }],
            remind_after_days: Some(3),
        }
    }

    /// Refuse a route that could never complete, naming the field and the reason.
    /// Whether named people exist is the application's check.
    pub fn check(self) -> Result<Route, ValidationError> {
        let mut e = ValidationError::new();
        if self.steps.is_empty() {
            e.push("steps", "a route needs at least one step");
        }
        if self.steps.len() > MAX_STEPS {
            e.push("steps", format!("at most {MAX_STEPS} steps"));
        }
        if self.remind_after_days.is_some_and(|d| d == 0 || d > 90) {
            e.push("remind_after_days", "must be 1 to 90 days");
        }
        let mut names: Vec<String> = Vec::new();
        let mut steps = Vec::new();
        for (i, s) in self.steps.into_iter().enumerate() {
            let f = |x: &str| format!("steps[{i}].{x}");
            let name = e.collect(parse_text(&f("name"), &s.name, 80)).unwrap_or_default();
            if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                e.push(f("name"), format!("another step is named “{name}”"));
            }
            names.push(name.clone());
            if s.approvers.is_empty() {
                e.push(f("approvers"), "a step needs at least one approver, or it can never complete");
            }
            for (j, a) in s.approvers.iter().enumerate() {
                if let Approver::Group { name, members } = a {
                    if name.trim().is_empty() {
                        e.push(format!("steps[{i}].approvers[{j}].name"), "a group needs a name");
                    }
                    if members.is_empty() {
                        e.push(format!("steps[{i}].approvers[{j}].members"), "an empty group can never approve");
                    }
                    if members.len() > MAX_GROUP {
                        e.push(format!("steps[{i}].approvers[{j}].members"), format!("at most {MAX_GROUP} people"));
                    }
                }
                if s.approvers[..j].contains(a) {
                    e.push(format!("steps[{i}].approvers[{j}]"), "listed twice in the step");
                }
            }
            let most: usize = s.approvers.iter().map(Approver::size).sum();
            if let Some(n) = s.need {
                if n == 0 {
                    e.push(f("need"), "must be at least 1");
                } else if n as usize > most && most > 0 {
                    e.push(f("need"), format!("the step can never complete: it needs {n} approvals from at most {most} approvers"));
                }
            }
            for (j, c) in s.when.iter().enumerate() {
                if matches!(c, Condition::PayIncreaseAbove { .. }) && self.kind != ProposalKind::PayChange {
                    e.push(
                        format!("steps[{i}].when[{j}]"),
                        format!("a pay condition never holds for a {}: only pay changes have a pay delta", self.kind.label()),
                    );
                }
            }
            steps.push(Step { name, ..s });
        }
        e.into_result()?;
        Ok(Route { kind: self.kind, steps, remind_after_days: self.remind_after_days })
    }

    /// The steps of one proposal: the steps whose conditions hold, with their
    /// approvers found. The subject and the proposer never approve (they are left out
    /// of every step); a step left with fewer approvers than it needs is refused on
    /// `route`, naming the step and why (no manager's manager, ...).
    pub fn resolve(&self, ctx: &RouteContext) -> Result<Vec<ResolvedStep>, ValidationError> {
        let mut out = Vec::new();
        for s in self.steps.iter().filter(|s| s.when.iter().all(|c| c.holds(ctx))) {
            let mut people: Vec<PersonId> = Vec::new();
            let mut missing: Vec<String> = Vec::new();
            for a in &s.approvers {
                let found: Vec<PersonId> = match a {
                    Approver::Manager => ctx.manager.into_iter().collect(),
                    Approver::ManagersManager => ctx.managers_manager.into_iter().collect(),
                    Approver::DepartmentHead => ctx.department_head.into_iter().collect(),
                    Approver::Person { id } => vec![*id],
                    Approver::Group { members, .. } => members.clone(),
                };
                let found: Vec<PersonId> = found.into_iter().filter(|p| *p != ctx.subject && Some(*p) != ctx.proposer).collect();
                if found.is_empty() {
                    missing.push(a.describe());
                }
                for p in found {
                    if !people.contains(&p) {
                        people.push(p);
                    }
                }
            }
            let need = s.need.map_or(people.len(), |n| n as usize);
            if people.is_empty() || people.len() < need {
                let why = if missing.is_empty() { String::new() } else { format!(" (nobody is {})", missing.join(", ")) };
                return Err(ValidationError::single(
                    "route",
                    format!(
                        "step “{}” needs {} approval(s) but finds {} approver(s) for this person{why}; the subject and the proposer do not approve",
                        s.name,
                        need.max(1),
                        people.len()
                    ),
                ));
            }
            out.push(ResolvedStep { name: s.name.clone(), approvers: people, need: need as u32 });
        }
        Ok(out)
    }
}

/// What a route's approvers and conditions are found from, for one proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteContext {
    pub subject: PersonId,
    pub proposer: Option<PersonId>,
    pub department: Option<String>,
    pub level: String,
    pub pay_delta: Option<i64>,
    pub manager: Option<PersonId>,
    pub managers_manager: Option<PersonId>,
    pub department_head: Option<PersonId>,
}

/// A step of one proposal, its approvers found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResolvedStep {
    pub name: String,
    pub approvers: Vec<PersonId>,
    /// Approvals that complete the step.
    pub need: u32,
}

/// Where a proposal stands given its decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Waiting on this step (index).
    AtStep(usize),
    Approved,
    Rejected,
}

/// Fold decisions over the steps, in order: a rejection in the current step rejects
/// the proposal; a step with `need` approvals is done and the next one starts.
/// Decisions of a step not yet reached do not count (the store refuses them).
pub fn progress(steps: &[ResolvedStep], decisions: &[Decision]) -> Progress {
    for (i, s) in steps.iter().enumerate() {
        let here = decisions.iter().filter(|d| d.step as usize == i);
        let mut approvals = 0u32;
        for d in here {
            if !d.approve {
                return Progress::Rejected;
            }
            approvals += 1;
        }
        if approvals < s.need {
            return Progress::AtStep(i);
        }
    }
    Progress::Approved
}
