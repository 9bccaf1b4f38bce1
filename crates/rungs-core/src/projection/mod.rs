//! Projection folds: the current state of a person computed from their ledger events.
//! The store applies these incrementally on append and from scratch on rebuild; both
//! paths call the same functions, which is why a rebuild equals the live state.

use std::collections::HashSet;

use crate::event::{Event, EventBody, EventKind, NewEvent};
use crate::person::{Person, PersonStatus};
use crate::{EventId, ValidationError};

/// Start a person from their `hired` event. `None` if the event is not a hire.
pub fn hire(e: &Event) -> Option<Person> {
    let EventBody::Hired(h) = &e.body else { return None };
    Some(Person {
        id: e.subject,
        org_id: e.org_id,
        name: h.name.clone(),
        email: h.email.clone(),
        manager_id: h.manager_id,
        department: h.department.clone(),
        location: h.location.clone(),
        hired_at: e.occurred_at,
        status: PersonStatus::Active,
        ended_at: None,
        end_reason: None,
        position: h.position.clone(),
        scope: None,
        level_since: e.occurred_at,
        last_promotion_at: None,
        last_progression_at: None,
        micro_progressions: 0,
        micro_promotions: 0,
        promotions: 0,
        recognitions_received: 0,
        pay_band: h.pay_band.clone(),
        sensitive: h.sensitive.clone(),
        last_occurred_at: e.occurred_at,
        events_in_force: 1,
    })
}

/// Fold one event (not a hire, not a reversal) into a person's state.
pub fn apply(p: &mut Person, e: &Event) {
    let at = e.occurred_at;
    match &e.body {
        EventBody::Reversal(_) => return,
        // A second hire is a rehire of someone who left (check_append refuses it
        // otherwise): active again, with the profile it carries. `hired_at` stays the
        // first hire, so history recorded between the two stays valid.
        EventBody::Hired(h) => {
            p.status = PersonStatus::Active;
            p.ended_at = None;
            p.end_reason = None;
            p.name = h.name.clone();
            p.email = h.email.clone();
            p.manager_id = h.manager_id;
            p.department = h.department.clone();
            p.location = h.location.clone();
            p.position = h.position.clone();
            if h.pay_band.is_some() {
                p.pay_band = h.pay_band.clone();
            }
        }
        EventBody::ProfileUpdated(u) => {
            if let Some(v) = &u.name {
                p.name = v.clone();
            }
            if let Some(v) = &u.email {
                p.email = v.clone();
            }
            if let Some(v) = u.manager_id {
                p.manager_id = v;
            }
            if let Some(v) = &u.department {
                p.department = (!v.is_empty()).then(|| v.clone());
            }
            if let Some(v) = &u.location {
                p.location = Some(v.clone());
            }
            if let Some(v) = &u.pay_band {
                p.pay_band = Some(v.clone());
            }
            if let Some(v) = &u.sensitive {
                p.sensitive = v.clone();
            }
        }
        EventBody::MicroProgression(_) => p.micro_progressions += 1,
        EventBody::Validation(_) => {}
        EventBody::MicroPromotion(m) => {
            p.scope = Some(m.scope.clone());
            p.micro_promotions += 1;
        }
        EventBody::Promotion(pr) => {
            p.position = pr.to.clone();
            p.level_since = at;
            p.last_promotion_at = Some(at);
            p.promotions += 1;
            p.scope = None;
            if let Some(b) = &pr.pay_band {
                p.pay_band = Some(b.clone());
            }
        }
        EventBody::Demotion(d) => {
            p.position = d.to.clone();
            p.level_since = at;
            p.scope = None;
        }
        EventBody::LateralMove(l) => {
            if let Some(to) = &l.to {
                if to.level != p.position.level || to.track != p.position.track {
                    p.level_since = at;
                }
                p.position = to.clone();
            }
            if let Some(d) = &l.department {
                p.department = Some(d.clone());
            }
            if let Some(m) = l.manager_id {
                p.manager_id = Some(m);
            }
        }
        EventBody::Recognition(_) => p.recognitions_received += 1,
        // Recorded for the milestone map and credentials; no profile field changes.
        EventBody::MilestoneCompleted(_) | EventBody::BadgeAwarded(_) => {}
        // Projected into the issued credential (its revocation), not the person.
        EventBody::CredentialRevoked(_) => {}
        EventBody::Departure(d) => {
            p.status = PersonStatus::Departed;
            p.ended_at = Some(at);
            p.end_reason = Some(d.reason.as_str().to_string());
        }
    }
    if e.kind().is_progression() {
        p.last_progression_at = Some(p.last_progression_at.map_or(at, |t| t.max(at)));
    }
    p.last_occurred_at = p.last_occurred_at.max(at);
    p.events_in_force += 1;
}

/// Fold a person's whole history from scratch. `events` may be in any order; they
/// are folded by (occurred_at, seq), skipping reversed events and the reversals
/// themselves. `None` if there is no hire in force.
pub fn fold(events: &[Event]) -> Option<Person> {
    let reversed: HashSet<EventId> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Reversal(r) => Some(r.target),
            _ => None,
        })
        .collect();
    let mut live: Vec<&Event> = events.iter().filter(|e| !reversed.contains(&e.id) && e.kind() != EventKind::Reversal).collect();
    live.sort_by_key(|e| (e.occurred_at, e.seq));
    let (first, rest) = live.split_first()?;
    let mut p = hire(first)?;
    for e in rest {
        apply(&mut p, e);
    }
    Some(p)
}

/// Whether `e` can be folded onto `p` incrementally, or the subject must be refolded:
/// a reversal, or an order-sensitive event (one that sets a position, profile field or
/// status) dated before the latest event already folded. Wins, validations,
/// milestone completions and recognition only add to counters and take maxima of times, so [`apply`] gives the
/// same state whatever their order; refolding for them would make every slightly
/// out-of-order concurrent POST re-read the person's whole history.
pub fn needs_refold(p: &Person, e: &Event) -> bool {
    match e.kind() {
        EventKind::Reversal => true,
        EventKind::MicroProgression | EventKind::Validation | EventKind::Recognition | EventKind::MilestoneCompleted | EventKind::BadgeAwarded => false,
        _ => e.occurred_at < p.last_occurred_at,
    }
}

/// What the store knows when checking that an event may join the ledger.
pub struct AppendContext<'a> {
    /// The subject's current state, if they exist.
    pub subject: Option<&'a Person>,
    /// The event this one targets (reversal, validation), if it exists.
    pub target: Option<&'a Event>,
    /// Whether the target has already been reversed.
    pub target_reversed: bool,
}

/// Invariants that depend on ledger state, checked inside the store's write
/// transaction (by the append plan, `ledger::plan`) so concurrent writers cannot
/// break them: the subject exists (or, for a hire, does not yet), the target rules,
/// and nothing is dated before the subject's hire.
pub fn check_append(e: &NewEvent, ctx: &AppendContext<'_>) -> Result<(), ValidationError> {
    match (&e.body, ctx.subject) {
        (EventBody::Hired(_), Some(p)) if p.status != PersonStatus::Departed => {
            return Err(ValidationError::single("subject", "this person was already hired"));
        }
        (EventBody::Hired(_), None) => return Ok(()),
        (_, None) => return Err(ValidationError::single("subject", "no such person")),
        (_, Some(_)) => {}
    }
    target_rules(e, ctx)?;
    if matches!(e.body, EventBody::Recognition(_)) && e.actor == Some(e.subject) {
        return Err(ValidationError::single("subject", "nobody can recognize themself"));
    }
    // A badge is earned while someone works here: none is awarded after they left.
    if matches!(e.body, EventBody::BadgeAwarded(_)) && ctx.subject.is_some_and(|p| p.status == crate::person::PersonStatus::Departed) {
        return Err(ValidationError::single("subject", "this person has left: no badge is awarded after leaving"));
    }
    // A non-hire dated before the hire would make the fold start without a hire and
    // lose the person.
    if let Some(p) = ctx.subject
        && e.occurred_at < p.hired_at
    {
        return Err(ValidationError::single("occurred_at", "is before the person was hired"));
    }
    Ok(())
}

/// The rules about the event a reversal or validation targets.
fn target_rules(e: &NewEvent, ctx: &AppendContext<'_>) -> Result<(), ValidationError> {
    match &e.body {
        EventBody::Reversal(_) | EventBody::Validation(_) => {
            let Some(t) = ctx.target else {
                return Err(ValidationError::single("payload.target", "no such event"));
            };
            if t.subject != e.subject {
                return Err(ValidationError::single("payload.target", "is about a different person than subject"));
            }
            if ctx.target_reversed {
                return Err(ValidationError::single("payload.target", "that event has been reversed"));
            }
            match (&e.body, t.kind()) {
                (EventBody::Reversal(_), EventKind::Reversal) => {
                    Err(ValidationError::single("payload.target", "a reversal cannot be reversed; record the event again instead"))
                }
                (EventBody::Reversal(_), EventKind::Hired) => {
                    Err(ValidationError::single("payload.target", "a hire cannot be reversed; record a departure instead"))
                }
                // Verifiers have seen it revoked: a revocation is final.
                (EventBody::Reversal(_), EventKind::CredentialRevoked) => {
                    Err(ValidationError::single("payload.target", "a credential's revocation cannot be reversed; issue a new credential instead"))
                }
                (EventBody::Validation(_), k) if k != EventKind::MicroProgression => {
                    Err(ValidationError::single("payload.target", "only a micro_progression can be validated"))
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
