//! Store conformance suite (one test binary, see STYLE.md 19). `conformance/` holds
//! backend-agnostic checks taking `Arc<dyn Store>`; `sqlite.rs` runs them against a
//! fresh SQLite file each and adds the SQLite-only checks.

mod conformance;
mod perf;
mod sqlite;
mod support;
