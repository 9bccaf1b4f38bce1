//! THE access table: one row per action (read a person; record each event kind;
//! reverse each event kind), one cell per role, each cell saying for which relations
//! to the subject the action is allowed, and whether it still is once the subject has
//! left. Every access decision about people and events is a lookup here
//! ([`allowed`]); `docs/SECURITY.md` shows [`render_markdown`] verbatim (a test keeps
//! them equal), and the HTTP matrix test derives every expected status from it.
//!
//! The decisions behind the rows:
//! - The organization decides promotions, lateral moves, hires, departures, profile
//!   changes; the system records completed milestones: the people team only.
//! - Badges are awarded by their rules (the system); by hand, with a reason, a manager
//!   may award one to a report and the people team to anyone. Taking one back (a
//!   reversal) is the people team's.
//! - A reversal needs the right to record the kind it reverses, for the same person.
//!   Managers may reverse wins, validations, recognition and micro-promotions about
//!   their reports; anyone may reverse what they recorded themself when they could
//!   record it now (`own`). Only the people team reverses what the people team
//!   decides. (The ledger itself refuses reversing a hire or a reversal, whoever asks.)
//! - Recognition: anyone gives it to anyone but themself; a private one is seen by
//!   its giver, its receiver, the receiver's managers and the people team. The
//!   collusion report and the recognition policy are the people team's.
//! - Webhooks carry every event they subscribe to out of Rungs: the people team
//!   manages them.
//! - Evidence from work systems: the people team sets up sources, rules and account
//!   links; a suggested win is accepted or dismissed by its person only.
//! - About a person who has left, only the people team records anything (corrections,
//!   late-recorded history, reversing the departure); their record stays readable by
//!   the same rule as before.

use rungs_core::event::EventKind;
use rungs_core::person::Role;

use super::Relation;

/// What a viewer does about a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the profile, timeline and events.
    Read,
    /// Record an event of this kind (never `Reversal`: see `Reverse`).
    Record(EventKind),
    /// Record a reversal of an event of this kind.
    Reverse(EventKind),
    /// See a private recognition about the subject in the feed (`own`: the viewer
    /// gave it).
    ReadPrivateRecognition,
    /// Read the recognition collusion report (about everyone).
    ReviewCollusion,
    /// Set the recognition policy: allowances, calendar, cap, company values.
    SetRecognitionPolicy,
    /// Define badge rules and preview them over the whole ledger.
    DefineBadges,
    /// Count the subject in an analytics report (aggregates, or a row of a list).
    Analyze(Report),
    /// Administer something organization-wide (no subject: asked with [`may`]).
    Administer(Area),
    /// List and revoke an API token; the subject is the token's holder.
    ManageToken,
    /// Post, decide on (accept, decline, complete) and close an opportunity; the
    /// subject is its owner.
    ManageOpportunity,
    /// Promotion cases (docs/WORKFLOWS.md): nominate the subject in a cycle (for
    /// `myself`, only when the cycle takes self-nominations).
    Nominate,
    /// Read the subject's promotion cases: status, history, packet, decision.
    ReadCase,
    /// Edit, refresh or withdraw a nominated case (`own`: the viewer nominated it).
    EditCase,
    /// Comment and vote on the subject's case under review.
    ReviewCase,
    /// Create cycles, open reviews, calibrate (the board, reorder) and decide.
    Calibrate,
    /// See the subject's pay (pay band, proposed pay increases).
    ReadPay,
    /// See the subject's sensitive attributes (the equity audit's groups).
    ReadSensitive,
    /// Manage webhook subscriptions, read and replay the delivery log (about the
    /// whole organization: a receiver gets every event it subscribes to).
    ManageWebhooks,
    /// Propose a micro-promotion, lateral move or demotion for the subject
    /// (docs/WORKFLOWS.md); a pay change also needs [`Action::ReadPay`].
    Propose,
    /// Read the subject's proposals and their decisions (a pay change's amount also
    /// needs `ReadPay`; a proposal's approvers also read it).
    ReadProposal,
    /// Decide (approve or reject) a step of a proposal about the subject, when the
    /// viewer is one of the step's approvers or stands in for one (delegation).
    DecideProposal,
    /// Configure the approval routes of the organization.
    ConfigureRoutes,
    /// Set up evidence from work systems: sources and their secrets, mapping rules,
    /// account links, auto-accept (docs/INTEGRATIONS.md).
    ManageEvidence,
    /// See, accept or dismiss a suggested win; the subject is the person it is for.
    ResolveSuggestion,
    /// Read your notifications, mark them read, choose which reach you by email
    /// (only `myself`: nobody reads another person's notifications).
    ReadNotifications,
    /// Send a person a one-time sign-in link (invite, resend).
    Invite,
    /// See how a person signs in (password, single sign-on accounts, open invites) and
    /// link or unlink a single sign-on account to them (docs/INTEGRATIONS.md).
    AttachSignIn,
    /// Find a colleague by name to delegate one's approvals to while away: their name
    /// and title only; the subject is the colleague found.
    FindDelegate,
    /// Have your own milestones, badges and micro-promotions issued as verifiable
    /// credentials, list them, choose automatic issuing (only `myself`).
    IssueCredential,
    /// Revoke an issued credential, with a reason; list everyone's credentials.
    RevokeCredential,
    /// Turn the organization's leaderboards on or off (docs/LEADERBOARDS.md).
    SetLeaderboards,
    /// Read a leaderboard. For [`Reach::Team`] the subject is the team's manager, and
    /// `myself` means the viewer is that manager or one of their direct reports (a
    /// member of the team); for the organization and a department there is no
    /// subject (asked as `other`).
    ReadLeaderboard(Reach),
    /// Be ranked on a leaderboard (the subject is the person ranked).
    RankOnLeaderboard,
}

/// Whose people a leaderboard ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    Organization,
    Department,
    /// A manager's direct reports.
    Team,
}

impl Reach {
    pub const ALL: [Reach; 3] = [Reach::Organization, Reach::Department, Reach::Team];

    pub fn as_str(&self) -> &'static str {
        match self {
            Reach::Organization => "the organization",
            Reach::Department => "a department",
            Reach::Team => "a manager's team",
        }
    }
}

/// What the organization administers beyond any one person's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// The career framework: save, import, revert.
    Framework,
    /// Issuing API tokens (to anyone).
    Tokens,
    /// SCIM provisioning: create, list and revoke SCIM tokens (a SCIM token acts as
    /// the people team on /scim/v2).
    Scim,
    /// The organization's calendar: its time zone (docs/WORKFLOWS.md).
    Calendar,
}

impl Area {
    pub const ALL: [Area; 4] = [Area::Framework, Area::Tokens, Area::Scim, Area::Calendar];

    pub fn label(&self) -> &'static str {
        match self {
            Area::Framework => "change the framework (save, import, revert)",
            Area::Tokens => "issue API tokens",
            Area::Scim => "manage SCIM provisioning tokens",
            Area::Calendar => "set the organization's time zone",
        }
    }
}

/// The analytics reports (docs/ANALYTICS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Report {
    /// Metrics per group and period (dashboards).
    Metrics,
    /// The ranked stagnation-risk list, person by person.
    Stagnation,
    /// The what-works report: the whole organization's retention and promotion.
    WhatWorks,
    /// The equity audit: rates by a sensitive attribute.
    Equity,
}

impl Report {
    pub const ALL: [Report; 4] = [Report::Metrics, Report::Stagnation, Report::WhatWorks, Report::Equity];

    pub fn as_str(&self) -> &'static str {
        match self {
            Report::Metrics => "metrics",
            Report::Stagnation => "stagnation",
            Report::WhatWorks => "what-works",
            Report::Equity => "equity",
        }
    }
}

impl Action {
    /// Every action the table has a row for, in table order.
    pub fn all() -> Vec<Action> {
        let kinds = EventKind::ALL.into_iter().filter(|k| *k != EventKind::Reversal);
        // Neither a reversal nor a credential's revocation can be reversed: the
        // ledger refuses both, so they have no reverse row.
        let reversible = kinds.clone().filter(|k| *k != EventKind::CredentialRevoked);
        std::iter::once(Action::Read)
            .chain(kinds.map(Action::Record))
            .chain(reversible.map(Action::Reverse))
            .chain([Action::ReadPrivateRecognition, Action::ReviewCollusion, Action::SetRecognitionPolicy, Action::DefineBadges])
            .chain(Report::ALL.into_iter().map(Action::Analyze))
            .chain(Area::ALL.into_iter().map(Action::Administer))
            .chain([Action::ManageToken, Action::ManageOpportunity])
            .chain([Action::Nominate, Action::ReadCase, Action::EditCase, Action::ReviewCase, Action::Calibrate])
            .chain([Action::ReadPay, Action::ReadSensitive])
            .chain([Action::ManageWebhooks])
            .chain([Action::Propose, Action::ReadProposal, Action::DecideProposal, Action::ConfigureRoutes])
            .chain([Action::ManageEvidence, Action::ResolveSuggestion])
            .chain([Action::ReadNotifications, Action::Invite, Action::AttachSignIn])
            .chain([Action::FindDelegate])
            .chain([Action::IssueCredential, Action::RevokeCredential])
            .chain([Action::SetLeaderboards])
            .chain(Reach::ALL.into_iter().map(Action::ReadLeaderboard))
            .chain([Action::RankOnLeaderboard])
            .collect()
    }

    pub fn label(&self) -> String {
        match self {
            Action::Read => "read profile, timeline, events".into(),
            Action::Record(k) => format!("record `{}`", k.as_str()),
            Action::Reverse(k) => format!("reverse a `{}`", k.as_str()),
            Action::ReadPrivateRecognition => "see a private `recognition` in the feed".into(),
            Action::ReviewCollusion => "read the recognition collusion report".into(),
            Action::SetRecognitionPolicy => "set recognition allowances, calendar and values".into(),
            Action::DefineBadges => "define and preview badge rules".into(),
            Action::Analyze(r) => format!("count in the `{}` report", r.as_str()),
            Action::Administer(a) => a.label().into(),
            Action::ManageToken => "list and revoke an API token (self: their own)".into(),
            Action::ManageOpportunity => "post, decide on and close an opportunity (self: their own)".into(),
            Action::Nominate => "nominate for promotion".into(),
            Action::ReadCase => "read a promotion case".into(),
            Action::EditCase => "edit or withdraw a nominated case".into(),
            Action::ReviewCase => "comment and vote on a case in review".into(),
            Action::Calibrate => "run cycles: calibrate, reorder, decide".into(),
            Action::ReadPay => "see pay (pay band, proposed increases)".into(),
            Action::ReadSensitive => "see sensitive attributes".into(),
            Action::ManageWebhooks => "manage webhooks, read and replay their deliveries".into(),
            Action::Propose => "propose a micro-promotion, lateral move, demotion (pay change: with `see pay`)".into(),
            Action::ReadProposal => "read a proposal and its decisions (also: its approvers)".into(),
            Action::DecideProposal => "approve or reject a proposal's step (only its approvers or their delegates)".into(),
            Action::ConfigureRoutes => "configure approval routes".into(),
            Action::ManageEvidence => "set up evidence sources, mapping rules and account links".into(),
            Action::ResolveSuggestion => "see, accept or dismiss a suggested win (self: their own)".into(),
            Action::ReadNotifications => "read notifications, set email preferences".into(),
            Action::Invite => "send an invite (one-time sign-in link)".into(),
            Action::AttachSignIn => "see how a person signs in; link or unlink a single sign-on account".into(),
            Action::FindDelegate => "find a colleague by name to delegate approvals to (name and title only)".into(),
            Action::IssueCredential => "have own achievements issued as verifiable credentials".into(),
            Action::RevokeCredential => "revoke a verifiable credential".into(),
            Action::SetLeaderboards => "turn leaderboards on or off".into(),
            Action::ReadLeaderboard(r) => format!("read the leaderboards of {} (self: the team's manager or a member)", r.as_str()),
            Action::RankOnLeaderboard => "be ranked on a leaderboard".into(),
        }
    }
}

/// How far a right goes for one relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    No,
    /// Only for a target event the viewer recorded themself (reversals).
    Own,
    Yes,
}

/// One role's cell of a row: the grant per relation, and whether it holds about a
/// person who has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub myself: Grant,
    pub report: Grant,
    pub other: Grant,
    pub after_leaving: bool,
}

impl Cell {
    pub fn grant(&self, rel: Relation) -> Grant {
        match rel {
            Relation::Myself => self.myself,
            Relation::Manager => self.report,
            Relation::Other => self.other,
        }
    }
}

/// One action, one cell per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub action: Action,
    pub employee: Cell,
    pub manager: Cell,
    pub admin: Cell,
}

impl Rule {
    pub fn cell(&self, role: Role) -> &Cell {
        match role {
            Role::Employee => &self.employee,
            Role::Manager => &self.manager,
            Role::Admin => &self.admin,
        }
    }
}

/// The facts about the subject (and the target) a decision needs beside the relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Subject {
    /// The subject has left the organization.
    pub left: bool,
    /// For reversals: the viewer recorded the target (for a private recognition:
    /// the viewer gave it).
    pub own_target: bool,
}

impl Subject {
    pub const ACTIVE: Subject = Subject { left: false, own_target: false };
}

use Grant::{No, Own, Yes};

const fn cell(myself: Grant, report: Grant, other: Grant, after_leaving: bool) -> Cell {
    Cell { myself, report, other, after_leaving }
}
const NOBODY: Cell = cell(No, No, No, false);
const ANYONE: Cell = cell(Yes, Yes, Yes, true);

const fn people_team(action: Action) -> Rule {
    Rule { action, employee: NOBODY, manager: NOBODY, admin: ANYONE }
}

use EventKind as K;

/// The rules. `report` means a direct or indirect report, for a manager; an
/// employee-role viewer has no reports, whatever the org chart says.
pub const RULES: &[Rule] = &[
    Rule { action: Action::Read, employee: cell(Yes, No, No, true), manager: cell(Yes, Yes, No, true), admin: ANYONE },
    people_team(Action::Record(K::Hired)),
    people_team(Action::Record(K::ProfileUpdated)),
    Rule { action: Action::Record(K::MicroProgression), employee: cell(Yes, No, No, false), manager: cell(Yes, Yes, No, false), admin: ANYONE },
    Rule { action: Action::Record(K::Validation), employee: cell(No, No, Yes, false), manager: cell(No, Yes, Yes, false), admin: ANYONE },
    Rule { action: Action::Record(K::MicroPromotion), employee: NOBODY, manager: cell(No, Yes, No, false), admin: ANYONE },
    people_team(Action::Record(K::Promotion)),
    people_team(Action::Record(K::LateralMove)),
    // Nobody recognizes themself, the people team included (the ledger refuses it too).
    Rule { action: Action::Record(K::Recognition), employee: cell(No, No, Yes, false), manager: cell(No, Yes, Yes, false), admin: cell(No, Yes, Yes, true) },
    people_team(Action::Record(K::Departure)),
    people_team(Action::Record(K::MilestoneCompleted)),
    Rule { action: Action::Record(K::BadgeAwarded), employee: NOBODY, manager: cell(No, Yes, No, false), admin: ANYONE },
    // A credential's revocation is the people team's (like `RevokeCredential`), and
    // final: no row reverses it, the ledger refuses to (a new credential is issued
    // instead).
    people_team(Action::Record(K::CredentialRevoked)),
    people_team(Action::Reverse(K::Hired)),
    people_team(Action::Reverse(K::ProfileUpdated)),
    Rule { action: Action::Reverse(K::MicroProgression), employee: cell(Own, No, No, false), manager: cell(Own, Yes, No, false), admin: ANYONE },
    Rule { action: Action::Reverse(K::Validation), employee: cell(No, No, Own, false), manager: cell(No, Yes, Own, false), admin: ANYONE },
    Rule { action: Action::Reverse(K::MicroPromotion), employee: NOBODY, manager: cell(No, Yes, No, false), admin: ANYONE },
    people_team(Action::Reverse(K::Promotion)),
    people_team(Action::Reverse(K::LateralMove)),
    Rule { action: Action::Reverse(K::Recognition), employee: cell(No, No, Own, false), manager: cell(No, Yes, Own, false), admin: cell(No, Yes, Yes, true) },
    people_team(Action::Reverse(K::Departure)),
    people_team(Action::Reverse(K::MilestoneCompleted)),
    // A private recognition: its receiver, the receiver's managers, its giver (own)
    // and the people team see it; everyone else sees the public feed only.
    Rule { action: Action::ReadPrivateRecognition, employee: cell(Yes, No, Own, true), manager: cell(Yes, Yes, Own, true), admin: ANYONE },
    people_team(Action::ReviewCollusion),
    people_team(Action::SetRecognitionPolicy),
    people_team(Action::DefineBadges),
    // Analytics: a manager's dashboards and stagnation list cover their reports (and
    // leavers among them, for the period metrics); the what-works report rests on the
    // whole organization, so it is the people team's.
    Rule { action: Action::Analyze(Report::Metrics), employee: NOBODY, manager: cell(No, Yes, No, true), admin: ANYONE },
    Rule { action: Action::Analyze(Report::Stagnation), employee: NOBODY, manager: cell(No, Yes, No, true), admin: ANYONE },
    people_team(Action::Analyze(Report::WhatWorks)),
    people_team(Action::Reverse(K::BadgeAwarded)),
    // The equity audit groups people by sensitive attributes, which only the people
    // team reads.
    people_team(Action::Analyze(Report::Equity)),
    // Organization-wide administration, and what people manage of their own: their
    // tokens (the people team anyone's), their opportunities (the people team, on
    // behalf of anyone).
    people_team(Action::Administer(Area::Framework)),
    people_team(Action::Administer(Area::Tokens)),
    people_team(Action::Administer(Area::Scim)),
    people_team(Action::Administer(Area::Calendar)),
    Rule { action: Action::ManageToken, employee: cell(Yes, No, No, false), manager: cell(Yes, No, No, false), admin: ANYONE },
    Rule { action: Action::ManageOpportunity, employee: cell(Yes, No, No, false), manager: cell(Yes, No, No, false), admin: ANYONE },
    // Promotion cases: a manager nominates a report (a person themself only in a
    // cycle that takes self-nominations); the case is read like the person's
    // record; whoever nominated may edit or withdraw it until review starts; the
    // subject's managers and the people team review (nobody their own case); the
    // people team runs the cycle and decides.
    Rule { action: Action::Nominate, employee: cell(Yes, No, No, false), manager: cell(Yes, Yes, No, false), admin: ANYONE },
    Rule { action: Action::ReadCase, employee: cell(Yes, No, No, true), manager: cell(Yes, Yes, No, true), admin: ANYONE },
    Rule { action: Action::EditCase, employee: cell(Own, No, No, false), manager: cell(Own, Own, No, false), admin: ANYONE },
    Rule { action: Action::ReviewCase, employee: NOBODY, manager: cell(No, Yes, No, false), admin: cell(No, Yes, Yes, true) },
    people_team(Action::Calibrate),
    // Pay: the person and the people team; sensitive attributes: the people team.
    Rule { action: Action::ReadPay, employee: cell(Yes, No, No, true), manager: cell(Yes, No, No, true), admin: ANYONE },
    people_team(Action::ReadSensitive),
    // Webhooks send events about everyone (pay included) to a system outside: the
    // people team's, like the what-works report.
    people_team(Action::ManageWebhooks),
    // Proposals (docs/WORKFLOWS.md): a manager proposes for a report, the people team
    // for anyone; the subject, their managers and the people team read them (and the
    // approvers the route names); a step is decided by whoever the route names (or
    // their delegate), never about themself; the people team configures routes.
    Rule { action: Action::Propose, employee: NOBODY, manager: cell(No, Yes, No, false), admin: cell(No, Yes, Yes, false) },
    Rule { action: Action::ReadProposal, employee: cell(Yes, No, No, true), manager: cell(Yes, Yes, No, true), admin: ANYONE },
    Rule { action: Action::DecideProposal, employee: cell(No, No, Yes, false), manager: cell(No, Yes, Yes, false), admin: cell(No, Yes, Yes, false) },
    people_team(Action::ConfigureRoutes),
    // Anyone may be an approver and be away: they find a delegate among the active
    // people of the organization, by name, seeing a name and a title (no more);
    // nobody who has left is found, whoever searches.
    Rule { action: Action::FindDelegate, employee: cell(No, No, Yes, false), manager: cell(No, Yes, Yes, false), admin: cell(No, Yes, Yes, false) },
    people_team(Action::Record(K::Demotion)),
    people_team(Action::Reverse(K::Demotion)),
    // Evidence sources hold secrets and decide what counts as whose work: the people
    // team's. A suggested win reaches the ledger only through its person (or the
    // organization's auto-accept): nobody accepts or dismisses it for them.
    people_team(Action::ManageEvidence),
    Rule { action: Action::ResolveSuggestion, employee: cell(Yes, No, No, false), manager: cell(Yes, No, No, false), admin: cell(Yes, No, No, false) },
    // Notifications are each person's own, whatever their role; a person who has
    // left cannot sign in to read them.
    Rule { action: Action::ReadNotifications, employee: cell(Yes, No, No, false), manager: cell(Yes, No, No, false), admin: cell(Yes, No, No, false) },
    // Invites let someone in: the people team's, like setting a password at the
    // command line.
    people_team(Action::Invite),
    // Linking a single sign-on account lets whoever holds it at the provider in as
    // that person: the people team's, like invites and passwords.
    people_team(Action::AttachSignIn),
    // Verifiable credentials (docs/CREDENTIALS.md): a credential is its holder's, so
    // only they have theirs issued (nobody collects another person's portable
    // record); revoking one is the organization's word, the people team's.
    Rule { action: Action::IssueCredential, employee: cell(Yes, No, No, false), manager: cell(Yes, No, No, false), admin: cell(Yes, No, No, false) },
    people_team(Action::RevokeCredential),
    // Leaderboards, once the organization turns them on (the people team's switch):
    // everyone reads the organization's and any department's boards; a manager's
    // team board is read by the team (its manager and direct reports), the managers
    // above it and the people team. Nobody is ranked after leaving.
    people_team(Action::SetLeaderboards),
    Rule { action: Action::ReadLeaderboard(Reach::Organization), employee: cell(Yes, No, Yes, false), manager: cell(Yes, Yes, Yes, false), admin: ANYONE },
    Rule { action: Action::ReadLeaderboard(Reach::Department), employee: cell(Yes, No, Yes, false), manager: cell(Yes, Yes, Yes, false), admin: ANYONE },
    Rule { action: Action::ReadLeaderboard(Reach::Team), employee: cell(Yes, No, No, false), manager: cell(Yes, Yes, No, false), admin: ANYONE },
    Rule { action: Action::RankOnLeaderboard, employee: cell(Yes, No, Yes, false), manager: cell(Yes, Yes, Yes, false), admin: cell(Yes, Yes, Yes, false) },
];

/// May `role` take `action` about anyone at all (for organization-wide actions, the
/// only question; for others, whether to offer it)? Otherwise it is a 403.
pub fn may(role: Role, action: Action) -> bool {
    rule(action).is_some_and(|r| Relation::ALL.iter().any(|rel| r.cell(role).grant(*rel) != No))
}

/// May `role` see the report at all (for anyone)? Otherwise it is a 403.
pub fn may_analyze(role: Role, report: Report) -> bool {
    may(role, Action::Analyze(report))
}

/// Does `role` hold every record and reverse row about everyone but themself, active
/// or departed, with no `own` condition? Then a batch of events needs no per-subject
/// read to be judged (the people team's bulk imports stay one write). Derived from
/// the rows, so narrowing the people team's rights turns the shortcut off.
pub fn records_about_anyone_else(role: Role) -> bool {
    RULES.iter().filter(|r| matches!(r.action, Action::Record(_) | Action::Reverse(_))).all(|r| {
        let c = r.cell(role);
        c.report == Yes && c.other == Yes && c.after_leaving
    })
}

/// The row for `action`; `None` for a reversal of a reversal or of a credential's
/// revocation, which have none (the ledger refuses them).
pub fn rule(action: Action) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.action == action)
}

/// The one decision: may `role`, relating to the subject as `rel`, take `action`?
/// Actions without a row are the people team's (and the ledger decides).
pub fn allowed(role: Role, rel: Relation, action: Action, subject: Subject) -> bool {
    let Some(rule) = rule(action) else { return role == Role::Admin };
    let cell = rule.cell(role);
    if subject.left && !cell.after_leaving {
        return false;
    }
    match cell.grant(rel) {
        Grant::Yes => true,
        Grant::Own => subject.own_target,
        Grant::No => false,
    }
}

/// May `role` record anything at all about a person who has left? For records made
/// outside the table's rows (an opportunity's completion puts a win on the
/// applicant's ledger): the same answer the rows give.
pub fn records_after_leaving(role: Role) -> bool {
    RULES.iter().any(|r| matches!(r.action, Action::Record(_)) && r.cell(role).after_leaving && Relation::ALL.iter().any(|rel| r.cell(role).grant(*rel) != No))
}

/// The table as Markdown, for `docs/SECURITY.md`.
pub fn render_markdown() -> String {
    let mut out = String::from("| action | employee | manager | admin | about a person who has left |\n|---|---|---|---|---|\n");
    for r in RULES {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.action.label(),
            render_cell(&r.employee, Role::Employee),
            render_cell(&r.manager, Role::Manager),
            render_cell(&r.admin, Role::Admin),
            render_after_leaving(r)
        ));
    }
    out
}

/// Who keeps the right once the subject has left: everyone who has it ("unchanged"),
/// some roles, or nobody.
fn render_after_leaving(r: &Rule) -> String {
    let roles = [Role::Employee, Role::Manager, Role::Admin];
    let granted = |role: &Role| Relation::ALL.iter().any(|rel| r.cell(*role).grant(*rel) != No);
    let with: Vec<&Role> = roles.iter().filter(|role| granted(role)).collect();
    let keep: Vec<&str> = with.iter().filter(|role| r.cell(***role).after_leaving).map(|role| role.as_str()).collect();
    match keep.len() {
        0 => "nobody".into(),
        n if n == with.len() => "unchanged".into(),
        _ => format!("{} only", keep.join(", ")),
    }
}

fn render_cell(c: &Cell, role: Role) -> String {
    let rels: &[(Relation, &str)] = if role == Role::Manager {
        &[(Relation::Myself, "self"), (Relation::Manager, "reports"), (Relation::Other, "others")]
    } else {
        &[(Relation::Myself, "self"), (Relation::Other, "others")]
    };
    let all_yes = rels.iter().all(|(r, _)| c.grant(*r) == Yes);
    let mut parts: Vec<String> = Vec::new();
    if all_yes {
        parts.push("anyone".into());
    } else {
        for (r, name) in rels {
            match c.grant(*r) {
                Yes => parts.push((*name).into()),
                Own => parts.push(format!("{name} (own)")),
                No => {}
            }
        }
    }
    if parts.is_empty() { "—".into() } else { parts.join(", ") }
}
