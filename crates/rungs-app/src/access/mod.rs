//! Access rules (PRODUCT.md, "Access"), as pure functions over who is asking and how
//! they relate to the subject. Tested as a matrix in `access/tests.rs`.

use std::collections::HashSet;

use rungs_core::event::{EventBody, EventKind};
use rungs_core::person::{Person, Role};
use rungs_core::store::{Store, StoreResult};
use rungs_core::{OrgId, PersonId, TokenId};

pub mod table;

pub use table::{Action, Area, Grant, Subject};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    Myself,
    /// The viewer is the subject's direct or indirect manager, and acts as one: only
    /// for manager tokens and sessions (an employee-role viewer has no reports), and
    /// for the people team where the org chart matters (validations).
    Manager,
    /// Anyone else: a peer, someone in another department.
    Other,
}

impl Relation {
    pub const ALL: [Relation; 3] = [Relation::Myself, Relation::Manager, Relation::Other];
}

/// The viewer plus their reports, resolved once per request: the whole subtree
/// ([`Scope::load`], for lists of a team) or only the people the request is about
/// ([`Scope::for_subjects`], for everything about one person).
pub struct Scope {
    pub viewer: Viewer,
    /// The viewer's reports, or, from [`Scope::for_subjects`], those of the asked
    /// subjects that are reports: anyone not resolved relates as `Other`, so a
    /// question about someone not asked is refused, never wrongly allowed.
    reports: HashSet<PersonId>,
}

/// Above this many subjects, [`Scope::for_subjects`] reads the whole subtree once
/// instead of walking up each subject's chain.
const WALK_AT_MOST: usize = 32;

impl Scope {
    /// The viewer's relation to `subjects` only: for a manager, one walk up each
    /// subject's manager chain (`Store::is_report`, as long as the chain, not as
    /// big as the team), so a page about one person costs the same for the manager
    /// of five or of ten thousand.
    pub async fn for_subjects(store: &dyn Store, viewer: Viewer, subjects: &[PersonId]) -> StoreResult<Self> {
        Self::for_subjects_inner(store, viewer, subjects, false).await
    }

    /// Like [`Scope::for_subjects`], with an admin's reports too (see
    /// [`Scope::load_with_reports`]).
    pub async fn for_subjects_with_reports(store: &dyn Store, viewer: Viewer, subjects: &[PersonId]) -> StoreResult<Self> {
        Self::for_subjects_inner(store, viewer, subjects, true).await
    }

    async fn for_subjects_inner(store: &dyn Store, viewer: Viewer, subjects: &[PersonId], admin_too: bool) -> StoreResult<Self> {
        let me = match (viewer.role, viewer.person_id) {
            (Role::Manager, Some(me)) => me,
            (Role::Admin, Some(me)) if admin_too => me,
            _ => return Ok(Scope { viewer, reports: HashSet::new() }),
        };
        let asked: HashSet<PersonId> = subjects.iter().copied().filter(|s| *s != me).collect();
        if asked.len() > WALK_AT_MOST {
            return Self::load_inner(store, viewer, admin_too).await;
        }
        let mut reports = HashSet::new();
        for s in asked {
            if store.is_report(viewer.org_id, me, s).await? {
                reports.insert(s);
            }
        }
        Ok(Scope { viewer, reports })
    }

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

/// May this viewer read the subject's profile, timeline and events? (A person who has
/// left stays readable under the same rule: their history does not go away.)
pub fn can_read(role: Role, rel: Relation) -> bool {
    table::allowed(role, rel, Action::Read, Subject::ACTIVE)
}

/// The event a reversal points at, as far as access is concerned: its kind, and
/// whether the viewer recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub kind: EventKind,
    pub own: bool,
}

/// May this viewer record an event of `kind` about a subject they relate to as `rel`?
///
/// A `reversal` is decided by the kind it reverses (`target`): reversing needs the
/// right to record that kind about the subject, and for some grants that the viewer
/// recorded the target themself (see [`table::RULES`]). A reversal whose target is
/// unknown (`None`) is allowed to the people team only; the ledger then refuses it.
/// `left` is true when the subject has left the organization.
pub fn can_record(role: Role, rel: Relation, kind: EventKind, target: Option<Target>, left: bool) -> bool {
    match (kind, target) {
        (EventKind::Reversal, Some(t)) => table::allowed(role, rel, Action::Reverse(t.kind), Subject { left, own_target: t.own }),
        (EventKind::Reversal, None) => role == Role::Admin,
        (kind, _) => table::allowed(role, rel, Action::Record(kind), Subject { left, own_target: false }),
    }
}

/// When `action` is refused, may the refusal say so (`403`) rather than answer as if
/// the person did not exist (`404`)? Yes when the viewer may read the person, or when
/// the action is one anyone may take about anyone (recognition and validation, and
/// their reversals): the viewer knows the person exists.
pub fn refusal_is_visible(role: Role, rel: Relation, action: Action) -> bool {
    let open = |k: EventKind| matches!(k, EventKind::Recognition | EventKind::Validation);
    can_read(role, rel)
        || match action {
            Action::Read
            | Action::ReadPrivateRecognition
            | Action::ReviewCollusion
            | Action::SetRecognitionPolicy
            | Action::DefineBadges
            | Action::ManageWebhooks
            | Action::ManageEvidence
            | Action::ResolveSuggestion
            | Action::ReadNotifications
            | Action::Invite
            | Action::AttachSignIn
            | Action::IssueCredential
            | Action::RevokeCredential
            | Action::ReadPay
            | Action::ReadSensitive => false,
            Action::Record(k) | Action::Reverse(k) => open(k),
            Action::Analyze(_) | Action::Administer(_) | Action::ManageToken | Action::ManageOpportunity => false,
            Action::Nominate | Action::ReadCase | Action::EditCase | Action::ReviewCase | Action::Calibrate => false,
            Action::Propose | Action::ReadProposal | Action::DecideProposal | Action::ConfigureRoutes => false,
            Action::FindDelegate => false,
            Action::SetLeaderboards | Action::ReadLeaderboard(_) | Action::RankOnLeaderboard => false,
        }
}

/// What a role may do across the organization, asked of the table once, for pages
/// and menus to offer only what works (they never decide themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Read anyone's profile and timeline (the people list).
    pub read_everyone: bool,
    /// Has reports to read: the team page.
    pub read_reports: bool,
    /// Add people (hires) and change profiles: the people list's import.
    pub add_people: bool,
    pub change_framework: bool,
    pub define_badges: bool,
    pub issue_tokens: bool,
    pub review_collusion: bool,
    pub set_recognition_policy: bool,
    /// The metrics dashboard (for whom it covers: the rows decide).
    pub metrics: bool,
    /// The metrics cover everyone (not only reports).
    pub metrics_everyone: bool,
    pub what_works: bool,
    pub equity: bool,
    /// Manage opportunities on behalf of their owners.
    pub manage_any_opportunity: bool,
    /// Run promotion cycles: open reviews, calibrate, decide.
    pub calibrate: bool,
    /// Webhook subscriptions and their delivery log: the webhooks page.
    pub manage_webhooks: bool,
    /// SCIM provisioning tokens: the SCIM page.
    pub manage_scim: bool,
    /// Approval routes of proposals: the approval-routes page.
    pub configure_routes: bool,
    /// Set up evidence sources (secrets), mapping rules and account links.
    pub manage_evidence: bool,
    /// Send invites (one-time sign-in links) after an import and from a person page.
    pub invite: bool,
    /// See how a person signs in and link a single sign-on account: the person page's
    /// sign-in section.
    pub attach_sign_in: bool,
    /// Has notifications of their own: the bell.
    pub notifications: bool,
    /// Set the organization's time zone: the time-zone page.
    pub set_time_zone: bool,
    /// Has credentials of their own: the credentials page.
    pub credentials: bool,
    /// Lists and revokes everyone's credentials.
    pub revoke_credentials: bool,
}

impl Capabilities {
    pub fn of(role: Role) -> Self {
        let rel = |action, rel| table::allowed(role, rel, action, Subject::ACTIVE);
        Capabilities {
            read_everyone: rel(Action::Read, Relation::Other),
            read_reports: rel(Action::Read, Relation::Manager) && role != Role::Employee,
            add_people: rel(Action::Record(EventKind::Hired), Relation::Other) && rel(Action::Record(EventKind::ProfileUpdated), Relation::Other),
            change_framework: table::may(role, Action::Administer(Area::Framework)),
            define_badges: table::may(role, Action::DefineBadges),
            issue_tokens: table::may(role, Action::Administer(Area::Tokens)),
            review_collusion: table::may(role, Action::ReviewCollusion),
            set_recognition_policy: table::may(role, Action::SetRecognitionPolicy),
            metrics: table::may(role, Action::Analyze(table::Report::Metrics)),
            metrics_everyone: rel(Action::Analyze(table::Report::Metrics), Relation::Other),
            what_works: table::may(role, Action::Analyze(table::Report::WhatWorks)),
            equity: table::may(role, Action::Analyze(table::Report::Equity)),
            manage_any_opportunity: rel(Action::ManageOpportunity, Relation::Other),
            calibrate: table::may(role, Action::Calibrate),
            manage_webhooks: rel(Action::ManageWebhooks, Relation::Other),
            manage_scim: table::may(role, Action::Administer(Area::Scim)),
            configure_routes: table::may(role, Action::ConfigureRoutes),
            manage_evidence: rel(Action::ManageEvidence, Relation::Other),
            invite: table::may(role, Action::Invite),
            attach_sign_in: table::may(role, Action::AttachSignIn),
            notifications: rel(Action::ReadNotifications, Relation::Myself),
            set_time_zone: table::may(role, Action::Administer(Area::Calendar)),
            credentials: rel(Action::IssueCredential, Relation::Myself),
            revoke_credentials: table::may(role, Action::RevokeCredential),
        }
    }
}

/// `Forbidden` with `why` unless `role` may take the organization-wide `action`.
pub fn require(role: Role, action: Action, why: &str) -> Result<(), crate::AppError> {
    if table::may(role, action) { Ok(()) } else { Err(crate::AppError::Forbidden(why.into())) }
}

/// A person as this viewer may see them: pay and sensitive attributes only as the
/// table's `ReadPay` and `ReadSensitive` rows allow (the person and the people team;
/// the people team).
pub fn redact_person(role: Role, rel: Relation, mut p: Person) -> Person {
    if !table::allowed(role, rel, Action::ReadSensitive, Subject::ACTIVE) {
        p.sensitive.clear();
    }
    if !table::allowed(role, rel, Action::ReadPay, Subject::ACTIVE) {
        p.pay_band = None;
    }
    p
}

/// An event body as this viewer may see it (same rule as [`redact_person`]).
pub fn redact_body(role: Role, rel: Relation, body: &mut EventBody) {
    let keep_sensitive = table::allowed(role, rel, Action::ReadSensitive, Subject::ACTIVE);
    let keep_pay = table::allowed(role, rel, Action::ReadPay, Subject::ACTIVE);
    if keep_sensitive && keep_pay {
        return;
    }
    match body {
        EventBody::Hired(h) => {
            if !keep_sensitive {
                h.sensitive.clear();
            }
            if !keep_pay {
                h.pay_band = None;
            }
        }
        EventBody::ProfileUpdated(u) => {
            if !keep_sensitive {
                u.sensitive = None;
            }
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
