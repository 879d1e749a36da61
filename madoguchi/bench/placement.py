"""`madoguchi bench placement`: p-median heuristic vs a proven lower bound at scale.

Instance (labelled SYNTHETIC, not real data): 10,000 demand points drawn from 40 Gaussian
"settlement" clusters in a 120 km x 120 km square, log-normal populations, 300 candidate sites
drawn among the demand points; minutes = straight-line km x 1.35 (circuity) / 32 km/h x 60 —
the same estimate rule as geo.settings defaults. p = 10, seed 0.

Lower bound: the Lagrangian relaxation of the p-median (Beasley 1993), which is a proven lower
bound on the optimum for any multipliers. The gap (heuristic - bound) / heuristic bounds the
heuristic's distance from the optimum.
"""

from __future__ import annotations

import json
import time

import numpy as np


def instance(n: int = 10_000, m: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    centers = rng.random((40, 2)) * 120.0
    which = rng.integers(0, 40, n)
    pts = centers[which] + rng.normal(0, 4.0, (n, 2))
    pts = np.clip(pts, 0, 120)
    w = np.round(rng.lognormal(4.0, 1.0, n))
    sites = pts[rng.choice(n, m, replace=False)]
    km = np.sqrt(((pts[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    minutes = km * 1.35 / 32.0 * 60.0
    return minutes, w


def run(args) -> int:
    from models.placement import PMedian, pmedian_lagrangian_bound

    quick = getattr(args, "quick", False)
    n, m, p = (2_000, 100, 5) if quick else (10_000, 300, 10)
    t = time.perf_counter()
    D, w = instance(n, m)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    res = PMedian(D, w, p, method="heuristic", bound=False).solve()
    heur_s = time.perf_counter() - t
    t = time.perf_counter()
    lb = pmedian_lagrangian_bound(D, w, p, upper=res.solver_objective, iters=400)
    lb_s = time.perf_counter() - t
    gap = (res.solver_objective - lb) / res.solver_objective
    out = {
        "instance": f"SYNTHETIC labelled: {n} demand x {m} sites, p={p}, 40 clusters in 120x120 km, estimate minutes",
        "n": n,
        "m": m,
        "p": p,
        "generate_s": round(gen_s, 2),
        "heuristic_s": round(heur_s, 3),
        "heuristic_objective": res.solver_objective,
        "mean_min": res.mean_min,
        "lower_bound": lb,
        "lower_bound_method": "Lagrangian relaxation (subgradient), proven bound",
        "lower_bound_s": round(lb_s, 2),
        "gap_pct": round(100 * gap, 4),
        "within_1pct": bool(gap <= 0.01),
        "under_10s": bool(heur_s < 10),
    }
    if getattr(args, "json", False):
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    return 0 if (out["within_1pct"] and out["under_10s"]) else 1
