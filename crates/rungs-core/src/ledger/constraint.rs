//! The database constraints a write can run into, and the one table that says which
//! field each concerns and why: both backends recognise their own spelling of a
//! constraint (SQLite names the columns, PostgreSQL the constraint) and answer with
//! [`Constraint::conflict`], so the same refusal reads the same on either.

use crate::store::StoreError;

/// The refusal of a second validation of the same win by the same person.
pub const ALREADY_VALIDATED: &str = "you have already validated this win";

/// A uniqueness rule the schema enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `people (org_id, email)`.
    PersonEmail,
    /// `events (org_id, idempotency_key)`.
    EventIdempotencyKey,
    /// `events (target)` for reversals: an event is reversed at most once.
    EventReversedOnce,
    /// `validations (target, validator)`: one validation in force per validator and win.
    ValidatedOnce,
    /// `events (id)`.
    EventId,
    /// `people (id)`.
    PersonId,
    /// `organizations (id)`.
    OrganizationId,
    /// `tokens (id)`.
    TokenId,
    /// `tokens (hash)`.
    TokenHash,
    /// `idempotency (org_id, scope, key)`.
    IdempotencyKey,
    /// `applications (opportunity_id, applicant_id)`.
    Application,
    /// `promotion_cycles (org_id, name)`.
    CycleName,
    /// `promotion_cases (cycle_id, subject_id)` among live cases.
    CaseOnce,
    /// `promotion_slots (cycle_id, budget, slot)`: one approval per budget slot.
    BudgetSlot,
    /// `promotion_transitions (case_id, seq)`, `promotion_slots (case_id)`: one move
    /// of a case at a time.
    CaseMoved,
    /// `scim_identities (org_id, user_key)`: a SCIM userName, ignoring case.
    ScimUserName,
    /// `scim_groups (org_id, name)`: a SCIM group's displayName.
    ScimGroupName,
    /// Any other: named by no field.
    Other,
}

impl Constraint {
    /// The field the refusal names, and the reason given.
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            Constraint::PersonEmail => ("payload.email", "is already used by another person"),
            Constraint::EventIdempotencyKey => ("idempotency_key", "was already used for another event"),
            Constraint::EventReversedOnce => ("payload.target", "that event has already been reversed"),
            Constraint::ValidatedOnce => ("payload.target", ALREADY_VALIDATED),
            Constraint::EventId => ("id", "an event with this id already exists"),
            Constraint::PersonId => ("subject", "this person already exists"),
            Constraint::OrganizationId => ("id", "an organization with this id already exists"),
            Constraint::TokenId => ("id", "a token with this id already exists"),
            Constraint::TokenHash => ("hash", "a token with this secret already exists"),
            Constraint::IdempotencyKey => ("Idempotency-Key", "was already used"),
            Constraint::Application => ("applicant", "already applied to this opportunity"),
            Constraint::CycleName => ("name", "a cycle with this name already exists"),
            Constraint::CaseOnce => ("subject", "already has a case in this cycle"),
            Constraint::BudgetSlot => ("budget", "another approval took the same budget slot at the same moment"),
            Constraint::CaseMoved => ("status", "the case was moved by someone else at the same moment; reload it"),
            Constraint::ScimUserName => ("userName", "is already used by another person"),
            Constraint::ScimGroupName => ("displayName", "is already the name of another group"),
            Constraint::Other => ("", "conflicts with an existing record"),
        }
    }

    /// The store's error for a write this constraint refused.
    pub fn conflict(self) -> StoreError {
        let (field, reason) = self.message();
        StoreError::Conflict { field: field.to_string(), reason: reason.to_string() }
    }
}
