//! How evenly something is shared, and whether two groups' rates differ: the Gini
//! coefficient, reciprocity of who-thanks-whom, Fisher's exact test (2×2) and
//! Pearson's χ² test of independence (k×2). Checked against published worked
//! examples and, in `.ci/lifelines`, against NumPy and SciPy (`inequality/tests.rs`).

use std::collections::HashSet;

use super::stats::{chi_square_sf, ln_gamma};

/// The Gini coefficient of non-negative amounts (population form, as R's
/// `ineq::Gini`): `Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)`. 0 when everyone has the same, `(n−1)/n`
/// when one has everything; `None` when there is nobody or nothing to share.
pub fn gini(xs: &[f64]) -> Option<f64> {
    let n = xs.len() as f64;
    let total: f64 = xs.iter().sum();
    if xs.is_empty() || total <= 0.0 {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    // Sorted ascending: Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σᵢ (2i − n − 1) xᵢ (i from 1).
    let weighted: f64 = v.iter().enumerate().map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x).sum();
    Some(weighted / (n * total))
}

/// Share of directed giver → receiver pairs whose reverse pair also occurs (the
/// network's reciprocity). Self-pairs are ignored; `None` without any pair.
pub fn reciprocity<T: Eq + std::hash::Hash + Copy>(pairs: impl IntoIterator<Item = (T, T)>) -> Option<(f64, usize)> {
    let set: HashSet<(T, T)> = pairs.into_iter().filter(|(a, b)| a != b).collect();
    if set.is_empty() {
        return None;
    }
    let mutual = set.iter().filter(|(a, b)| set.contains(&(*b, *a))).count();
    Some((mutual as f64 / set.len() as f64, set.len()))
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// Two-sided Fisher's exact test of the 2×2 table `[[a, b], [c, d]]`: the probability,
/// given the margins, of every table no more likely than the one observed (SciPy's
/// `fisher_exact`, same relative tolerance 1e-7 for ties).
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row1, col1, n) = (a + b, a + c, a + b + c + d);
    if n == 0 {
        return 1.0;
    }
    let lo = (row1 + col1).saturating_sub(n);
    let hi = row1.min(col1);
    let ln_total = ln_choose(n, row1);
    let ln_p = |x: u64| ln_choose(col1, x) + ln_choose(n - col1, row1 - x) - ln_total;
    let observed = ln_p(a);
    let cut = observed + (1.0f64 + 1e-7).ln();
    let p: f64 = (lo..=hi).map(ln_p).filter(|l| *l <= cut).map(f64::exp).sum();
    p.min(1.0)
}

/// Pearson's χ² test of independence of a k×2 table (`(selected, not)` per group), no
/// continuity correction: `(χ², degrees of freedom, p)`; `None` with fewer than two
/// groups or when a column is empty.
pub fn chi_square_independence(rows: &[(u64, u64)]) -> Option<(f64, usize, f64)> {
    let (s, f): (u64, u64) = rows.iter().fold((0, 0), |(s, f), r| (s + r.0, f + r.1));
    let n = (s + f) as f64;
    if rows.len() < 2 || s == 0 || f == 0 {
        return None;
    }
    let mut chi = 0.0;
    for &(a, b) in rows {
        let row = (a + b) as f64;
        if row == 0.0 {
            return None;
        }
        for (obs, col) in [(a, s), (b, f)] {
            let e = row * col as f64 / n;
            chi += (obs as f64 - e).powi(2) / e;
        }
    }
    let df = rows.len() - 1;
    Some((chi, df, chi_square_sf(chi, df as f64)))
}

#[cfg(test)]
mod tests;
