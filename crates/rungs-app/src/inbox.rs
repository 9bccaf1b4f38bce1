//! The manager's inbox on the home page: what needs them now. Wins of their direct
//! reports waiting for their validation, direct reports who may be stalled (and how
//! many across the whole team), and their opportunities with applications waiting
//! for an answer. Direct reports only: that is who a manager validates and talks to,
//! and it keeps the inbox as cheap for the manager of ten thousand as of five (one
//! lookup in `people (org_id, manager_id)`, then each direct report's history); the
//! whole team is a click away on `/team`.

use chrono::{DateTime, Utc};
use rungs_core::event::EventBody;
use rungs_core::opportunity::{OpportunityQuery, OpportunityStatus};
use rungs_core::person::Person;
use rungs_core::store::{Store, TeamQuery, TeamSort};
use rungs_core::{EventId, PersonId};

use crate::{AppError, Viewer};

/// Wins older than this are not asked about any more: the inbox is for what is fresh.
pub const AWAITING_WITHIN: chrono::Duration = chrono::Duration::days(90);
/// At most this many wins, stalled people and opportunities are listed (newest
/// first); the counts say how many there are in all.
pub const LISTED: usize = 10;
/// Direct reports read for the inbox, at most (a flat team of hundreds still answers fast).
const DIRECT_AT_MOST: u32 = 200;

/// A win waiting for the manager's validation.
#[derive(Debug, Clone)]
pub struct AwaitingWin {
    pub id: EventId,
    pub subject: PersonId,
    pub subject_name: String,
    pub title: String,
    pub occurred_at: DateTime<Utc>,
}

/// An opportunity of the viewer's with applications waiting for an answer.
#[derive(Debug, Clone)]
pub struct WaitingApplications {
    pub id: rungs_core::OpportunityId,
    pub title: String,
    pub pending: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// Newest first, at most [`LISTED`].
    pub awaiting: Vec<AwaitingWin>,
    pub awaiting_total: usize,
    /// Direct reports who may be stalled, longest without progression first.
    pub stalled: Vec<Person>,
    /// Direct reports who may be stalled, in all.
    pub stalled_total: u64,
    /// Active direct reports.
    pub direct_total: u64,
    pub applications: Vec<WaitingApplications>,
}

impl Inbox {
    pub fn is_empty(&self) -> bool {
        self.awaiting.is_empty() && self.stalled.is_empty() && self.applications.is_empty() && self.direct_total == 0
    }
}

/// The viewer's inbox; empty for someone with no team and nothing posted.
pub async fn get(store: &dyn Store, viewer: &Viewer, now: DateTime<Utc>) -> Result<Inbox, AppError> {
    let Some(me) = viewer.person_id else { return Ok(Inbox::default()) };
    let mut inbox = Inbox::default();
    if crate::access::Capabilities::of(viewer.role).read_reports {
        let stalled_before = now - crate::people::STALL_AFTER;
        let direct = store
            .team(
                viewer.org_id,
                me,
                &TeamQuery { sort: TeamSort::LastProgression, direct_only: true, limit: DIRECT_AT_MOST, stalled_before, ..Default::default() },
            )
            .await?;
        inbox.direct_total = direct.total;
        inbox.stalled_total = direct.stalled;
        inbox.stalled = direct.items.iter().filter(|p| crate::people::is_stalled(p, now)).take(LISTED).cloned().collect();
        let since = now - AWAITING_WITHIN;
        let mut awaiting = vec![];
        for p in &direct.items {
            // Only recent history matters; the subject's index is (subject, occurred_at).
            let events = store.subject_events(viewer.org_id, p.id).await?;
            let reversed: std::collections::HashSet<EventId> = events
                .iter()
                .filter_map(|e| match &e.body {
                    EventBody::Reversal(r) => Some(r.target),
                    _ => None,
                })
                .collect();
            let mine: std::collections::HashSet<EventId> = events
                .iter()
                .filter(|e| e.actor == Some(me) && !reversed.contains(&e.id))
                .filter_map(|e| match &e.body {
                    EventBody::Validation(v) => Some(v.target),
                    _ => None,
                })
                .collect();
            for e in &events {
                if let EventBody::MicroProgression(w) = &e.body
                    && e.occurred_at >= since
                    && !reversed.contains(&e.id)
                    && !mine.contains(&e.id)
                {
                    awaiting.push(AwaitingWin { id: e.id, subject: p.id, subject_name: p.name.clone(), title: w.title.clone(), occurred_at: e.occurred_at });
                }
            }
        }
        awaiting.sort_by_key(|w| std::cmp::Reverse(w.occurred_at));
        inbox.awaiting_total = awaiting.len();
        awaiting.truncate(LISTED);
        inbox.awaiting = awaiting;
    }
    let mine = store
        .opportunities(viewer.org_id, &OpportunityQuery { status: Some(OpportunityStatus::Open), owner: Some(me), limit: 100, ..Default::default() })
        .await?;
    inbox.applications =
        mine.items.into_iter().filter(|o| o.pending > 0).take(LISTED).map(|o| WaitingApplications { id: o.id, title: o.title, pending: o.pending }).collect();
    Ok(inbox)
}
