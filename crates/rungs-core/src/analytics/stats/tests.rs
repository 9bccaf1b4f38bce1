//! Published worked examples: the Freireich et al. (1963) 6-MP leukaemia remission
//! data (Kleinbaum & Klein, *Survival Analysis*, ch. 2; R `survfit(conf.type =
//! "log-log")`, `survdiff`), the AML maintenance data (Miller 1981; R `survival::aml`)
//! and χ² table values. `.ci/lifelines` checks the same functions against Python's
//! `lifelines` on further data sets.

use super::*;

fn obs(times: &[(f64, bool)]) -> Vec<Obs> {
    times.iter().map(|&(time, event)| Obs { time, event }).collect()
}

/// 6-MP arm: `false` = censored (still in remission).
fn six_mp() -> Vec<Obs> {
    obs(&[
        (6., true),
        (6., true),
        (6., true),
        (6., false),
        (7., true),
        (9., false),
        (10., true),
        (10., false),
        (11., false),
        (13., true),
        (16., true),
        (17., false),
        (19., false),
        (20., false),
        (22., true),
        (23., true),
        (25., false),
        (32., false),
        (32., false),
        (34., false),
        (35., false),
    ])
}

fn placebo() -> Vec<Obs> {
    [1., 1., 2., 2., 3., 4., 4., 5., 5., 8., 8., 8., 8., 11., 11., 12., 12., 15., 17., 22., 23.].iter().map(|&t| Obs { time: t, event: true }).collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn kaplan_meier_matches_the_6mp_worked_example_with_log_log_intervals() {
    let curve = kaplan_meier(&six_mp());
    // time, at risk, survival, lower, upper (R survfit, conf.type = "log-log").
    let want = [
        (6., 21, 0.857, 0.620, 0.952),
        (7., 17, 0.807, 0.563, 0.923),
        (10., 15, 0.753, 0.503, 0.889),
        (13., 12, 0.690, 0.432, 0.849),
        (16., 11, 0.627, 0.368, 0.805),
        (22., 7, 0.538, 0.268, 0.747),
        (23., 6, 0.448, 0.188, 0.680),
    ];
    for (t, n, s, lo, hi) in want {
        let p = curve.iter().find(|p| p.time == t).unwrap();
        assert_eq!(p.at_risk, n, "at risk at {t}");
        assert!(close(p.survival, s, 0.0006) && close(p.lower, lo, 0.0006) && close(p.upper, hi, 0.0006), "at {t}: {p:?}");
    }
    // Censored-only times are points too, and the curve never reaches 0.5 below 23.
    assert_eq!(curve.iter().find(|p| p.time == 9.).map(|p| (p.events, p.censored)), Some((0, 1)));
    assert_eq!(median(&curve), Some(23.0));
    let placebo = kaplan_meier(&placebo());
    assert_eq!(median(&placebo), Some(8.0));
    assert!(close(survival_at(&placebo, 8.0).unwrap().survival, 8.0 / 21.0, 1e-12));
}

#[test]
fn log_rank_matches_the_6mp_worked_example() {
    let r = log_rank(&[six_mp(), placebo()]).unwrap();
    assert_eq!(r.degrees_of_freedom, 1);
    assert_eq!(r.observed, vec![9.0, 21.0]);
    assert!(close(r.expected[0], 19.25, 0.01) && close(r.expected[1], 10.75, 0.01), "{r:?}");
    assert!(close(r.chi_square, 16.79, 0.01), "{r:?}");
    assert!(close(r.p_value, 4.17e-5, 0.01e-5), "{r:?}");
}

#[test]
fn aml_maintenance_curve_and_log_rank_match_the_published_values() {
    let maintained = obs(&[
        (9., true),
        (13., true),
        (13., false),
        (18., true),
        (23., true),
        (28., false),
        (31., true),
        (34., true),
        (45., false),
        (48., true),
        (161., false),
    ]);
    let non = obs(&[
        (5., true),
        (5., true),
        (8., true),
        (8., true),
        (12., true),
        (16., false),
        (23., true),
        (27., true),
        (30., true),
        (33., true),
        (43., true),
        (45., true),
    ]);
    let curve = kaplan_meier(&maintained);
    for (t, s) in [(9., 0.909), (13., 0.818), (18., 0.716), (23., 0.614), (31., 0.491), (34., 0.368), (48., 0.184)] {
        assert!(close(survival_at(&curve, t).unwrap().survival, s, 0.0006), "at {t}");
    }
    assert_eq!(median(&curve), Some(31.0));
    let r = log_rank(&[maintained, non]).unwrap();
    assert!(close(r.chi_square, 3.40, 0.01) && close(r.p_value, 0.0653, 0.0005), "{r:?}");
    assert!(close(r.expected[0], 10.69, 0.01), "{r:?}");
}

#[test]
fn chi_square_tail_matches_the_table() {
    for (x, df, p) in [(3.841_459, 1.0, 0.05), (5.991_465, 2.0, 0.05), (7.814_728, 3.0, 0.05), (6.634_897, 1.0, 0.01), (0.0, 3.0, 1.0), (30.0, 1.0, 4.32e-8)] {
        let got = chi_square_sf(x, df);
        assert!((got - p).abs() <= p * 1e-3 + 1e-12, "χ²({df}) > {x}: {got} vs {p}");
    }
}

#[test]
fn log_rank_of_identical_groups_finds_nothing_and_of_one_group_is_undefined() {
    let r = log_rank(&[six_mp(), six_mp(), six_mp()]).unwrap();
    assert_eq!(r.degrees_of_freedom, 2);
    assert!(r.chi_square.abs() < 1e-9 && (r.p_value - 1.0).abs() < 1e-9, "{r:?}");
    assert!(log_rank(&[six_mp(), vec![]]).is_none());
}

#[test]
fn poisson_regression_recovers_a_known_rate_and_slope() {
    // Exact expected counts of rate = 0.006·e^(0.1x): the fit returns the parameters.
    let cells: Vec<Cell> = (0..20).map(|x| Cell { x: f64::from(x), n: 1000.0, y: 1000.0 * 0.006 * (0.1 * f64::from(x)).exp() }).collect();
    let f = poisson_regression(&cells).unwrap();
    assert!(close(f.a.exp(), 0.006, 1e-9) && close(f.b, 0.1, 1e-9), "{f:?}");
    assert!(f.se_b > 0.0 && f.se_b < 0.05);
    assert!(poisson_regression(&[Cell { x: 1.0, n: 10.0, y: 0.0 }]).is_none());
}

/// Against lifelines (`.ci/lifelines` writes the reference file and sets the variable;
/// without it this test checks nothing and says so).
#[test]
fn lifelines_agrees() {
    let Ok(path) = std::env::var("RUNGS_LIFELINES_JSON") else {
        eprintln!("RUNGS_LIFELINES_JSON not set: run .ci/lifelines");
        return;
    };
    let sets: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(sets.len() >= 5);
    for (k, s) in sets.iter().enumerate() {
        let f = |key: &str| s[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<f64>>();
        let (time, event, group) = (f("time"), f("event"), f("group"));
        let df = s["df"].as_u64().unwrap() as usize;
        let mut groups = vec![vec![]; df + 1];
        for i in 0..time.len() {
            groups[group[i] as usize].push(Obs { time: time[i], event: event[i] == 1.0 });
        }
        let curve = kaplan_meier(&groups[0]);
        for row in s["km_group0"].as_array().unwrap() {
            let r: Vec<f64> = row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            let p = survival_at(&curve, r[0]).unwrap();
            assert!(close(p.survival, r[1], 1e-9), "set {k} t={}: {} vs {}", r[0], p.survival, r[1]);
            if r[1] > 0.0 && r[1] < 1.0 {
                assert!(close(p.lower, r[2], 1e-6) && close(p.upper, r[3], 1e-6), "set {k} t={}: [{}, {}] vs [{}, {}]", r[0], p.lower, p.upper, r[2], r[3]);
            }
        }
        let lr = log_rank(&groups).unwrap();
        let (chi, p) = (s["chi_square"].as_f64().unwrap(), s["p_value"].as_f64().unwrap());
        assert!(close(lr.chi_square, chi, 1e-6 * chi.max(1.0)), "set {k}: χ² {} vs {chi}", lr.chi_square);
        assert!(close(lr.p_value, p, 1e-9 + 1e-6 * p), "set {k}: p {} vs {p}", lr.p_value);
        eprintln!("set {k}: {} people, {} groups: KM and log-rank agree (χ² {chi:.4})", time.len(), df + 1);
    }
}
