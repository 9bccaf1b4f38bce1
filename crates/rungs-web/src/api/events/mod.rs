//! `/api/v1/events`: appending to the ledger and reading single events.

pub mod bulk;
pub mod create;
pub mod get;

use rungs_core::ValidationError;
use rungs_core::event::EventInput;
use serde_json::Value;

/// Field names an event object may carry.
const FIELDS: [&str; 7] = ["subject", "kind", "occurred_at", "payload", "competencies", "evidence", "id"];

/// Take an [`EventInput`] out of a JSON value. Fields keep their JSON values so that
/// `EventInput::parse` can name every problem; a missing field is a `null` it reports
/// as required, and an unknown field (a typo like `occured_at`) is refused rather
/// than silently ignored.
pub(crate) fn event_input(v: Value) -> Result<EventInput, ValidationError> {
    let Value::Object(mut m) = v else {
        return Err(ValidationError::single("", "must be a JSON object"));
    };
    let mut e = ValidationError::new();
    for k in m.keys() {
        if !FIELDS.contains(&k.as_str()) {
            e.push(k.clone(), format!("unknown field; an event has: {}", FIELDS.join(", ")));
        }
    }
    e.into_result()?;
    let mut take = |k: &str| m.remove(k).unwrap_or(Value::Null);
    Ok(EventInput {
        subject: take("subject"),
        kind: take("kind"),
        occurred_at: take("occurred_at"),
        payload: take("payload"),
        competencies: take("competencies"),
        evidence: take("evidence"),
        id: take("id"),
    })
}
