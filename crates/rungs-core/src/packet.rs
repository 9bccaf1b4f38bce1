//! The promotion packet ("performance patchwork"): everything on the ledger that
//! speaks for a person's promotion to a target level, grouped per competency of that
//! level, with summary figures. Pure, like readiness; assembled by
//! `rungs_app::packet`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::event::{Category, Event, EventBody, EventKind};
use crate::framework::{Criterion, Framework, Level};
use crate::person::Person;
use crate::readiness::{Win, readiness_toward, wins};
use crate::{EventId, PersonId};

/// One piece of evidence: a win in force.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PacketEvidence {
    pub id: EventId,
    pub title: String,
    pub category: Category,
    pub occurred_at: DateTime<Utc>,
    pub validated: bool,
    /// Evidence links the win carries.
    pub links: Vec<String>,
}

/// One competency of the target level and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PacketCompetency {
    pub competency: String,
    pub name: String,
    pub category: String,
    pub expectation: String,
    pub criterion: Option<Criterion>,
    /// Coverage of the criterion (0–1), `None` when a person judges it.
    pub coverage: Option<f64>,
    /// Every win in force evidencing it, newest first (not only those the criterion counts).
    pub evidence: Vec<PacketEvidence>,
}

/// Summary figures for the packet's reader.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PacketSummary {
    pub wins: usize,
    pub validated_wins: usize,
    pub recognitions: usize,
    pub micro_promotions: usize,
    pub milestones_completed: usize,
    /// Days at the current level.
    pub days_in_level: i64,
    /// Readiness for the target level, 0–100 (docs/READINESS.md).
    pub readiness: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PromotionPacket {
    pub person_id: PersonId,
    pub name: String,
    pub title: String,
    pub track: String,
    pub level: String,
    pub target_level: String,
    pub target_title: String,
    pub generated_at: DateTime<Utc>,
    pub summary: PacketSummary,
    /// The target level's expectations, in framework order.
    pub competencies: Vec<PacketCompetency>,
    /// Wins that evidence no competency the target level expects.
    pub other_evidence: Vec<PacketEvidence>,
}

fn evidence(w: &Win, events: &[Event]) -> PacketEvidence {
    let links = events.iter().find(|e| e.id == w.id).map(|e| e.evidence.clone()).unwrap_or_default();
    PacketEvidence { id: w.id, title: w.title.clone(), category: w.category, occurred_at: w.occurred_at, validated: w.validated, links }
}

/// Assemble the packet of `person` for `target` (a level of their track).
pub fn assemble(fw: &Framework, person: &Person, target: &Level, events: &[Event], now: DateTime<Utc>) -> PromotionPacket {
    let mut wins = wins(events, now);
    wins.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.0.cmp(&b.id.0)));
    let r = readiness_toward(fw, &person.position, Some(target), events, now);
    let mut used = HashSet::new();
    let competencies = r
        .competencies
        .iter()
        .map(|c| {
            let ev: Vec<_> = wins.iter().filter(|w| w.competencies.contains(&c.competency)).map(|w| evidence(w, events)).collect();
            used.extend(ev.iter().map(|e| e.id));
            PacketCompetency {
                competency: c.competency.clone(),
                name: c.name.clone(),
                category: c.category.clone(),
                expectation: c.expectation.clone(),
                criterion: c.criterion.clone(),
                coverage: c.coverage,
                evidence: ev,
            }
        })
        .collect();
    let other_evidence = wins.iter().filter(|w| !used.contains(&w.id)).map(|w| evidence(w, events)).collect();
    let reversed: HashSet<EventId> = events.iter().filter_map(|e| if let EventBody::Reversal(x) = &e.body { Some(x.target) } else { None }).collect();
    let count = |k: EventKind| events.iter().filter(|e| e.kind() == k && !reversed.contains(&e.id) && e.occurred_at <= now).count();
    PromotionPacket {
        person_id: person.id,
        name: person.name.clone(),
        title: person.position.title.clone(),
        track: person.position.track.clone(),
        level: person.position.level.clone(),
        target_level: target.key.clone(),
        target_title: target.title.clone(),
        generated_at: now,
        summary: PacketSummary {
            wins: wins.len(),
            validated_wins: wins.iter().filter(|w| w.validated).count(),
            recognitions: count(EventKind::Recognition),
            micro_promotions: count(EventKind::MicroPromotion),
            milestones_completed: count(EventKind::MilestoneCompleted),
            days_in_level: (now - person.level_since).num_days(),
            readiness: r.score,
        },
        competencies,
        other_evidence,
    }
}
