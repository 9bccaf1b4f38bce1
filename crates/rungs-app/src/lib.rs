//! Rungs use cases: what a caller may do, checked and carried out against a
//! [`Store`](rungs_core::store::Store). The HTTP layer and the CLI both call these;
//! neither re-implements a rule.
#![forbid(unsafe_code)]

pub mod access;
pub mod accounts;
pub mod analytics;
pub mod badges;
pub mod calendar;
pub mod chat;
pub mod credentials;
pub mod error;
pub mod events;
pub mod evidence;
pub mod framework;
pub mod history_import;
pub mod inbox;
pub mod leaderboards;
pub mod ledger_file;
pub mod milestones;
pub mod notifications;
pub mod opportunities;
pub mod org;
pub mod org_readiness;
pub mod packet;
pub mod people;
pub mod people_csv;
pub mod people_import;
pub mod promotions;
pub mod proposals;
pub mod readiness;
pub mod recognition;
pub mod scim;
pub mod shape;
pub mod sign_ins;
pub mod spreadsheet;
pub mod sso;
pub mod tokens;
pub mod webhooks;

pub use access::Viewer;
pub use error::AppError;
