//! Client input for events: parsed in two steps (JSON values, then typed fields) so
//! every error names its field, and all of them are reported at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{EventBody, EventKind, MAX_COMPETENCIES, MAX_EVIDENCE};
use crate::text::{parse_key, parse_url};
use crate::{EventId, PersonId, ValidationError};

/// An event as a client sends it (`POST /api/v1/events`, JSONL import).
/// Parsed in two steps so every error names its field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EventInput {
    /// The person the event is about.
    #[schema(value_type = String, format = Uuid)]
    pub subject: Value,
    /// One of the event kinds.
    #[schema(value_type = String)]
    pub kind: Value,
    /// RFC 3339 time it happened; defaults to now.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub occurred_at: Value,
    /// Kind-specific fields.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub payload: Value,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub competencies: Value,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub evidence: Value,
    /// Optional client-chosen id (UUID), for imports that must keep ids.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Value,
}

/// The parsed, shape-checked form of an [`EventInput`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    pub id: Option<EventId>,
    pub subject: PersonId,
    pub occurred_at: Option<DateTime<Utc>>,
    pub body: EventBody,
    pub competencies: Vec<String>,
    pub evidence: Vec<String>,
}

impl EventInput {
    /// Parse every field, collecting all errors.
    pub fn parse(self) -> Result<ParsedEvent, ValidationError> {
        let mut e = ValidationError::new();
        let subject = match &self.subject {
            Value::String(s) => s.parse::<PersonId>().map_err(|_| e.push("subject", "must be a UUID")).ok(),
            Value::Null => {
                e.push("subject", "is required");
                None
            }
            _ => {
                e.push("subject", "must be a string (UUID)");
                None
            }
        };
        let id = match &self.id {
            Value::Null => None,
            Value::String(s) => s.parse::<EventId>().map_err(|_| e.push("id", "must be a UUID")).ok(),
            _ => {
                e.push("id", "must be a string (UUID)");
                None
            }
        };
        let kind = match &self.kind {
            Value::String(s) => match EventKind::parse(s) {
                Some(k) => Some(k),
                None => {
                    e.push("kind", format!("must be one of: {}", EventKind::names()));
                    None
                }
            },
            Value::Null => {
                e.push("kind", "is required");
                None
            }
            _ => {
                e.push("kind", "must be a string");
                None
            }
        };
        let occurred_at = match &self.occurred_at {
            Value::Null => None,
            Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(_) => {
                    e.push("occurred_at", "must be an RFC 3339 date-time like 2026-01-31T09:00:00Z");
                    None
                }
            },
            _ => {
                e.push("occurred_at", "must be a string (RFC 3339 date-time)");
                None
            }
        };
        let competencies = string_list(&mut e, "competencies", &self.competencies, MAX_COMPETENCIES)
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| e.collect(parse_key(&format!("competencies[{i}]"), &c)))
            .collect::<Vec<_>>();
        let evidence = string_list(&mut e, "evidence", &self.evidence, MAX_EVIDENCE)
            .into_iter()
            .enumerate()
            .filter_map(|(i, u)| e.collect(parse_url(&format!("evidence[{i}]"), &u)))
            .collect::<Vec<_>>();
        let payload = match self.payload {
            Value::Null => Value::Object(Default::default()),
            v @ Value::Object(_) => v,
            _ => {
                e.push("payload", "must be an object");
                Value::Object(Default::default())
            }
        };
        let body = kind.and_then(|k| e.collect(EventBody::from_parts(k, payload).and_then(EventBody::normalize)));
        e.into_result()?;
        let (Some(subject), Some(body)) = (subject, body) else {
            return Err(ValidationError::single("", "invalid event"));
        };
        let mut competencies = competencies;
        competencies.sort();
        competencies.dedup();
        Ok(ParsedEvent { id, subject, occurred_at, body, competencies, evidence })
    }
}

fn string_list(e: &mut ValidationError, field: &str, v: &Value, max: usize) -> Vec<String> {
    match v {
        Value::Null => vec![],
        Value::Array(items) => {
            if items.len() > max {
                e.push(field, format!("must have at most {max} items"));
                return vec![];
            }
            items
                .iter()
                .enumerate()
                .filter_map(|(i, x)| match x {
                    Value::String(s) => Some(s.clone()),
                    _ => {
                        e.push(format!("{field}[{i}]"), "must be a string");
                        None
                    }
                })
                .collect()
        }
        _ => {
            e.push(field, "must be an array of strings");
            vec![]
        }
    }
}
