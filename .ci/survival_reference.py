"""Reference values from Python's lifelines for the Rust survival statistics.

Writes JSON: several random data sets (different sizes, ties, censoring, 2-4 groups),
each with lifelines' Kaplan-Meier (survival and its default log-log 95% interval per
time) and its multivariate log-rank test. `crates/rungs-core` compares its own
results in the test `lifelines_agrees` (run by .ci/lifelines).
"""
import json
import sys

import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

rng = np.random.default_rng(20250601)
sets = []
for k, (n, groups, rounding) in enumerate([(40, 2, 1), (200, 3, 1), (500, 4, 0), (120, 2, 2), (1000, 4, 1)]):
    g = rng.integers(0, groups, n)
    t = np.round(rng.exponential(10 + 5 * g), rounding) + (1 if rounding == 0 else 0)
    c = np.round(rng.uniform(5, 40, n), rounding) + (1 if rounding == 0 else 0)
    time = np.minimum(t, c)
    event = (t <= c).astype(int)
    kmf = KaplanMeierFitter().fit(time[g == 0], event[g == 0])
    ci = kmf.confidence_interval_survival_function_
    curve = [
        [float(ix), float(kmf.survival_function_.loc[ix].iloc[0]), float(ci.loc[ix].iloc[0]), float(ci.loc[ix].iloc[1])]
        for ix in kmf.survival_function_.index
        if ix > 0
    ]
    lr = multivariate_logrank_test(time, g, event)
    sets.append({
        "time": time.tolist(),
        "event": event.tolist(),
        "group": g.tolist(),
        "km_group0": curve,
        "chi_square": float(lr.test_statistic),
        "p_value": float(lr.p_value),
        "df": int(groups - 1),
    })
json.dump(sets, open(sys.argv[1], "w"))

# Gini (NumPy, by the mean absolute difference: a different formula from the Rust
# one), Fisher's exact test and the chi-square test of independence (SciPy, which
# lifelines installs): checked by `scipy_agrees` in crates/rungs-core.
from scipy.stats import chi2_contingency, fisher_exact

ginis = []
for n in [5, 17, 100, 1000, 4000]:
    x = rng.poisson(rng.uniform(0.2, 6), n).astype(float)
    x[0] += 1
    mad = np.abs(x[:, None] - x[None, :]).mean()
    ginis.append({"x": x.tolist(), "gini": float(mad / (2 * x.mean()))})
fishers = []
for _ in range(40):
    n1, n2 = rng.integers(5, 400, 2)
    a, c = rng.binomial(n1, rng.uniform(0.02, 0.6)), rng.binomial(n2, rng.uniform(0.02, 0.6))
    table = [int(a), int(n1 - a), int(c), int(n2 - c)]
    fishers.append({"table": table, "p": float(fisher_exact([[table[0], table[1]], [table[2], table[3]]]).pvalue)})
chis = []
for k in [2, 3, 4, 6]:
    sizes = rng.integers(20, 500, k)
    sel = [int(rng.binomial(s, rng.uniform(0.1, 0.5))) for s in sizes]
    rows = [[s, int(n - s)] for s, n in zip(sel, sizes)]
    chi, p, _, _ = chi2_contingency(rows, correction=False)
    chis.append({"rows": rows, "chi2": float(chi), "p": float(p)})
json.dump({"gini": ginis, "fisher": fishers, "chi2": chis}, open(sys.argv[1].replace("lifelines.json", "inequality.json"), "w"))
