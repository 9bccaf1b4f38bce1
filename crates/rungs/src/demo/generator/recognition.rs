//! The demo's recognition stream: each team has its own culture (a rate of
//! recognition per person per month, from rare to frequent), most recognition goes to
//! teammates and some across teams, points within the default policy (100 a month
//! per giver, 50 to one person), and over the last four months one planted ring of
//! three managers of different teams who trade points with each other far beyond that
//! pattern (recorded in the hidden truths as `collusion_ring`).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::SliceRandom;
use rungs_core::event::{EventBody, Recognition};

use super::super::names::THANKS;
use super::Generator;

/// The default policy's allowance and cap (`rungs_core::recognition::Policy`).
const ALLOWANCE: u32 = 100;
const PAIR_CAP: u32 = 50;
/// Team cultures: recognition per person per month.
const RATES: [f64; 5] = [0.1, 0.25, 0.5, 0.9, 1.6];
const VALUES: [&str; 6] = ["teamwork", "ownership", "customer-focus", "craft", "courage", "learning"];
/// Months before the end in which the ring trades.
const RING_MONTHS: i64 = 4;

#[derive(Default)]
pub(super) struct State {
    spent: HashMap<usize, u32>,
    pair: HashMap<(usize, usize), u32>,
    /// Manager -> the team's rate.
    rates: HashMap<usize, f64>,
    ring: Vec<usize>,
}

impl State {
    pub(super) fn new_month(&mut self) {
        self.spent.clear();
        self.pair.clear();
    }
}

impl Generator<'_> {
    fn team_rate(&mut self, manager: usize) -> f64 {
        if let Some(r) = self.recognition.rates.get(&manager) {
            return *r;
        }
        let r = RATES[self.rng.gen_range(0..RATES.len())];
        self.recognition.rates.insert(manager, r);
        self.truths.recognition_rates.push((self.people[manager].id, r));
        r
    }

    /// Give `points` from `p` to `q` at `at` if the month's allowance and cap allow it.
    fn give(&mut self, p: usize, q: usize, at: DateTime<Utc>, points: u32, message: String) -> bool {
        let spent = self.recognition.spent.get(&p).copied().unwrap_or(0);
        let pair = self.recognition.pair.get(&(p, q)).copied().unwrap_or(0);
        if p == q || spent + points > ALLOWANCE || pair + points > PAIR_CAP {
            return false;
        }
        *self.recognition.spent.entry(p).or_default() += points;
        *self.recognition.pair.entry((p, q)).or_default() += points;
        let mut r = Recognition::new(message, points);
        r.public = !self.rng.gen_bool(0.08);
        if self.rng.gen_bool(0.6) {
            r.tags = vec![VALUES[self.rng.gen_range(0..VALUES.len())].to_string()];
        }
        self.push(q, Some(p), at, EventBody::Recognition(r), vec![], vec![]);
        true
    }

    pub(super) fn recognise(&mut self, p: usize, from: DateTime<Utc>, to: DateTime<Utc>) {
        let Some(m) = self.people[p].manager else { return };
        let rate = self.team_rate(m);
        let k = self.poisson(rate);
        for _ in 0..k {
            let across = self.rng.gen_bool(0.15);
            let pool: Vec<usize> = if across {
                // Sorted: a HashMap's order differs from run to run, the demo must not.
                let mut teams: Vec<usize> = self.teams.keys().copied().filter(|t| *t != m).collect();
                teams.sort_unstable();
                match teams.choose(&mut self.rng) {
                    Some(t) => self.teams.get(t).cloned().unwrap_or_default(),
                    None => vec![],
                }
            } else {
                self.teams.get(&m).cloned().unwrap_or_default()
            };
            let pool: Vec<usize> = pool.into_iter().filter(|&q| q != p && self.people[q].active).collect();
            let Some(&q) = pool.choose(&mut self.rng) else { continue };
            let at = self.at(from, to);
            // Nobody is thanked after leaving (`to` is already the giver's leaving).
            if self.until[q].is_some_and(|left| at >= left) {
                continue;
            }
            let message = THANKS.choose(&mut self.rng).unwrap_or(&"Thank you!").to_string();
            let points = [5, 10, 10, 15, 20, 25][self.rng.gen_range(0..6)];
            self.give(p, q, at, points, message);
        }
    }

    /// In the last months, three managers under different managers give each other
    /// (round the ring) close to the cap, every month.
    pub(super) fn plant_ring(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        if to <= self.end - Duration::days(30 * RING_MONTHS) {
            return;
        }
        if self.recognition.ring.is_empty() {
            let mut by_team: HashMap<usize, usize> = HashMap::new();
            for (q, s) in self.people.iter().enumerate() {
                // Managers: the demo's attrition takes individual contributors only, so
                // the ring stays whole until the end (a member who left would break it).
                if let Some(m) = s.manager.filter(|_| s.active && s.joined < from && s.is_manager) {
                    by_team.entry(m).or_insert(q);
                }
            }
            let mut picks: Vec<usize> = by_team.into_values().collect();
            picks.sort_unstable();
            picks.shuffle(&mut self.rng);
            picks.truncate(3);
            if picks.len() < 3 {
                return;
            }
            self.truths.collusion_ring = picks.iter().map(|&q| self.people[q].id).collect();
            self.recognition.ring = picks;
        }
        let ring = self.recognition.ring.clone();
        for i in 0..ring.len() {
            let (p, q) = (ring[i], ring[(i + 1) % ring.len()]);
            if !self.people[p].active || !self.people[q].active {
                continue;
            }
            // Dated before either of the pair leaves this month.
            let until = [self.until[p], self.until[q]].into_iter().flatten().fold(to, DateTime::min);
            for _ in 0..3 {
                let at = self.at(from, until);
                let message = ["You're the best!", "Thanks again, legend", "Appreciate you!"][self.rng.gen_range(0..3)].to_string();
                self.give(p, q, at, 15, message);
            }
        }
    }
}
