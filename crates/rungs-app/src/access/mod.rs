//! Access rules (PRODUCT.md, "Access"), as pure functions over who is asking and how
//! they relate to the subject. Tested as a matrix in `access/tests.rs`.

use std::collections::HashSet;

use rungs_core::event::{EventBody, EventKind};
use rungs_core::person::{Person, Role};
use rungs_core::store::{Store, StoreResult};
use rungs_core::{OrgId, PersonId, TokenId};

/// Who is asking: resolved from a bearer token, a session, or the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub org_id: OrgId,
    /// `None` for the CLI acting as the system (imports, init).
    pub person_id: Option<PersonId>,
    pub role: Role,
    pub token_id: Option<TokenId>,
}

impl Viewer {
    /// The operator at the command line: full rights, no person attributed.
    pub fn system(org_id: OrgId) -> Self {
        Viewer { org_id, person_id: None, role: Role::Admin, token_id: None }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// How the viewer relates to a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Myself,
    /// The viewer is the subject's direct or indirect manager.
    Manager,
    Other,
}

/// The viewer plus the set of their reports, loaded once per request.
pub struct Scope {
    pub viewer: Viewer,
    reports: HashSet<PersonId>,
}

impl Scope {
    /// Load the viewer's reports where access depends on them: for managers. The
    /// people team may see and do everything, so their reports are not read (one
    /// query less on every admin request); see [`Scope::load_with_reports`].
    pub async fn load(store: &dyn Store, viewer: Viewer) -> StoreResult<Self> {
        Self::load_inner(store, viewer, false).await
    }

    /// Like [`Scope::load`] but also reads an admin's reports, for the few decisions
    /// that depend on the org chart rather than on rights (a validation by an admin
    /// who manages the subject counts as a manager's validation).
    pub async fn load_with_reports(store: &dyn Store, viewer: Viewer) -> StoreResult<Self> {
        Self::load_inner(store, viewer, true).await
    }

    async fn load_inner(store: &dyn Store, viewer: Viewer, admin_too: bool) -> StoreResult<Self> {
        let reports = match (viewer.role, viewer.person_id) {
            (Role::Manager, Some(me)) => store.reports(viewer.org_id, me).await?.into_iter().collect(),
            (Role::Admin, Some(me)) if admin_too => store.reports(viewer.org_id, me).await?.into_iter().collect(),
            _ => HashSet::new(),
        };
        Ok(Scope { viewer, reports })
    }

    pub fn relation(&self, subject: PersonId) -> Relation {
        if self.viewer.person_id == Some(subject) {
            Relation::Myself
        } else if self.reports.contains(&subject) {
            Relation::Manager
        } else {
            Relation::Other
        }
    }

    /// Reports visible to this viewer as a manager (empty for employees).
    pub fn reports(&self) -> &HashSet<PersonId> {
        &self.reports
    }

    pub fn can_read(&self, subject: PersonId) -> bool {
        can_read(self.viewer.role, self.relation(subject))
    }
}

/// May this viewer read the subject's profile, timeline and events?
pub fn can_read(role: Role, rel: Relation) -> bool {
    match role {
        Role::Admin => true,
        Role::Manager => rel != Relation::Other,
        Role::Employee => rel == Relation::Myself,
    }
}

/// May this viewer record an event of `kind` about a subject they relate to as `rel`?
/// `own_target` is true when a reversal targets an event the viewer recorded.
pub fn can_record(role: Role, rel: Relation, kind: EventKind, own_target: bool) -> bool {
    if role == Role::Admin {
        return true;
    }
    let manager = role == Role::Manager && rel == Relation::Manager;
    match kind {
        // Decided by the organization: the people team records these.
        EventKind::Hired | EventKind::ProfileUpdated | EventKind::Promotion | EventKind::LateralMove | EventKind::Departure => false,
        EventKind::MicroProgression => rel == Relation::Myself || manager,
        // Anyone but the subject may validate a win or recognise a colleague.
        EventKind::Validation | EventKind::Recognition => rel != Relation::Myself,
        EventKind::MicroPromotion => manager,
        EventKind::Reversal => own_target || manager,
        // Recorded by the system when a win completes a module (`milestones`).
        EventKind::MilestoneCompleted => false,
    }
}

/// A person as this viewer may see them: pay only for the people team and the person
/// themself, sensitive attributes only for the people team.
pub fn redact_person(role: Role, rel: Relation, mut p: Person) -> Person {
    if role != Role::Admin {
        p.sensitive.clear();
        if rel != Relation::Myself {
            p.pay_band = None;
        }
    }
    p
}

/// An event body as this viewer may see it (same rule as [`redact_person`]).
pub fn redact_body(role: Role, rel: Relation, body: &mut EventBody) {
    if role == Role::Admin {
        return;
    }
    let keep_pay = rel == Relation::Myself;
    match body {
        EventBody::Hired(h) => {
            h.sensitive.clear();
            if !keep_pay {
                h.pay_band = None;
            }
        }
        EventBody::ProfileUpdated(u) => {
            u.sensitive = None;
            if !keep_pay {
                u.pay_band = None;
            }
        }
        EventBody::Promotion(p) if !keep_pay => p.pay_band = None,
        _ => {}
    }
}

#[cfg(test)]
mod tests;
