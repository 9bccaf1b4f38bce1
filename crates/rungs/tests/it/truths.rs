//! The demo's hidden truths are recoverable from the ledger alone: each effect in the
//! truths file is estimated from the events of a small demo, as an analyst would, and
//! the built-in value lies inside the estimate's 99% interval (four estimates on one
//! fixed seed: at 95% each, one seed in five fails some check by chance alone, and
//! any change to the generator's random stream picks another seed). The exact rules
//! (nothing after leaving, nobody promoted without a win before the month, nobody
//! promoted before 12 months in level, stallers never promoted after their stall)
//! hold without exception.

use std::collections::HashSet;

use chrono::{DateTime, Months, TimeZone, Utc};
use rungs::demo::generator::{EFFECTS, MONTHS, Truths};
use rungs_core::event::{Event, EventBody};
use rungs_core::store::Store;

/// One person as the ledger shows them.
struct Life {
    manager_track: bool,
    top: usize,
    hired: DateTime<Utc>,
    left: Option<DateTime<Utc>>,
    /// Level index at hire, and promotion times (in order).
    hire_level: usize,
    promotions: Vec<DateTime<Utc>>,
    wins: Vec<DateTime<Utc>>,
    progressions: Vec<DateTime<Utc>>,
    micro_promotions: Vec<DateTime<Utc>>,
    last_event: DateTime<Utc>,
    stall: Option<DateTime<Utc>>,
}

fn life(fw: &rungs_core::framework::Framework, events: &[Event], stall: Option<DateTime<Utc>>) -> Life {
    let reversed: HashSet<_> = events.iter().filter_map(|e| if let EventBody::Reversal(r) = &e.body { Some(r.target) } else { None }).collect();
    let mut l = Life {
        manager_track: false,
        top: 0,
        hired: events[0].occurred_at,
        left: None,
        hire_level: 0,
        promotions: vec![],
        wins: vec![],
        progressions: vec![],
        micro_promotions: vec![],
        last_event: events[0].occurred_at,
        stall,
    };
    for e in events.iter().filter(|e| !reversed.contains(&e.id)) {
        l.last_event = l.last_event.max(e.occurred_at);
        match &e.body {
            EventBody::Hired(h) => {
                l.hired = e.occurred_at;
                l.manager_track = h.position.track == "management";
                l.top = fw.track(&h.position.track).map_or(0, |t| t.levels.len());
                l.hire_level = fw.level_rank(&h.position.track, &h.position.level).unwrap_or(0);
            }
            EventBody::Promotion(_) => l.promotions.push(e.occurred_at),
            EventBody::MicroProgression(_) => l.wins.push(e.occurred_at),
            EventBody::MicroPromotion(_) => l.micro_promotions.push(e.occurred_at),
            EventBody::Departure(_) => l.left = Some(e.occurred_at),
            _ => {}
        }
        if e.kind().is_progression() {
            l.progressions.push(e.occurred_at);
        }
    }
    for v in [&mut l.promotions, &mut l.wins, &mut l.progressions] {
        v.sort();
    }
    l
}

fn count(v: &[DateTime<Utc>], from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    v.partition_point(|x| *x < to) - v.partition_point(|x| *x < from)
}

/// 99% interval of a Poisson-quasi-likelihood estimate.
fn interval(est: f64, se: f64) -> (f64, f64) {
    (est - 2.576 * se, est + 2.576 * se)
}

/// Fit `E[y] = exp(a + b·x)` by Newton's method (Poisson GLM, log link); returns
/// `(a, b, se_a, se_b)`. Consistent for Bernoulli outcomes; the Poisson variance
/// makes the intervals slightly conservative.
fn poisson_glm(xs: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let (mut a, mut b) = ((xs.iter().map(|x| x.1).sum::<f64>() / xs.len() as f64).ln(), 0.0);
    let mut info = [0.0; 3];
    for _ in 0..50 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(x, y) in xs {
            let mu = (a + b * x).exp();
            g0 += y - mu;
            g1 += (y - mu) * x;
            h00 += mu;
            h01 += mu * x;
            h11 += mu * x * x;
        }
        let det = h00 * h11 - h01 * h01;
        a += (h11 * g0 - h01 * g1) / det;
        b += (h00 * g1 - h01 * g0) / det;
        info = [h00, h01, h11];
    }
    let det = info[0] * info[2] - info[1] * info[1];
    (a, b, (info[2] / det).sqrt(), (info[0] / det).sqrt())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hidden_truth_is_recovered_from_the_ledger_alone_within_its_interval() {
    let dir = crate::support::tempdir();
    let store = rungs_store::open_sqlite(&dir.path().join("truths.db")).await.unwrap();
    // A fixed seed and end: the same ledger every run. 2,000 people is the smallest
    // demo whose intervals are tight enough to mean something (about ±20% on the
    // attrition slope; 1,000 people give ±45%).
    let end = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
    let truths: Truths = rungs::demo::generate(&store, 2000, 7, end).await.unwrap();
    let org = store.default_org().await.unwrap().unwrap();
    let fw = store.framework(org.id).await.unwrap();
    let start = truths.history_start;
    let month = |m: u32| (start + Months::new(m), (start + Months::new(m + 1)).min(end));
    let mut lives = vec![];
    for p in store.all_people(org.id).await.unwrap() {
        let events = store.subject_events(org.id, p.id).await.unwrap();
        let stall = truths.stallers.iter().find(|(id, _)| *id == p.id).map(|s| s.1);
        lives.push(life(&fw, &events, stall));
    }

    // Causality: nothing after leaving; every listed staller was still employed when
    // their stall began, which is a month start.
    for l in &lives {
        if let Some(left) = l.left {
            assert!(l.last_event <= left, "an event after leaving");
        }
        if let Some(s) = l.stall {
            assert!(l.left.is_none_or(|left| left > s) && (0..EFFECTS.staller_months).any(|k| start + Months::new(k) == s));
        }
    }

    // Truth 2: promotions, person-month by person-month, from what precedes the month.
    let (mut promoted, mut weight, mut capped_months, mut illegal) = (0.0, 0.0, 0, 0);
    // Truth 3: departures by months since the last progression.
    let (mut below_cap, mut above_cap) = (vec![], (0.0, 0.0));
    let cap_at = (EFFECTS.attrition_hazard_cap / EFFECTS.attrition_base_hazard).ln() / EFFECTS.attrition_growth_per_stagnant_month;
    for l in lives.iter().filter(|l| !l.manager_track) {
        for m in 0..MONTHS {
            let (from, to) = month(m);
            if l.hired >= from || l.left.is_some_and(|x| x < from) {
                continue;
            }
            let promotions_now = count(&l.promotions, from, to);
            let before = l.promotions.partition_point(|x| *x < from);
            let level = l.hire_level + before;
            let level_since = if before == 0 { l.hired } else { l.promotions[before - 1] };
            let stalled = l.stall.is_some_and(|s| s <= from);
            let recent = count(&l.wins, from - Months::new(EFFECTS.promotion_window_months), from);
            let eligible = !stalled && level + 1 < l.top && level_since <= from - Months::new(EFFECTS.promotion_min_months_in_level);
            if eligible {
                promoted += promotions_now as f64;
                weight += recent.min(EFFECTS.promotion_win_cap as usize) as f64;
                capped_months += usize::from(recent > EFFECTS.promotion_win_cap as usize);
            }
            if promotions_now > 0 && (!eligible || recent == 0) {
                illegal += 1;
            }
            let last = l.progressions[..l.progressions.partition_point(|x| *x < from)].last().copied().unwrap_or(l.hired).max(l.hired);
            let stagnant = (from - last).num_days() as f64 / EFFECTS.days_per_month;
            let left = f64::from(u8::from(l.left.is_some_and(|x| x < to)));
            if stagnant < cap_at {
                below_cap.push((stagnant, left));
            } else {
                above_cap.0 += left;
                above_cap.1 += 1.0;
            }
        }
    }
    assert_eq!(illegal, 0, "promotions outside the rule");
    let beta = promoted / weight;
    let ci = interval(beta, promoted.sqrt() / weight);
    println!("promotion hazard per recent win: {beta:.5} [{:.5}, {:.5}] from {promoted} promotions", ci.0, ci.1);
    assert!(ci.0 <= EFFECTS.promotion_hazard_per_recent_win && EFFECTS.promotion_hazard_per_recent_win <= ci.1);
    assert!(capped_months > 100, "the win cap binds in {capped_months} eligible person-months");

    let (a, b, se_a, se_b) = poisson_glm(&below_cap);
    let (ci_a, ci_b) = (interval(a, se_a), interval(b, se_b));
    println!(
        "attrition: base {:.4} [{:.4}, {:.4}], slope {b:.3} [{:.3}, {:.3}] over {} person-months; {} of {} past the cap",
        a.exp(),
        ci_a.0.exp(),
        ci_a.1.exp(),
        ci_b.0,
        ci_b.1,
        below_cap.len(),
        above_cap.0,
        above_cap.1
    );
    assert!(ci_b.0 <= EFFECTS.attrition_growth_per_stagnant_month && EFFECTS.attrition_growth_per_stagnant_month <= ci_b.1);
    assert!(ci_a.0.exp() <= EFFECTS.attrition_base_hazard && EFFECTS.attrition_base_hazard <= ci_a.1.exp());
    // The cap binds: people are observed past it, leaving at about its rate.
    assert!(above_cap.1 >= 30.0, "only {} person-months past the attrition cap", above_cap.1);
    let rate = above_cap.0 / above_cap.1;
    let se = (rate * (1.0 - rate) / above_cap.1).sqrt().max(1.0 / above_cap.1);
    let ci = interval(rate, se);
    assert!(ci.0 <= EFFECTS.attrition_hazard_cap && EFFECTS.attrition_hazard_cap <= ci.1, "past the cap: {rate:.3} [{:.3}, {:.3}]", ci.0, ci.1);

    // Truth 1: stallers. Given a staller's wins in the window, the share after the stall
    // is binomial with p = F·after / (F·after + before) (months of exposure): the
    // person's own rate cancels. Maximum likelihood for log F, Fisher interval.
    let mut stallers = vec![];
    for l in lives.iter().filter(|l| l.stall.is_some()) {
        let s = l.stall.unwrap_or(start);
        assert_eq!(count(&l.promotions, s, end) + count(&l.micro_promotions, s, end), 0, "a staller progressed by a (micro-)promotion after the stall");
        let before_months = (0..MONTHS).filter(|&m| month(m).1 <= s).count() as f64;
        let stop = l.left.unwrap_or(end);
        let after_months: f64 = (0..MONTHS)
            .map(&month)
            .filter(|(from, _)| *from >= s && *from < stop)
            .map(|(from, to)| if stop < to { (stop - from).num_seconds() as f64 / (to - from).num_seconds() as f64 } else { 1.0 })
            .sum();
        if before_months > 0.0 && after_months > 0.0 {
            stallers.push((count(&l.wins, start, s) as f64, count(&l.wins, s, stop) as f64, after_months / before_months));
        }
    }
    let score = |theta: f64| -> (f64, f64) {
        let f = theta.exp();
        stallers.iter().fold((0.0, 0.0), |(g, i), &(b, a, t)| {
            let p = f * t / (f * t + 1.0);
            (g + a - (a + b) * p, i + (a + b) * p * (1.0 - p))
        })
    };
    let (mut lo, mut hi) = (-12.0f64, 3.0f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if score(mid).0 > 0.0 { lo = mid } else { hi = mid }
    }
    let theta = (lo + hi) / 2.0;
    let ci = interval(theta, 1.0 / score(theta).1.sqrt());
    println!("staller rate factor: {:.3} [{:.3}, {:.3}] from {} stallers", theta.exp(), ci.0.exp(), ci.1.exp(), stallers.len());
    assert!(stallers.len() >= 30);
    assert!(ci.0.exp() <= EFFECTS.staller_rate_factor && EFFECTS.staller_rate_factor <= ci.1.exp());

    // The what-works report, on the same ledger as of its end, recovers the built-in
    // effects in the individual contributors' tracks: each estimate's 95% interval holds
    // the truth, and the landmark curves separate cadence quartiles for later promotion.
    let viewer = rungs_app::Viewer::system(org.id);
    let cache = rungs_app::analytics::Cache::default();
    let r = rungs_app::analytics::what_works_report(&store, &cache, &viewer, end, None).await.unwrap();
    for e in r.effects.iter().filter(|e| e.track == "engineering") {
        println!("what-works {} ({}): {:.4} [{:.4}, {:.4}]", e.id, e.track, e.estimate.value, e.estimate.lower, e.estimate.upper);
        let truth = match e.id.as_str() {
            "promotion_hazard_per_recent_win" => EFFECTS.promotion_hazard_per_recent_win,
            "leaving_growth_per_month_without_progression" => EFFECTS.attrition_growth_per_stagnant_month,
            _ => EFFECTS.attrition_base_hazard,
        };
        assert!(e.estimate.lower <= truth && truth <= e.estimate.upper, "{e:?}");
    }
    let by_cadence = r.comparisons.iter().find(|c| c.id == "promotion_by_cadence").unwrap();
    let t = by_cadence.log_rank.as_ref().unwrap();
    assert!(t.p_value < 0.001, "{}", by_cadence.finding);
    let (q1, q4) = (&by_cadence.groups[0], &by_cadence.groups[3]);
    let promoted = |g: &rungs_core::analytics::whatworks::Curve| 1.0 - g.at_12_months.as_ref().unwrap().value;
    assert!(promoted(q4) > 2.0 * promoted(q1), "{}", by_cadence.finding);
    let quiet = r.comparisons.iter().find(|c| c.id == "retention_by_time_since_progression").unwrap();
    assert!(quiet.log_rank.as_ref().unwrap().p_value < 0.05, "{}", quiet.finding);
}
