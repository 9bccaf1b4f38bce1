//! Gini, reciprocity, Fisher's exact and χ² against published worked examples and
//! values computed offline with exact rationals (Python's `fractions` and `math.comb`:
//! an independent implementation of the same definitions), and, when `.ci/lifelines`
//! ran, against NumPy and SciPy on random data (`scipy_agrees`).

use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn gini_matches_published_examples() {
    // R: ineq::Gini(c(1, 2, 3, 4, 5)) = 0.2666667 (4/15).
    assert!(close(gini(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap(), 4.0 / 15.0, 1e-12));
    // One has everything: (n − 1) / n.
    assert!(close(gini(&[0.0, 0.0, 0.0, 1.0]).unwrap(), 0.75, 1e-12));
    // By hand: |2 − 4| for 8 ordered pairs = 16; 16 / (2 · 16 · 3) = 1/6.
    assert!(close(gini(&[2.0, 4.0, 2.0, 4.0]).unwrap(), 1.0 / 6.0, 1e-12));
    assert_eq!(gini(&[3.0, 3.0, 3.0]), Some(0.0));
    assert_eq!(gini(&[]), None);
    assert_eq!(gini(&[0.0, 0.0]), None, "nothing shared: no coefficient");
}

#[test]
fn reciprocity_counts_pairs_returned() {
    // a→b, b→a mutual; a→c not returned; a→b twice is one pair; c→c ignored.
    let r = reciprocity([('a', 'b'), ('b', 'a'), ('a', 'c'), ('a', 'b'), ('c', 'c')]).unwrap();
    assert!(close(r.0, 2.0 / 3.0, 1e-12) && r.1 == 3, "{r:?}");
    assert_eq!(reciprocity::<char>([]), None);
}

#[test]
fn fisher_exact_matches_published_p_values() {
    // Wikipedia's dieting example; the lady tasting tea (34/70); SciPy's documented
    // example (0.1026); and tables whose exact p came from exact rationals.
    for (t, p) in [
        ((1, 9, 11, 3), 0.0027594561852200836),
        ((3, 1, 1, 3), 0.4857142857142857),
        ((6, 2, 1, 4), 0.10256410256410256),
        ((8, 2, 1, 5), 0.03496503496503497),
        ((40, 60, 25, 75), 0.034143802314768816),
        ((2, 48, 10, 40), 0.02774625914817036),
        ((120, 880, 80, 920), 0.003564802762558972),
    ] {
        let got = fisher_exact(t.0, t.1, t.2, t.3);
        assert!(close(got, p, 1e-9 * p.max(1e-3)), "{t:?}: {got} vs {p}");
    }
    assert_eq!(fisher_exact(5, 5, 5, 5), 1.0, "no difference: p = 1");
    assert_eq!(fisher_exact(0, 0, 0, 0), 1.0);
}

#[test]
fn chi_square_independence_matches_values_computed_exactly() {
    // 2×2: χ² = 4/12 + 4/18 + 4/28 + 4/42; p = erfc(√(χ²/2)).
    let (chi, df, p) = chi_square_independence(&[(10, 20), (30, 40)]).unwrap();
    assert!(close(chi, 0.7936507936507936, 1e-12) && df == 1 && close(p, 0.37299848361348714, 1e-9), "{chi} {p}");
    // 3×2: df 2, p = exp(−χ²/2).
    let (chi, df, p) = chi_square_independence(&[(10, 20), (20, 20), (30, 10)]).unwrap();
    assert!(close(chi, 12.527777777777779, 1e-9) && df == 2 && close(p, 0.0019038276076954956, 1e-12), "{chi} {p}");
    assert_eq!(chi_square_independence(&[(3, 0), (4, 0)]), None, "nobody unselected");
    assert_eq!(chi_square_independence(&[(3, 1)]), None);
}

/// Against NumPy (Gini by the mean absolute difference, another formula) and SciPy's
/// `fisher_exact` and `chi2_contingency`, written by `.ci/survival_reference.py`.
#[test]
fn scipy_agrees() {
    let Ok(path) = std::env::var("RUNGS_LIFELINES_JSON") else {
        eprintln!("RUNGS_LIFELINES_JSON not set: run .ci/lifelines");
        return;
    };
    let path = path.replace("lifelines.json", "inequality.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let ginis = v["gini"].as_array().unwrap();
    assert!(ginis.len() >= 5);
    for g in ginis {
        let xs: Vec<f64> = g["x"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        let want = g["gini"].as_f64().unwrap();
        assert!(close(gini(&xs).unwrap(), want, 1e-9), "gini of {} values: {:?} vs {want}", xs.len(), gini(&xs));
    }
    let tables = v["fisher"].as_array().unwrap();
    assert!(tables.len() >= 20);
    for t in tables {
        let n: Vec<u64> = t["table"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
        let want = t["p"].as_f64().unwrap();
        let got = fisher_exact(n[0], n[1], n[2], n[3]);
        assert!(close(got, want, 1e-9 + 1e-7 * want), "fisher {n:?}: {got} vs {want}");
    }
    for t in v["chi2"].as_array().unwrap() {
        let rows: Vec<(u64, u64)> = t["rows"].as_array().unwrap().iter().map(|r| (r[0].as_u64().unwrap(), r[1].as_u64().unwrap())).collect();
        let (chi, _, p) = chi_square_independence(&rows).unwrap();
        let (wc, wp) = (t["chi2"].as_f64().unwrap(), t["p"].as_f64().unwrap());
        assert!(close(chi, wc, 1e-9 * wc.max(1.0)) && close(p, wp, 1e-12 + 1e-7 * wp), "χ² {rows:?}: {chi} {p} vs {wc} {wp}");
    }
    eprintln!("{} Gini, {} Fisher and χ² tables agree with NumPy and SciPy", ginis.len(), tables.len());
}
