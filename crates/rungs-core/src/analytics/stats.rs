//! The statistics the analytics rest on, written out so each can be checked against
//! published worked examples (tests below): Kaplan–Meier with Greenwood's variance and
//! the log-log ("exponential Greenwood") 95% interval, as R's `survfit(conf.type =
//! "log-log")` and Python's `lifelines` give it; the k-group log-rank test; the χ²
//! upper tail; a two-parameter Poisson regression with a log link and exposure.

use serde::Serialize;
use utoipa::ToSchema;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// One observation: time under observation and whether it ended in the event (else
/// censored: still employed, or no longer at risk, at that time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    pub time: f64,
    pub event: bool,
}

/// One step of a Kaplan–Meier curve: at `time`, `at_risk` people were observed,
/// `events` had the event and `censored` left observation; `survival` is the estimate
/// just after `time`, with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KmPoint {
    pub time: f64,
    pub at_risk: u32,
    pub events: u32,
    pub censored: u32,
    pub survival: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A Kaplan–Meier curve: one point per distinct time with an event or a censoring.
pub fn kaplan_meier(obs: &[Obs]) -> Vec<KmPoint> {
    let mut sorted: Vec<Obs> = obs.iter().copied().filter(|o| o.time.is_finite()).collect();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time));
    let mut at_risk = sorted.len() as u32;
    let (mut s, mut greenwood) = (1.0f64, 0.0f64);
    let mut out = vec![];
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].time;
        let (mut d, mut c) = (0u32, 0u32);
        while i < sorted.len() && sorted[i].time == t {
            if sorted[i].event {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        let n = f64::from(at_risk);
        if d > 0 {
            s *= 1.0 - f64::from(d) / n;
            if n > f64::from(d) {
                greenwood += f64::from(d) / (n * (n - f64::from(d)));
            }
        }
        let (lower, upper) = log_log_interval(s, greenwood);
        out.push(KmPoint { time: t, at_risk, events: d, censored: c, survival: s, lower, upper });
        at_risk -= d + c;
    }
    out
}

/// The log-log 95% interval of a survival estimate `s` with Greenwood sum `g`
/// (`Var(log S)`): `S^exp(±z·√g / |log S|)`, always inside [0, 1].
fn log_log_interval(s: f64, g: f64) -> (f64, f64) {
    if s <= 0.0 {
        return (0.0, 0.0);
    }
    if s >= 1.0 || g <= 0.0 {
        return (s, s);
    }
    let se = g.sqrt() / s.ln().abs();
    (s.powf((Z95 * se).exp()), s.powf((-Z95 * se).exp()))
}

/// The survival estimate just after `t` (1 before the first step).
pub fn survival_at(curve: &[KmPoint], t: f64) -> Option<&KmPoint> {
    curve.iter().take_while(|p| p.time <= t).last()
}

/// The median: the first time the curve falls to 0.5 or below; `None` if it never does.
pub fn median(curve: &[KmPoint]) -> Option<f64> {
    curve.iter().find(|p| p.survival <= 0.5).map(|p| p.time)
}

/// The median's 95% interval (Brookmeyer–Crowley on the log-log band): the first
/// times the upper and the lower limit fall to 0.5 or below. `None` ends are open.
pub fn median_interval(curve: &[KmPoint]) -> (Option<f64>, Option<f64>) {
    (curve.iter().find(|p| p.lower <= 0.5).map(|p| p.time), curve.iter().find(|p| p.upper <= 0.5).map(|p| p.time))
}

/// A log-rank test of equal survival across groups.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LogRank {
    pub chi_square: f64,
    pub degrees_of_freedom: u32,
    pub p_value: f64,
    /// Observed and expected events per group, in the order given.
    pub observed: Vec<f64>,
    pub expected: Vec<f64>,
}

/// The k-group log-rank test (Mantel–Haenszel weights): `(O − E)ᵀ V⁻¹ (O − E)` over
/// the first k − 1 groups, χ² with k − 1 degrees of freedom. Groups with nobody are
/// dropped first. `None` with fewer than two groups or no event at all.
pub fn log_rank(groups: &[Vec<Obs>]) -> Option<LogRank> {
    let groups: Vec<&Vec<Obs>> = groups.iter().filter(|g| !g.is_empty()).collect();
    let k = groups.len();
    if k < 2 {
        return None;
    }
    let mut all: Vec<(f64, usize, bool)> = groups.iter().enumerate().flat_map(|(g, obs)| obs.iter().map(move |o| (o.time, g, o.event))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut at_risk: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
    let (mut o, mut e) = (vec![0.0; k], vec![0.0; k]);
    let mut v = vec![vec![0.0; k]; k];
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let (mut d, mut c) = (vec![0.0; k], vec![0.0; k]);
        while i < all.len() && all[i].0 == t {
            if all[i].2 {
                d[all[i].1] += 1.0;
            } else {
                c[all[i].1] += 1.0;
            }
            i += 1;
        }
        let n: f64 = at_risk.iter().sum();
        let dt: f64 = d.iter().sum();
        if dt > 0.0 && n > 0.0 {
            for g in 0..k {
                o[g] += d[g];
                e[g] += dt * at_risk[g] / n;
                if n > 1.0 {
                    for h in 0..k {
                        let kron = if g == h { 1.0 } else { 0.0 };
                        v[g][h] += dt * (at_risk[g] / n) * (kron - at_risk[h] / n) * (n - dt) / (n - 1.0);
                    }
                }
            }
        }
        for g in 0..k {
            at_risk[g] -= d[g] + c[g];
        }
    }
    if o.iter().sum::<f64>() == 0.0 {
        return None;
    }
    let m = k - 1;
    let diff: Vec<f64> = (0..m).map(|g| o[g] - e[g]).collect();
    let vm: Vec<Vec<f64>> = (0..m).map(|g| v[g][..m].to_vec()).collect();
    let x = solve(vm, diff.clone())?;
    let chi: f64 = diff.iter().zip(&x).map(|(a, b)| a * b).sum();
    Some(LogRank { chi_square: chi, degrees_of_freedom: m as u32, p_value: chi_square_sf(chi, m as f64), observed: o, expected: e })
}

/// Solve `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot = a[col].clone();
        for r in col + 1..n {
            let f = a[r][col] / pivot[col];
            for (x, p) in a[r].iter_mut().zip(&pivot).skip(col) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        x[r] = (b[r] - (r + 1..n).map(|c| a[r][c] * x[c]).sum::<f64>()) / a[r][r];
    }
    Some(x)
}

/// `P(χ²_df > x)`: the regularized upper incomplete gamma `Q(df/2, x/2)`.
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(df / 2.0, x / 2.0)
}

pub(crate) fn ln_gamma(x: f64) -> f64 {
    // Lanczos, g = 7, n = 9 (Numerical Recipes' coefficients; ~15 digits).
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum: f64 = C[0] + C[1..].iter().enumerate().map(|(i, c)| c / (x + i as f64 + 1.0)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Regularized upper incomplete gamma: series below `a + 1`, continued fraction above.
fn gamma_q(a: f64, x: f64) -> f64 {
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let (mut ap, mut sum, mut del) = (a, 1.0 / a, 1.0 / a);
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * (-x + a * x.ln() - gln).exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let (mut c, mut d) = (1.0 / tiny, 1.0 / b);
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        ((-x + a * x.ln() - gln).exp() * h).clamp(0.0, 1.0)
    }
}

/// Cells of a Poisson regression: covariate `x`, exposure `n` (person-months), events `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub x: f64,
    pub n: f64,
    pub y: f64,
}

/// A fitted `rate = exp(a + b·x)`, with standard errors from the Fisher information.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonFit {
    pub a: f64,
    pub b: f64,
    pub se_a: f64,
    pub se_b: f64,
}

/// Maximum likelihood by Newton's method. Consistent for monthly yes/no outcomes too
/// (quasi-likelihood: the mean is right), where the Poisson variance makes the
/// intervals slightly conservative. `None` without events or without spread in `x`.
pub fn poisson_regression(cells: &[Cell]) -> Option<PoissonFit> {
    let (n, y): (f64, f64) = cells.iter().fold((0.0, 0.0), |(n, y), c| (n + c.n, y + c.y));
    if y <= 0.0 || n <= 0.0 {
        return None;
    }
    let (mut a, mut b) = ((y / n).ln(), 0.0);
    let mut h = [0.0; 3];
    for _ in 0..100 {
        let (mut g0, mut g1) = (0.0, 0.0);
        h = [0.0; 3];
        for c in cells {
            let mu = c.n * (a + b * c.x).exp();
            g0 += c.y - mu;
            g1 += (c.y - mu) * c.x;
            h[0] += mu;
            h[1] += mu * c.x;
            h[2] += mu * c.x * c.x;
        }
        let det = h[0] * h[2] - h[1] * h[1];
        if det.abs() < 1e-12 {
            return None;
        }
        let (da, db) = ((h[2] * g0 - h[1] * g1) / det, (h[0] * g1 - h[1] * g0) / det);
        // Damped steps keep the first iterations from overshooting into overflow.
        let scale = 1.0f64.min(1.0 / db.abs().max(1e-300));
        a += da * scale;
        b += db * scale;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            break;
        }
    }
    let det = h[0] * h[2] - h[1] * h[1];
    Some(PoissonFit { a, b, se_a: (h[2] / det).sqrt(), se_b: (h[0] / det).sqrt() })
}

#[cfg(test)]
mod tests;
