//! Integration tests for the HTTP API: in-process through `Router::oneshot`, a fresh
//! SQLite database per test. One binary, one module per resource.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

mod abandoned;
mod access;
mod analytics;
mod authz_first;
mod availability;
mod badge_pages;
mod badges;
mod contract;
mod copy;
mod events;
mod evidence;
mod framework;
mod idempotency;
mod idempotency_everywhere;
mod leaderboards;
mod login;
mod matrix;
mod opportunities;
mod opportunity_pages;
pub mod pages;
mod people;
mod promotions;
mod readiness;
mod recognition;
mod scale;
mod scim;
mod slack;
mod sso;
mod support;
mod system;
mod tokens;
mod webhook_pages;
mod webhooks;
