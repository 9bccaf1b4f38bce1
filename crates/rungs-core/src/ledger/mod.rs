//! The ledger's write path, once for every backend. An append goes:
//!
//! 1. [`SnapshotRequest::new`] names what the batches need from the stored ledger;
//! 2. the backend loads that [`Snapshot`] inside its write transaction;
//! 3. [`plan`] decides everything (checks, seqs, folds, refolds, replays) in memory;
//! 4. the backend writes the [`Plan`]'s rows and commits, then answers with
//!    [`Plan::into_results`].
//!
//! A backend is its loads and its writes, nothing else. Beside the planner live the
//! pieces both backends share: how values are encoded ([`codec`]), the constraint
//! table ([`constraint`]) and the rebuild's fold loop ([`rebuild`]).

pub mod bulk;
pub mod codec;
pub mod constraint;
pub mod plan;
pub mod rebuild;
pub mod snapshot;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use constraint::Constraint;
pub use plan::{MissingHistories, Origin, Plan, PlannedClaim, PlannedEvent, PlannedPerson, at, parked_email, plan};
pub use rebuild::RebuildFold;
pub use snapshot::{Snapshot, SnapshotRequest, StoredClaim};

#[cfg(test)]
mod tests;
