//! The Rungs domain: everything that can be said about people and their progress
//! without touching a disk, a socket or a clock. Pure, fast to test.
#![forbid(unsafe_code)]

pub mod analytics;
pub mod badges;
pub mod calendar;
pub mod credentials;
pub mod error;
pub mod event;
pub mod evidence;
pub mod framework;
pub mod idempotency;
pub mod ids;
pub mod jobs;
pub mod leaderboards;
pub mod ledger;
pub mod notifications;
pub mod opportunity;
pub mod packet;
pub mod page;
pub mod person;
pub mod projection;
pub mod promotion;
pub mod proposal;
pub mod readiness;
pub mod recognition;
pub mod session_store;
pub mod settings;
pub mod slack;
pub mod store;
pub mod text;
pub mod webhooks;

pub use error::{Cause, FieldError, ValidationError};
pub use ids::{ApplicationId, CaseId, CycleId, EventId, OpportunityId, OrgId, PersonId, ProposalId, TokenId};
