//! The rebuild's fold loop, for every backend: the ledger streamed in
//! (subject, occurred_at, seq) order becomes one person per subject, with one
//! subject's history in memory at a time and no sort.

use crate::event::Event;
use crate::person::Person;
use crate::projection;
use crate::store::RebuildReport;

/// Feed it the ledger in (subject, occurred_at, seq) order; it hands back each
/// subject's folded state once the stream has moved past that subject.
#[derive(Default)]
pub struct RebuildFold {
    history: Vec<Event>,
    report: RebuildReport,
    revocations: Vec<Revocation>,
}

/// A `credential_revoked` event as its credential's projection takes it: the
/// backends write each onto a credential not yet revoked (never un-revoking one:
/// revocations recorded before they were ledger events have no event).
#[derive(Debug, Clone, PartialEq)]
pub struct Revocation {
    pub credential: uuid::Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: Option<crate::PersonId>,
    pub reason: String,
}

impl RebuildFold {
    /// Take the next event; returns the previous subject's state when `e` starts a
    /// new subject (and that subject has a hire in force).
    pub fn push(&mut self, e: Event) -> Option<Person> {
        let done = if self.history.last().is_some_and(|last| last.subject != e.subject) { self.fold() } else { None };
        self.report.events += 1;
        if let crate::event::EventBody::CredentialRevoked(c) = &e.body {
            self.revocations.push(Revocation { credential: c.credential, at: e.recorded_at, by: e.actor, reason: c.reason.clone() });
        }
        self.history.push(e);
        done
    }

    /// The end of the stream: the last subject's state.
    pub fn finish(&mut self) -> Option<Person> {
        self.fold()
    }

    /// The credentials' revocations seen so far, taken out.
    pub fn take_revocations(&mut self) -> Vec<Revocation> {
        std::mem::take(&mut self.revocations)
    }

    /// Events taken and people handed back so far.
    pub fn report(&self) -> RebuildReport {
        self.report
    }

    fn fold(&mut self) -> Option<Person> {
        let p = projection::fold(&self.history);
        self.history.clear();
        if p.is_some() {
            self.report.people += 1;
        }
        p
    }
}
