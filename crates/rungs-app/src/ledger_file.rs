//! The JSONL ledger file: `rungs export` writes it, `rungs import events` reads it.
//! Line 1 names the organization, line 2 carries the framework, then one event per
//! line in ledger order. Importing an export into an empty database reproduces the
//! same ledger (ids, actors, times, order) and therefore the same projections.
//! Plain event lines (no `type`) are accepted too, for events from other systems.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rungs_core::event::{Event, EventInput, NewEvent};
use rungs_core::framework::Framework;
use rungs_core::person::Organization;
use rungs_core::{PersonId, ValidationError};

/// One line of the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Organization(Organization),
    Framework(Framework),
    Event(Box<Event>),
}

/// Parse one line into something to import. `line_no` is 1-based, for messages.
pub enum Parsed {
    Organization(Organization),
    Framework(Framework),
    Event(Box<NewEvent>),
}

/// Extra fields an imported event may keep from its source.
#[derive(Debug, Default, Deserialize)]
struct Provenance {
    #[serde(default)]
    actor: Option<PersonId>,
    #[serde(default)]
    recorded_at: Option<DateTime<Utc>>,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default, rename = "type")]
    kind_of_line: Option<String>,
}

/// Parse a line; errors name the field. Events need `org` to be stamped.
pub fn parse_line(raw: &str, org: Option<rungs_core::OrgId>, now: DateTime<Utc>) -> Result<Parsed, ValidationError> {
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| ValidationError::single("line", format!("is not valid JSON: {e}")))?;
    let prov: Provenance = serde_json::from_value(value.clone()).map_err(|e| ValidationError::single("line", e.to_string()))?;
    match prov.kind_of_line.as_deref() {
        Some("organization") => {
            return serde_json::from_value::<Line>(value)
                .map(|l| match l {
                    Line::Organization(o) => Parsed::Organization(o),
                    _ => unreachable!("tagged organization"),
                })
                .map_err(|e| ValidationError::single("organization", e.to_string()));
        }
        Some("framework") => {
            let Line::Framework(f) = serde_json::from_value::<Line>(value).map_err(|e| ValidationError::single("framework", e.to_string()))? else {
                unreachable!("tagged framework")
            };
            f.validate()?;
            return Ok(Parsed::Framework(f));
        }
        Some("event") | None => {}
        Some(other) => return Err(ValidationError::single("type", format!("unknown line type '{other}'"))),
    }
    let Some(org) = org else {
        return Err(ValidationError::single("line", "an event came before the organization line"));
    };
    let input: EventInput = serde_json::from_value(value).map_err(|e| ValidationError::single("line", e.to_string()))?;
    let p = input.parse()?;
    Ok(Parsed::Event(Box::new(NewEvent {
        id: p.id.unwrap_or_default(),
        org_id: org,
        subject: p.subject,
        actor: prov.actor,
        occurred_at: p.occurred_at.unwrap_or(now),
        recorded_at: prov.recorded_at.unwrap_or(now),
        body: p.body,
        competencies: p.competencies,
        evidence: p.evidence,
        idempotency_key: prov.idempotency_key,
    })))
}
