//! Store conformance suite (one test binary, see STYLE.md 19). `conformance/` holds
//! backend-agnostic checks taking `Arc<dyn Store>`; `sqlite.rs` runs them against a
//! fresh SQLite file each, `postgres.rs` against a fresh PostgreSQL database each
//! (when RUNGS_TEST_PG_URL is set), and each adds its backend-only checks.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

#[macro_use]
mod conformance;
mod bulk;
mod cancel;
mod perf;
mod postgres;
mod props;
mod sqlite;
mod support;
