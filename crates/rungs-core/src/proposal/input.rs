//! Client input for proposals and delegations: typed shapes, then [`ProposalInput::parse`]
//! checks the meaning of every field and reports all errors at once. Whether levels,
//! tracks and competencies exist in the framework is the application layer's check.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Details;
use crate::event::MAX_COMPETENCIES;
use crate::text::{parse_key, parse_text};
use crate::{PersonId, ValidationError};

/// A proposal as a manager (or the people team) makes it (`POST /api/v1/proposals`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    pub subject: PersonId,
    /// What is proposed; `kind` says which transition.
    pub details: Details,
    /// Why: 1-4000 characters.
    pub rationale: String,
    /// The day it takes effect (in the organization's calendar).
    pub effective_on: NaiveDate,
}

impl ProposalInput {
    pub fn parse(self) -> Result<ProposalInput, ValidationError> {
        let mut e = ValidationError::new();
        let rationale = e.collect(parse_text("rationale", &self.rationale, 4000)).unwrap_or_default();
        let details = match self.details {
            Details::MicroPromotion { from, to, competencies, toward_level } => {
                let from = e.collect(parse_text("details.from", &from, 200)).unwrap_or_default();
                let to = e.collect(parse_text("details.to", &to, 200)).unwrap_or_default();
                if !from.is_empty() && from == to {
                    e.push("details.to", "is the same as details.from: a micro-promotion changes the scope");
                }
                if competencies.len() > MAX_COMPETENCIES {
                    e.push("details.competencies", format!("at most {MAX_COMPETENCIES}"));
                }
                let competencies =
                    competencies.iter().enumerate().filter_map(|(i, c)| e.collect(parse_key(&format!("details.competencies[{i}]"), c))).collect();
                let toward_level = toward_level.and_then(|l| e.collect(parse_key("details.toward_level", &l)));
                Details::MicroPromotion { from, to, competencies, toward_level }
            }
            Details::LateralMove { department, to } => {
                let department = department.and_then(|d| e.collect(parse_text("details.department", &d, 120)));
                let to = to.and_then(|p| e.collect(p.validate().map_err(|v| v.nested("details.to"))));
                if department.is_none() && to.is_none() {
                    e.push("details", "a lateral move changes the department, the track (details.to), or both");
                }
                Details::LateralMove { department, to }
            }
            Details::Demotion { to } => {
                let to = e.collect(to.validate().map_err(|v| v.nested("details.to")));
                match to {
                    Some(to) => Details::Demotion { to },
                    None => return Err(e),
                }
            }
            Details::PayChange { delta, promotion_case } => {
                if delta == 0 {
                    e.push("details.delta", "a pay change changes pay: give a non-zero amount");
                }
                Details::PayChange { delta, promotion_case }
            }
        };
        e.into_result()?;
        Ok(ProposalInput { subject: self.subject, details, rationale, effective_on: self.effective_on })
    }
}

/// A delegation while away (`PUT /api/v1/me/delegation`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationInput {
    pub delegate: PersonId,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl DelegationInput {
    pub fn check(&self) -> Result<(), ValidationError> {
        if self.until < self.from {
            return Err(ValidationError::single("until", "is before from"));
        }
        if (self.until - self.from).num_days() > 366 {
            return Err(ValidationError::single("until", "a delegation lasts at most a year"));
        }
        Ok(())
    }
}
