//! The demo organization generator: an org chart simulated month by month over 30
//! months, from a seed. The same seed and end date give the same ledger.
//!
//! Kept whole (about 660 lines) because the month's order is its correctness: who
//! leaves is drawn first, then wins, recognition and careers from the state at the
//! month's start (truths test). Self-contained streams are apart: recognition in
//! `generator/recognition.rs`.
//!
//! Hidden truths (documented in docs/DEMO.md; analytics must recover them):
//! 1. **Stallers**: about 10% of individual contributors stop progressing from the
//!    start of a random month in the first half of the window: their micro-progression
//!    rate drops to 5% and they get no micro-promotion or promotion afterwards.
//! 2. **Cadence drives promotion**: the monthly promotion hazard is
//!    `0.003 × min(wins in the 12 months before the month, 15)`, after at least 12
//!    months in level.
//! 3. **Stagnation drives attrition**: the monthly hazard of leaving is
//!    `0.006 · e^(0.10 · months since the last progression of any kind)`, capped at 5%.
//!
//! **Causality.** Every hazard of a month is computed from the person's state at the
//! start of that month, which is exactly what the ledger shows before it: nothing
//! drawn in a month feeds a decision of the same month. A person's events of a month
//! all fall before their departure (drawn uniformly in the month). Staff hired before
//! the window have their starting state on the ledger: hired one level down and
//! promoted at `level_since` when that falls after the hire, and their last
//! progression before the window as a win. `tests/it/truths.rs` recovers each truth
//! from the ledger alone.
//!
//! Over 600 lines on purpose: the generator draws every event in one causal pass over
//! the months, and the truths file states what that pass built; keeping them together
//! keeps what the ledger can show and what the truths claim in one place.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Months, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use rungs_core::event::*;
use rungs_core::framework::{Criterion, Framework};
use rungs_core::person::Position;
use rungs_core::{EventId, OrgId, PersonId};

use super::names::*;

mod recognition;

/// Parameters of the built-in effects, written to the truths file.
#[derive(Debug, Clone, Serialize)]
pub struct Effects {
    /// Share of individual contributors at the window's start drawn to stall.
    pub staller_share: f64,
    /// A staller's micro-progression rate after the stall, relative to their own.
    pub staller_rate_factor: f64,
    /// The stall month is drawn uniformly among the window's months `[0, this)`.
    pub staller_months: u32,
    pub promotion_hazard_per_recent_win: f64,
    /// Wins counted toward the promotion hazard: those of the 12 months before the month.
    pub promotion_window_months: u32,
    /// Wins beyond this many do not raise the promotion hazard any further.
    pub promotion_win_cap: u32,
    pub promotion_min_months_in_level: u32,
    pub attrition_base_hazard: f64,
    pub attrition_growth_per_stagnant_month: f64,
    pub attrition_hazard_cap: f64,
    /// Days in a "month" of stagnation.
    pub days_per_month: f64,
}

pub const EFFECTS: Effects = Effects {
    staller_share: 0.10,
    staller_rate_factor: 0.05,
    staller_months: MONTHS / 2,
    promotion_hazard_per_recent_win: 0.003,
    promotion_window_months: 12,
    // 15 wins in a year binds: a fifth of people log more (rates around 0.8/month,
    // log-normally spread). No cap on the hazard itself: 0.003 × 15 = 4.5% is its top,
    // and a second cap could only ever make one of the two redundant.
    promotion_win_cap: 15,
    promotion_min_months_in_level: 12,
    attrition_base_hazard: 0.006,
    attrition_growth_per_stagnant_month: 0.10,
    // Binds after ln(0.05 / 0.006) / 0.10 = 21.2 months without progression, which
    // early stallers reach inside the window.
    attrition_hazard_cap: 0.05,
    days_per_month: 30.44,
};

/// Months of simulated history.
pub const MONTHS: u32 = 30;

/// What the analytics should find, written beside the database.
#[derive(Debug, Clone, Serialize)]
pub struct Truths {
    pub seed: u64,
    pub people_at_start: usize,
    pub history_start: DateTime<Utc>,
    pub history_end: DateTime<Utc>,
    pub effects: Effects,
    /// What each effect means in terms of the ledger alone.
    pub definitions: Vec<String>,
    /// People made to stall who were still employed when it took effect, and the start
    /// of the month it took effect (their rate changes from that instant).
    pub stallers: Vec<(PersonId, DateTime<Utc>)>,
    /// The planted recognition ring (each gives the next, the last the first, far
    /// beyond the usual pattern) over the last months: `rungs recognition collusion`
    /// must flag it (docs/RECOGNITION.md).
    pub collusion_ring: Vec<PersonId>,
    /// Recognition per person per month of each team's culture: some teams thank
    /// each other much more than others (manager -> rate).
    pub recognition_rates: Vec<(PersonId, f64)>,
    /// Drawn stallers who left before their stall month began (not listed above: the
    /// ledger cannot show a stall they never lived).
    pub stallers_left_before_stall: usize,
}

/// The truths in ledger terms, written into the truths file.
fn definitions() -> Vec<String> {
    [
        "a win is a micro_progression event that no reversal event targets",
        "a progression is a win, a micro_promotion, a promotion or a lateral_move (reversed events excluded)",
        "months are calendar months from history_start; each month's hazards depend only on ledger events dated before the month's first instant",
        "stallers: from the listed instant, the person's monthly win rate is staller_rate_factor times their own rate before, and they get no micro_promotion or promotion",
        "promotion: an individual contributor (not management track) below the top level of their track, whose current level started (hire or last promotion) at least promotion_min_months_in_level calendar months before the month's start, and not a staller past their stall instant, is promoted in the month with probability promotion_hazard_per_recent_win × min(wins dated in [month start − promotion_window_months, month start), promotion_win_cap)",
        "attrition: an individual contributor employed at the month's start leaves during the month with probability min(attrition_base_hazard × exp(attrition_growth_per_stagnant_month × m), attrition_hazard_cap), m = whole days from the last progression before the month's start (or the hire, if none) to the month's start, divided by days_per_month",
        "every event of a person in a month precedes their departure; nobody has events after leaving",
        "staff hired before history_start carry their starting state on the ledger: a promotion event at the start of their current level (when after the hire) and a win at their last progression (when later than that)",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

struct Sim {
    id: PersonId,
    manager: Option<usize>,
    dept: usize,
    track: &'static str,
    level: usize,
    active: bool,
    joined: DateTime<Utc>,
    is_manager: bool,
    last_progression: DateTime<Utc>,
    level_since: DateTime<Utc>,
    rate: f64,
    /// Share of their wins aimed at what their next level expects (see `wins`).
    focus: f64,
    /// The start of the month the stall takes effect.
    stall_from: Option<DateTime<Utc>>,
    /// Wins (not reversed), in time order.
    wins: Vec<DateTime<Utc>>,
    left_at: Option<DateTime<Utc>>,
}

const DEPTS: &[(&str, &str, f64)] = &[
    ("Platform Engineering", "engineering", 0.30),
    ("Product Engineering", "engineering", 0.30),
    ("Sales", "sales", 0.20),
    ("Operations", "operations", 0.12),
    ("People", "operations", 0.08),
];

fn competencies(track: &str) -> &'static [&'static str] {
    match track {
        "engineering" => &["code-quality", "system-design", "testing", "operations", "delivery", "ownership", "communication", "mentoring", "collaboration"],
        "sales" => &["prospecting", "negotiation", "customer-insight", "communication", "delivery", "collaboration"],
        "management" => &["people-leadership", "strategy", "hiring", "communication", "mentoring", "delivery"],
        _ => &["process-improvement", "communication", "delivery", "ownership", "collaboration"],
    }
}

/// Share of wins a manager validates. High because the next levels' criteria count
/// validated wins only (docs/READINESS.md): with half, nobody in the demo got ready.
const VALIDATED_SHARE: f64 = 0.75;

/// What a win aimed at one checkable expectation of the next level looks like: the
/// competencies that evidence it and the categories its rule counts (empty: any).
struct Target<'a> {
    competencies: &'a [String],
    categories: &'a [Category],
}

/// Generates the ledger month by month, handing each month's events (sorted by time)
/// to `sink`.
pub struct Generator<'a> {
    rng: ChaCha8Rng,
    org: OrgId,
    fw: &'a Framework,
    people: Vec<Sim>,
    emails: HashMap<String, u32>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    month: Vec<NewEvent>,
    /// Manager -> people on their team at the start of the month (joined before it).
    teams: HashMap<usize, Vec<usize>>,
    /// Person -> when they leave this month, if they do (decided at the month's start).
    until: Vec<Option<DateTime<Utc>>>,
    /// Department -> its team leads. Managers neither leave nor move in the
    /// simulation, so this is computed once after staffing.
    leads: HashMap<usize, Vec<usize>>,
    /// (track, level index) -> the targets of the next level's checkable expectations.
    targets: HashMap<(&'static str, usize), Vec<Target<'a>>>,
    /// Recognition: what each giver and giver → receiver spent this month, and the ring.
    recognition: recognition::State,
    pub truths: Truths,
}

impl<'a> Generator<'a> {
    pub fn new(org: OrgId, fw: &'a Framework, seed: u64, end: DateTime<Utc>) -> Self {
        let start = end - Months::new(MONTHS);
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            org,
            fw,
            people: vec![],
            emails: HashMap::new(),
            start,
            end,
            month: vec![],
            teams: HashMap::new(),
            until: vec![],
            leads: HashMap::new(),
            targets: HashMap::new(),
            recognition: recognition::State::default(),
            truths: Truths {
                seed,
                people_at_start: 0,
                history_start: start,
                history_end: end,
                effects: EFFECTS,
                definitions: definitions(),
                stallers: vec![],
                collusion_ring: vec![],
                recognition_rates: vec![],
                stallers_left_before_stall: 0,
            },
        }
    }

    /// Run the whole simulation. `sink` receives batches in ledger order.
    pub async fn run<F, Fut>(mut self, n: usize, mut sink: F) -> anyhow::Result<Truths>
    where
        F: FnMut(Vec<NewEvent>) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>>,
    {
        self.staff(n.max(8));
        for (q, s) in self.people.iter().enumerate() {
            if s.is_manager && s.track == "management" {
                self.leads.entry(s.dept).or_default().push(q);
            }
        }
        self.truths.people_at_start = self.people.len();
        let mut hires = std::mem::take(&mut self.month);
        hires.sort_by_key(|e| e.occurred_at);
        sink(hires).await?;
        for m in 0..MONTHS {
            let from = self.start + Months::new(m);
            let to = (from + Months::new(1)).min(self.end);
            self.simulate_month(from, to);
            let mut batch = std::mem::take(&mut self.month);
            batch.sort_by_key(|e| e.occurred_at);
            sink(batch).await?;
        }
        // Only stalls someone lived are truths the ledger can show.
        let mut stallers = vec![];
        for s in &self.people {
            if let Some(from) = s.stall_from {
                if s.left_at.is_some_and(|l| l <= from) {
                    self.truths.stallers_left_before_stall += 1;
                } else {
                    stallers.push((s.id, from));
                }
            }
        }
        self.truths.stallers = stallers;
        Ok(self.truths)
    }

    fn at(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let span = (to - from).num_minutes().max(1);
        from + Duration::minutes(self.rng.gen_range(0..span))
    }

    fn push(&mut self, subject: usize, actor: Option<usize>, at: DateTime<Utc>, body: EventBody, competencies: Vec<String>, evidence: Vec<String>) -> EventId {
        let id = EventId::new();
        self.month.push(NewEvent {
            id,
            org_id: self.org,
            subject: self.people[subject].id,
            actor: actor.map(|a| self.people[a].id),
            occurred_at: at,
            recorded_at: at + Duration::minutes(self.rng.gen_range(1..600)),
            body,
            competencies,
            evidence,
            idempotency_key: None,
        });
        id
    }

    fn title(&self, track: &str, level: usize) -> String {
        self.fw.track(track).and_then(|t| t.levels.get(level)).map_or_else(|| "Staff".to_string(), |l| l.title.clone())
    }

    fn levels(&self, track: &str) -> usize {
        self.fw.track(track).map_or(1, |t| t.levels.len())
    }

    /// Hire one person at `at`; returns their index.
    fn hire(&mut self, at: DateTime<Utc>, manager: Option<usize>, dept: usize, track: &'static str, level: usize, title: Option<&str>) -> usize {
        let first = *FIRST.choose(&mut self.rng).unwrap_or(&"Alex");
        let last = *LAST.choose(&mut self.rng).unwrap_or(&"Doe");
        let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
        let n = self.emails.entry(base.clone()).or_insert(0);
        *n += 1;
        let email = if *n == 1 { format!("{base}@northwind.example") } else { format!("{base}{n}@northwind.example") };
        let rate = (self.rng.gen_range(-0.6f64..0.6) + self.normal() * 0.35).exp() * 0.8;
        // Some people steer their work by the ladder, some barely look at it.
        let focus = self.rng.gen_range(0.15..0.9);
        let key = self.fw.track(track).and_then(|t| t.levels.get(level)).map_or("l1".to_string(), |l| l.key.clone());
        let title = title.map_or_else(|| self.title(track, level), str::to_string);
        let band = format!("{}{}", key.to_uppercase(), ["A", "B", "C"][self.rng.gen_range(0..3)]);
        let gender = ["female", "male", "female", "male", "nonbinary"][self.rng.gen_range(0..5usize).min(4)];
        let age = ["20-29", "30-39", "40-49", "50-59"][self.rng.gen_range(0..4)];
        let idx = self.people.len();
        self.people.push(Sim {
            id: PersonId::new(),
            manager,
            dept,
            track,
            level,
            active: true,
            joined: at,
            is_manager: false,
            last_progression: at,
            level_since: at,
            rate,
            focus,
            stall_from: None,
            wins: vec![],
            left_at: None,
        });
        let body = EventBody::Hired(Hired {
            name: format!("{first} {last}"),
            email,
            manager_id: manager.map(|m| self.people[m].id),
            department: Some(DEPTS[dept].0.to_string()),
            location: LOCATIONS.choose(&mut self.rng).map(std::string::ToString::to_string),
            position: Position { track: track.to_string(), level: key, title },
            pay_band: Some(band),
            sensitive: [("gender".to_string(), gender.to_string()), ("age_band".to_string(), age.to_string())].into(),
        });
        self.push(idx, None, at, body, vec![], vec![]);
        idx
    }

    fn normal(&mut self) -> f64 {
        // Box-Muller: good enough for demo rates.
        let (u1, u2): (f64, f64) = (self.rng.gen_range(1e-9..1.0), self.rng.gen_range(0.0..1.0));
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn poisson(&mut self, lambda: f64) -> u32 {
        let (l, mut k, mut p) = ((-lambda).exp(), 0u32, 1.0f64);
        loop {
            p *= self.rng.gen_range(0.0..1.0);
            if p <= l {
                return k;
            }
            k += 1;
        }
    }

    /// The org chart at the start of the window: CEO, a director per department,
    /// managers, and individual contributors in teams of about seven.
    fn staff(&mut self, n: usize) {
        let long_ago = self.start - Months::new(72);
        let start = self.start - Months::new(1);
        let ceo_at = long_ago;
        let ceo = self.hire(ceo_at, None, 0, "management", 5, Some("Chief Executive Officer"));
        self.people[ceo].is_manager = true;
        let depts = if n < 40 { 3 } else { DEPTS.len() };
        let remaining = n - 1 - depts;
        for (d, &(dept_name, track, weight)) in DEPTS.iter().enumerate().take(depts) {
            let share = weight / DEPTS[..depts].iter().map(|x| x.2).sum::<f64>();
            let size = ((remaining as f64) * share).round() as usize;
            let at = self.at(long_ago, start);
            let title = if dept_name == "People" { Some("Head of People") } else { None };
            let director = self.hire(at, Some(ceo), d, "management", 3, title);
            self.people[director].is_manager = true;
            let managers = (size / 8).max(1);
            let ics = size.saturating_sub(managers);
            let mut team_leads = vec![];
            for _ in 0..managers {
                let at = self.at(long_ago, start);
                let lvl = self.rng.gen_range(0..3);
                let m = self.hire(at, Some(director), d, "management", lvl, None);
                self.people[m].is_manager = true;
                team_leads.push(m);
            }
            let top = self.levels(track);
            for i in 0..ics {
                let at = self.at(long_ago, start);
                let level = [0usize, 1, 1, 2, 2, 2, 3, 3, 4].choose(&mut self.rng).copied().unwrap_or(1).min(top - 1);
                let m = team_leads[i % team_leads.len()];
                // Their starting state goes on the ledger: someone in their level since
                // after their hire was hired one level down and promoted then.
                let since = self.at(at.max(self.start - Months::new(30)), start).max(at);
                let promoted = level > 0 && since > at + Duration::days(31);
                let p = self.hire(at, Some(m), d, track, if promoted { level - 1 } else { level }, None);
                if promoted {
                    self.promote(p, since);
                }
                // Their last progression before the window: the promotion, or a win after it.
                let win_at = self.at((self.start - Months::new(6)).max(at), start);
                if win_at > self.people[p].level_since {
                    self.push_win(p, win_at, start, Some(p));
                }
                if self.rng.gen_bool(EFFECTS.staller_share) {
                    let k = self.rng.gen_range(0..EFFECTS.staller_months);
                    self.people[p].stall_from = Some(self.start + Months::new(k));
                }
            }
        }
    }

    /// Promote `p` one level at `at`.
    fn promote(&mut self, p: usize, at: DateTime<Utc>) {
        let (track, level) = (self.people[p].track, self.people[p].level + 1);
        let key = self.fw.track(track).and_then(|t| t.levels.get(level)).map_or(String::new(), |l| l.key.clone());
        let to_pos = Position { track: track.to_string(), level: key.clone(), title: self.title(track, level) };
        let band = format!("{}A", key.to_uppercase());
        self.push(
            p,
            None,
            at,
            EventBody::Promotion(Promotion { to: to_pos, pay_band: Some(band), note: Some("Promotion cycle decision".into()) }),
            vec![],
            vec![],
        );
        let s = &mut self.people[p];
        s.level = level;
        s.level_since = at;
        s.last_progression = s.last_progression.max(at);
    }

    /// Wins of `p` (not reversed) dated in `[from, to)`.
    fn wins_between(&self, p: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
        let w = &self.people[p].wins;
        w.partition_point(|x| *x < to) - w.partition_point(|x| *x < from)
    }

    fn rate(&self, p: usize, at: DateTime<Utc>) -> f64 {
        let s = &self.people[p];
        match s.stall_from {
            Some(f) if at >= f => s.rate * EFFECTS.staller_rate_factor,
            _ => s.rate,
        }
    }

    fn simulate_month(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        let n = self.people.len();
        // Teams once a month, not a scan of everyone per recognition: the scan made
        // 100,000 people quadratic.
        self.teams.clear();
        for q in 0..n {
            let s = &self.people[q];
            if let Some(m) = s.manager.filter(|_| s.active && s.joined < from) {
                self.teams.entry(m).or_default().push(q);
            }
        }
        // Everything this month is decided from the state at its start (what the ledger
        // shows before `from`): who leaves first, so that nobody's events (thanks from
        // a teammate included) come after their leaving.
        self.until.clear();
        for p in 0..n {
            let until = if self.people[p].active && self.leaves(p, from) { Some(self.at(from, to)) } else { None };
            self.until.push(until);
        }
        self.recognition.new_month();
        self.plant_ring(from, to);
        for p in 0..n {
            if !self.people[p].active {
                continue;
            }
            let leaves = self.until[p].is_some();
            let until = self.until[p].unwrap_or(to);
            let recent = self.wins_between(p, from - Months::new(EFFECTS.promotion_window_months), from);
            let stalled = self.people[p].stall_from.is_some_and(|f| from >= f);
            self.wins(p, from, until, to);
            self.recognise(p, from, until);
            self.career(p, from, until, recent, stalled);
            if leaves {
                self.depart(p, until, to);
            }
        }
    }

    /// Whether `p` leaves this month (hidden truth 3): individual contributors only,
    /// from the months since their last progression before the month.
    fn leaves(&mut self, p: usize, from: DateTime<Utc>) -> bool {
        let s = &self.people[p];
        if s.is_manager {
            return false;
        }
        let stagnant = (from - s.last_progression).num_days().max(0) as f64 / EFFECTS.days_per_month;
        let h = (EFFECTS.attrition_base_hazard * (EFFECTS.attrition_growth_per_stagnant_month * stagnant).exp()).min(EFFECTS.attrition_hazard_cap);
        self.rng.gen_bool(h)
    }

    /// `p` leaves at `at`, then a junior is hired onto the same team.
    fn depart(&mut self, p: usize, at: DateTime<Utc>, to: DateTime<Utc>) {
        let reason = if self.rng.gen_bool(0.85) { DepartureReason::Voluntary } else { DepartureReason::Involuntary };
        self.push(p, None, at, EventBody::Departure(Departure { reason, note: None }), vec![], vec![]);
        self.people[p].active = false;
        self.people[p].left_at = Some(at);
        let (manager, dept, track) = (self.people[p].manager, self.people[p].dept, self.people[p].track);
        let hire_at = (at + Duration::minutes(30)).min(to - Duration::seconds(1));
        if hire_at < self.end && manager.is_some() {
            let level = self.rng.gen_range(0..2);
            self.hire(hire_at, manager, dept, track, level, None);
        }
    }

    /// This month's wins of `p`, dated in `[from, until)` (`to` ends the month).
    fn wins(&mut self, p: usize, from: DateTime<Utc>, until: DateTime<Utc>, to: DateTime<Utc>) {
        let k = self.poisson(self.rate(p, from));
        let mut times: Vec<DateTime<Utc>> = (0..k).map(|_| self.at(from, to)).collect();
        // A leaver's wins after leaving never happen.
        times.retain(|t| *t < until);
        times.sort();
        for at in times {
            let manager = self.people[p].manager.filter(|&m| self.people[m].active);
            let actor = if manager.is_some() && self.rng.gen_bool(0.2) { manager } else { Some(p) };
            self.push_win(p, at, until, actor);
        }
    }

    /// One win of `p` at `at`, maybe validated by their manager or reversed before `until`.
    fn push_win(&mut self, p: usize, at: DateTime<Utc>, until: DateTime<Utc>, actor: Option<usize>) {
        let track = self.people[p].track;
        let (category, mut cs) = self.win_content(p, track);
        cs.sort();
        cs.dedup();
        let title = self.win_title(category);
        let evidence = if self.rng.gen_bool(0.4) { vec![format!("https://git.northwind.example/changes/{}", self.rng.gen_range(1000..99999))] } else { vec![] };
        let manager = self.people[p].manager.filter(|&m| self.people[m].active);
        let magnitude = if self.rng.gen_bool(0.6) { Magnitude::Nano } else { Magnitude::Micro };
        let id = self.push(p, actor, at, EventBody::MicroProgression(MicroProgression { category, magnitude, title, description: None }), cs, evidence);
        let reversed = self.rng.gen_bool(0.01);
        let last = until - Duration::seconds(1);
        if let Some(m) = manager.filter(|_| !reversed && self.rng.gen_bool(VALIDATED_SHARE)) {
            let vat = (at + Duration::hours(self.rng.gen_range(1..96))).min(last).max(at);
            self.push(p, Some(m), vat, EventBody::Validation(Validation { target: id, role: ValidatorRole::Manager, note: None }), vec![], vec![]);
        }
        if reversed {
            let rat = (at + Duration::minutes(30)).min(last).max(at);
            self.push(p, Some(p), rat, EventBody::Reversal(Reversal { target: id, reason: "logged twice by mistake".into() }), vec![], vec![]);
        } else {
            self.people[p].wins.push(at);
            self.people[p].last_progression = self.people[p].last_progression.max(at);
        }
    }

    /// What a win is about: with the person's `focus`, aimed at one checkable
    /// expectation of their next level (its competency, a category its rule counts,
    /// half the time a second competency that level expects); otherwise any category
    /// and one or two competencies of the track.
    fn win_content(&mut self, p: usize, track: &'static str) -> (Category, Vec<String>) {
        let comps = competencies(track);
        let level = self.people[p].level;
        if self.rng.gen_bool(self.people[p].focus) {
            let fw = self.fw;
            let targets = self.targets.entry((track, level)).or_insert_with(|| next_level_targets(fw, track, level));
            if !targets.is_empty() {
                let t = &targets[self.rng.gen_range(0..targets.len())];
                let (tc, tk) = (t.competencies, t.categories);
                let mut cs: Vec<String> = tc.choose(&mut self.rng).map(|c| vec![c.clone()]).unwrap_or_default();
                // Real work often evidences a second thing the level expects.
                if self.rng.gen_bool(0.5) {
                    let other = &targets[self.rng.gen_range(0..targets.len())];
                    cs.extend(other.competencies.choose(&mut self.rng).cloned());
                }
                let category = tk.choose(&mut self.rng).or_else(|| Category::ALL.choose(&mut self.rng)).copied().unwrap_or(Category::Skill);
                return (category, cs);
            }
        }
        let category = *Category::ALL.choose(&mut self.rng).unwrap_or(&Category::Skill);
        let how_many = self.rng.gen_range(1..=2);
        (category, comps.choose_multiple(&mut self.rng, how_many).map(std::string::ToString::to_string).collect())
    }

    fn win_title(&mut self, c: Category) -> String {
        let r = &mut self.rng;
        let pick = |r: &mut ChaCha8Rng, xs: &[&str]| xs.choose(r).copied().unwrap_or("something").to_string();
        match c {
            Category::Skill => format!("Learned {}", pick(r, TECH)),
            Category::Certification => format!("Passed {}", pick(r, CERTS)),
            Category::Feedback => format!("Praise from stakeholders on {}", pick(r, PROJECTS)),
            Category::TaskMastered => format!("Ran {} solo for the first time", pick(r, TASKS)),
            Category::ProjectCompleted => format!("Shipped {}", pick(r, PROJECTS)),
            Category::Learning => format!("Completed: {}", pick(r, COURSES)),
            Category::Mentoring => "Mentored a new hire through their first month".to_string(),
            Category::Responsibility => format!("Took ownership of {}", pick(r, AREAS)),
        }
    }

    /// Micro-promotion, promotion (hidden truth 2) and lateral move of `p` this month,
    /// from `recent` (wins in the 12 months before `from`) and the state at `from`;
    /// dated before `until`.
    fn career(&mut self, p: usize, from: DateTime<Utc>, until: DateTime<Utc>, recent: usize, stalled: bool) {
        let s = &self.people[p];
        let manager = s.manager;
        let recent = recent as f64;
        let eligible = s.level_since <= from - Months::new(EFFECTS.promotion_min_months_in_level);
        let top = self.levels(s.track);
        // Micro-promotion: a new scope, granted by the manager.
        if !stalled && manager.is_some() && self.rng.gen_bool((0.006 + 0.002 * recent.min(10.0)).min(0.05)) {
            let at = self.at(from, until);
            let scope = SCOPES.choose(&mut self.rng).unwrap_or(&"project lead").to_string();
            self.push(p, manager, at, EventBody::MicroPromotion(MicroPromotion { scope, note: None }), vec![], vec![]);
            self.people[p].last_progression = self.people[p].last_progression.max(at);
        }
        // Promotion (hidden truth 2).
        let (is_manager, level) = (self.people[p].is_manager, self.people[p].level + 1);
        if !stalled && !is_manager && level < top && eligible {
            let h = EFFECTS.promotion_hazard_per_recent_win * recent.min(f64::from(EFFECTS.promotion_win_cap));
            if self.rng.gen_bool(h) {
                let at = self.at(from, until);
                self.promote(p, at);
            }
        }
        // Lateral move to another team in the same department.
        if !self.people[p].is_manager && self.rng.gen_bool(0.003) {
            let dept = self.people[p].dept;
            let leads: Vec<usize> = self.leads.get(&dept).map(|l| l.iter().copied().filter(|&q| Some(q) != manager).collect()).unwrap_or_default();
            if let Some(&m) = leads.choose(&mut self.rng) {
                let at = self.at(from, until);
                let body =
                    EventBody::LateralMove(LateralMove { to: None, department: None, manager_id: Some(self.people[m].id), note: Some("Team change".into()) });
                self.push(p, None, at, body, vec![], vec![]);
                self.people[p].manager = Some(m);
                self.people[p].last_progression = self.people[p].last_progression.max(at);
            }
        }
    }
}

/// The targets of the checkable expectations of the level after `level` of `track`.
fn next_level_targets<'a>(fw: &'a Framework, track: &'a str, level: usize) -> Vec<Target<'a>> {
    let Some(next) = fw.track(track).and_then(|t| t.levels.get(level + 1)) else { return vec![] };
    fw.expectations_for(track, &next.key)
        .filter_map(|x| match x.criterion.as_ref()? {
            Criterion::Evidence(rule) => Some(Target { competencies: std::slice::from_ref(&x.competency), categories: &rule.categories }),
            Criterion::Milestone(key) => {
                let m = fw.milestones.iter().find(|m| &m.key == key)?;
                Some(Target { competencies: &m.competencies, categories: &m.criterion.categories })
            }
            // Recognition is the colleagues' to give, not a win to plan.
            Criterion::Recognition(_) => None,
        })
        .collect()
}

/// Midnight UTC today: the end of the demo's history.
pub fn today() -> DateTime<Utc> {
    let now = Utc::now();
    Utc.with_ymd_and_hms(now.year(), now.month(), now.day(), 0, 0, 0).single().unwrap_or(now)
}
