//! Analytics: what the ledger says about how people progress — metrics per group and
//! period, stagnation risk, and the what-works report (docs/ANALYTICS.md).
//!
//! Everything is computed from a [`Snapshot`]: the people (a compact row each) and,
//! per person, their progressions (day and kind, 4 bytes each) folded from the ledger
//! in seq order. The app keeps one snapshot per organization and folds in only the
//! events appended since, so a request never re-reads the ledger.

pub mod equity;
pub mod inequality;
pub mod metrics;
pub mod stagnation;
pub mod stats;
pub mod whatworks;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Months, Utc};

use crate::event::{Event, EventBody};
use crate::framework::Framework;
use crate::person::{Person, PersonStatus};
use crate::{EventId, PersonId};

/// Days in an analytics "month" (time spans are days / this).
pub const DAYS_PER_MONTH: f64 = 30.44;

/// A progression's kind, as packed in the low two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Win = 0,
    MicroPromotion = 1,
    Promotion = 2,
    Lateral = 3,
}

impl Step {
    fn of(body: &EventBody) -> Option<Step> {
        Some(match body {
            EventBody::MicroProgression(_) => Step::Win,
            EventBody::MicroPromotion(_) => Step::MicroPromotion,
            EventBody::Promotion(_) => Step::Promotion,
            EventBody::LateralMove(_) => Step::Lateral,
            _ => return None,
        })
    }
}

/// Days since 1970-01-01 (UTC); times before it count as day 0.
pub fn day(t: DateTime<Utc>) -> u32 {
    t.timestamp().div_euclid(86_400).clamp(0, i64::from(u32::MAX >> 2)) as u32
}

fn pack(d: u32, s: Step) -> u32 {
    (d << 2) | s as u32
}

/// Months between two instants (days / 30.44).
pub fn months(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0 / DAYS_PER_MONTH
}

/// One person, reduced to what analytics reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: PersonId,
    pub name: String,
    pub title: String,
    pub track: String,
    pub level: String,
    pub department: Option<String>,
    pub manager_id: Option<PersonId>,
    pub hired: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    pub level_since: DateTime<Utc>,
    /// Position of the level in its track (0 = first), if the framework has it.
    pub level_rank: Option<usize>,
    /// Levels in the person's track.
    pub levels_in_track: usize,
    /// Sensitive attributes (the equity audit's groups; the people team's alone).
    pub sensitive: std::collections::BTreeMap<String, String>,
}

impl Member {
    pub fn new(p: &Person, fw: &Framework) -> Member {
        Member {
            id: p.id,
            name: p.name.clone(),
            title: p.position.title.clone(),
            track: p.position.track.clone(),
            level: p.position.level.clone(),
            department: p.department.clone(),
            manager_id: p.manager_id,
            hired: p.hired_at,
            ended: if p.status == PersonStatus::Active { None } else { p.ended_at.or(Some(p.last_occurred_at)) },
            level_since: p.level_since,
            level_rank: fw.level_rank(&p.position.track, &p.position.level),
            levels_in_track: fw.track(&p.position.track).map_or(0, |t| t.levels.len()),
            sensitive: p.sensitive.clone(),
        }
    }

    pub fn active_at(&self, t: DateTime<Utc>) -> bool {
        self.hired <= t && self.ended.is_none_or(|e| e > t)
    }
}

/// One recognition: who thanked whom, on which day, with how many points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thanks {
    pub giver: PersonId,
    pub receiver: PersonId,
    pub day: u32,
    pub points: u32,
}

/// A credential: a badge awarded or a milestone completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Badge,
    Milestone,
}

/// What a folded event added, so that a reversal can take it out again.
#[derive(Debug, Clone, Copy)]
enum Folded {
    Step(PersonId, u32),
    Thanks(Thanks),
    Credential(PersonId, u32, Credential),
}

/// Everyone's progressions (and recognition and credentials), folded from the ledger
/// in seq order.
#[derive(Debug, Clone, Default)]
pub struct Progressions {
    by_person: HashMap<PersonId, Vec<u32>>,
    /// Every recognition not reversed (the giver is its actor), in day order (ledger
    /// order within a day), so that a period's are one slice: a report reads the
    /// recognitions of its period, not every one on record.
    thanks: Vec<Thanks>,
    /// Badges awarded and milestones completed (not reversed): person, day, kind; in
    /// day order, as `thanks`.
    credentials: Vec<(PersonId, u32, Credential)>,
    /// Events folded from the chunk being read, by id: a reversal usually comes right
    /// after what it reverses (cleared by [`Progressions::end_chunk`]).
    chunk: HashMap<EventId, Folded>,
    pub last_seq: i64,
    pub events: u64,
}

impl Progressions {
    /// Fold one event in. A reversal whose target was not in this chunk is returned,
    /// for the caller to look up and [`remove`](Self::remove).
    pub fn add(&mut self, e: &Event) -> Option<EventId> {
        self.last_seq = self.last_seq.max(e.seq);
        self.events += 1;
        if let EventBody::Reversal(r) = &e.body {
            match self.chunk.remove(&r.target) {
                Some(f) => self.unfold(f),
                None => return Some(r.target),
            }
            return None;
        }
        let folded = self.fold(e)?;
        self.chunk.insert(e.id, folded);
        None
    }

    fn fold(&mut self, e: &Event) -> Option<Folded> {
        let d = day(e.occurred_at);
        Some(match &e.body {
            EventBody::Recognition(r) => {
                // Recognition imported without a giver says nothing about who gives.
                let t = Thanks { giver: e.actor?, receiver: e.subject, day: d, points: r.points };
                self.push_thanks(t);
                Folded::Thanks(t)
            }
            EventBody::BadgeAwarded(_) | EventBody::MilestoneCompleted(_) => {
                let kind = if matches!(e.body, EventBody::BadgeAwarded(_)) { Credential::Badge } else { Credential::Milestone };
                self.push_credential(e.subject, d, kind);
                Folded::Credential(e.subject, d, kind)
            }
            body => Folded::Step(e.subject, self.record(e.subject, e.occurred_at, Step::of(body)?)),
        })
    }

    fn unfold(&mut self, f: Folded) {
        match f {
            Folded::Step(who, packed) => self.remove_packed(who, packed),
            Folded::Thanks(t) => {
                let (a, b) = day_span(&self.thanks, t.day, |x| x.day);
                if let Some(i) = self.thanks[a..b].iter().rposition(|x| *x == t) {
                    self.thanks.remove(a + i);
                }
            }
            Folded::Credential(who, d, k) => {
                let (a, b) = day_span(&self.credentials, d, |x| x.1);
                if let Some(i) = self.credentials[a..b].iter().rposition(|x| *x == (who, d, k)) {
                    self.credentials.remove(a + i);
                }
            }
        }
    }

    /// Record one progression of `who` at `at`.
    pub fn record(&mut self, who: PersonId, at: DateTime<Utc>, step: Step) -> u32 {
        let packed = pack(day(at), step);
        let v = self.by_person.entry(who).or_default();
        // Mostly appended in order; an event dated in the past goes in its place.
        let i = v.partition_point(|x| *x <= packed);
        v.insert(i, packed);
        packed
    }

    /// Add a recognition in its day's place (mostly at the end: the ledger is mostly in
    /// day order).
    pub fn push_thanks(&mut self, t: Thanks) {
        let i = self.thanks.partition_point(|x| x.day <= t.day);
        self.thanks.insert(i, t);
    }

    /// Add a credential in its day's place.
    pub fn push_credential(&mut self, who: PersonId, day: u32, kind: Credential) {
        let i = self.credentials.partition_point(|x| x.1 <= day);
        self.credentials.insert(i, (who, day, kind));
    }

    /// Recognitions on days `[from, to)` (day numbers), in day order.
    pub fn thanks_between(&self, from: u32, to: u32) -> &[Thanks] {
        let (a, b) = between(&self.thanks, from, to, |x| x.day);
        &self.thanks[a..b]
    }

    /// Credentials on days `[from, to)`, in day order.
    pub fn credentials_between(&self, from: u32, to: u32) -> &[(PersonId, u32, Credential)] {
        let (a, b) = between(&self.credentials, from, to, |x| x.1);
        &self.credentials[a..b]
    }

    /// Every recognition not reversed, in day order.
    pub fn thanks(&self) -> &[Thanks] {
        &self.thanks
    }

    /// A chunk is folded: targets of later reversals are looked up in the store.
    pub fn end_chunk(&mut self) {
        self.chunk.clear();
    }

    /// Undo a reversed event (looked up by the caller); other kinds are ignored.
    pub fn remove(&mut self, target: &Event) {
        let d = day(target.occurred_at);
        let f = match &target.body {
            EventBody::Recognition(r) => match target.actor {
                Some(giver) => Folded::Thanks(Thanks { giver, receiver: target.subject, day: d, points: r.points }),
                None => return,
            },
            EventBody::BadgeAwarded(_) => Folded::Credential(target.subject, d, Credential::Badge),
            EventBody::MilestoneCompleted(_) => Folded::Credential(target.subject, d, Credential::Milestone),
            body => match Step::of(body) {
                Some(step) => Folded::Step(target.subject, pack(d, step)),
                None => return,
            },
        };
        self.unfold(f);
    }

    fn remove_packed(&mut self, who: PersonId, packed: u32) {
        if let Some(v) = self.by_person.get_mut(&who)
            && let Ok(i) = v.binary_search(&packed)
        {
            v.remove(i);
        }
    }

    /// A person's progressions, packed `day << 2 | step`, in day order.
    pub fn of(&self, who: PersonId) -> &[u32] {
        self.by_person.get(&who).map_or(&[], Vec::as_slice)
    }
}

/// The index range of the items on days `[from, to)` of a day-sorted slice.
fn between<T>(v: &[T], from: u32, to: u32, day: impl Fn(&T) -> u32) -> (usize, usize) {
    let a = v.partition_point(|x| day(x) < from);
    (a, a + v[a..].partition_point(|x| day(x) < to))
}

/// The index range of the items on day `d`.
fn day_span<T>(v: &[T], d: u32, day: impl Fn(&T) -> u32) -> (usize, usize) {
    between(v, d, d.saturating_add(1), day)
}

/// The progressions of one person, asked in days.
#[derive(Debug, Clone, Copy)]
pub struct Steps<'a>(pub &'a [u32]);

/// The first day not before `t`: its own day at midnight, else the next day (steps
/// are kept by day, so a day that has begun counts as a whole).
fn day_bound(t: DateTime<Utc>) -> u32 {
    let d = day(t);
    if t.timestamp().rem_euclid(86_400) == 0 && t.timestamp_subsec_nanos() == 0 { d } else { d + 1 }
}

impl Steps<'_> {
    fn range(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> &[u32] {
        // Whole days: the day `from` falls on, up to the day `to` begins (or has begun).
        let (a, b) = (day(from) << 2, day_bound(to) << 2);
        &self.0[self.0.partition_point(|x| *x < a)..self.0.partition_point(|x| *x < b)]
    }

    /// How many steps of kind `s` fall on days in `[from, to)`.
    pub fn count(&self, s: Step, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
        self.range(from, to).iter().filter(|x| *x & 3 == s as u32).count()
    }

    /// The day of the last step (of `kind`, or any) before `t` (on an earlier day, or
    /// on `t`'s own day when `t` is past midnight).
    pub fn last_before(&self, kind: Option<Step>, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let end = self.0.partition_point(|x| *x < day_bound(t) << 2);
        self.0[..end].iter().rev().find(|x| kind.is_none_or(|k| *x & 3 == k as u32)).map(|x| from_day(x >> 2))
    }
}

/// Midnight UTC of a day number.
pub fn from_day(d: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::from(d) * 86_400, 0).unwrap_or_default()
}

/// People and their progressions: what every report is computed from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub members: Vec<Member>,
    index: HashMap<PersonId, usize>,
    pub progressions: Arc<Progressions>,
    /// When the people were read (reports are "as of" this).
    pub as_of: DateTime<Utc>,
}

impl Snapshot {
    pub fn new(members: Vec<Member>, progressions: impl Into<Arc<Progressions>>, as_of: DateTime<Utc>) -> Snapshot {
        let progressions = progressions.into();
        let index = members.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        Snapshot { members, index, progressions, as_of }
    }

    pub fn position(&self, id: PersonId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    pub fn member(&self, id: PersonId) -> Option<&Member> {
        self.position(id).map(|i| &self.members[i])
    }

    pub fn steps(&self, m: &Member) -> Steps<'_> {
        Steps(self.progressions.of(m.id))
    }

    /// Last progression of any kind before `t` (or the hire).
    pub fn last_progression(&self, m: &Member, t: DateTime<Utc>) -> DateTime<Utc> {
        self.steps(m).last_before(None, t).map_or(m.hired, |d| d.max(m.hired))
    }

    /// When the level held at `t` began: the last promotion before `t`, or the hire.
    pub fn level_since(&self, m: &Member, t: DateTime<Utc>) -> DateTime<Utc> {
        self.steps(m).last_before(Some(Step::Promotion), t).map_or(m.hired, |d| d.max(m.hired))
    }

    /// Level rank at `t`: today's, less the promotions since.
    pub fn level_rank_at(&self, m: &Member, t: DateTime<Utc>) -> Option<usize> {
        let later = self.steps(m).count(Step::Promotion, t, self.as_of + Months::new(1));
        m.level_rank.map(|r| r.saturating_sub(later))
    }
}

/// Quantile by linear interpolation (type 7, as R's default); `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

#[cfg(test)]
mod tests;
