"""Placement models: exact (spopt + HiGHS) vs numpy heuristic, fixed hubs, unreachable, errors."""

import numpy as np
import pytest

from core.errors import ParameterError
from models.placement import (
    LSCP,
    MCLP,
    PCenter,
    PMedian,
    demand_scope_mask,
    pmedian_heuristic,
    pmedian_lagrangian_bound,
    second_desk,
    solve,
)


def _instance(seed, n=120, m=20, holes=0.0):
    """Labelled synthetic instance: random points, Euclidean x 1.3 'minutes'."""
    rng = np.random.default_rng(seed)
    P = rng.random((n, 2)) * 50
    S = rng.random((m, 2)) * 50
    D = np.linalg.norm(P[:, None] - S[None], axis=2) * 1.3
    if holes:
        D[rng.random((n, m)) < holes] = np.inf
    w = rng.integers(10, 500, n).astype(float)
    return D, w


def _brute_pmedian(D, w, p, fixed=()):
    from itertools import combinations

    free = [j for j in range(D.shape[1]) if j not in fixed]
    best = np.inf
    for c in combinations(free, p):
        best = min(best, float(w @ D[:, list(fixed) + list(c)].min(axis=1)))
    return best


def test_tiny_hand_made_pmedian():
    # 3 villages on a line at 0, 10, 20 minutes; candidates at each; big middle village
    D = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], float)
    w = np.array([100, 1000, 100.0])
    r = PMedian(D, w, 1, site_ids=["a", "b", "c"], method="exact").solve()
    assert r.site_ids == ["b"] and r.objective == pytest.approx(2000)
    h = PMedian(D, w, 1, site_ids=["a", "b", "c"], method="heuristic").solve()
    assert h.site_ids == ["b"]
    # with 'a' fixed, the one new hub goes to c? no: b still covers 1000 people at 0 min
    r2 = PMedian(D, w, 1, fixed=[0], site_ids=["a", "b", "c"], method="exact").solve()
    assert r2.fixed == [0] and r2.new == [1] and r2.objective == pytest.approx(1000)
    d = r2.to_dict()
    assert d["fixed_site_ids"] == ["a"] and d["new_site_ids"] == ["b"]
    assert d["assignment"]["2"] == "b"


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_pmedian_exact_equals_brute_force_and_heuristic_within_1pct(seed, p):
    D, w = _instance(seed, n=60, m=12)
    for fixed in ([], [0, 5]):
        ex = PMedian(D, w, p, fixed=fixed, method="exact").solve()
        he = PMedian(D, w, p, fixed=fixed, method="heuristic").solve()
        bf = _brute_pmedian(D, w, p, fixed)
        assert ex.solver_objective == pytest.approx(bf, rel=1e-6)
        assert he.solver_objective <= bf * 1.01
        assert set(fixed) <= set(he.chosen) and len(he.new) == p
        assert he.lower_bound <= bf * (1 + 1e-9)


@pytest.mark.parametrize("seed", [3, 4])
def test_mclp_exact_vs_heuristic(seed):
    D, w = _instance(seed, n=150, m=25)
    for p in (1, 2, 4):
        for fixed in ([], [3]):
            ex = MCLP(D, w, p, 20, fixed=fixed, method="exact").solve()
            he = MCLP(D, w, p, 20, fixed=fixed, method="heuristic").solve()
            assert he.objective >= ex.objective * 0.99
            assert he.objective <= ex.objective + 1e-6  # exact is optimal
            # objective = population within 20 min of the chosen hubs, recomputed by hand
            within = D[:, ex.chosen].min(axis=1) <= 20
            assert ex.objective == pytest.approx(w[within].sum())


def test_lscp_covers_everyone_coverable_and_lists_the_rest():
    D, w = _instance(5, n=100, m=20, holes=0.05)
    D[7, :] = 99.0  # nobody within 30 min of point 7
    ex = LSCP(D, w, 30, method="exact").solve()
    he = LSCP(D, w, 30, method="heuristic").solve()
    assert 7 in ex.uncoverable_ids
    for r in (ex, he):
        t = D[:, r.chosen].min(axis=1)
        coverable = (D <= 30).any(axis=1)
        assert (t[coverable] <= 30).all()
    assert len(ex.new) <= len(he.new)


def test_pcenter_exact_beats_or_equals_heuristic():
    D, w = _instance(6, n=80, m=15)
    for p in (1, 2, 3):
        ex = PCenter(D, w, p, method="exact").solve()
        he = PCenter(D, w, p, method="heuristic").solve()
        assert ex.objective <= he.objective + 1e-9
        # brute force optimum of the max
        from itertools import combinations

        best = min(D[:, list(c)].min(axis=1).max() for c in combinations(range(15), p))
        assert ex.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(6))
def test_pcenter_heuristic_is_exact_by_brute_force(seed):
    """Threshold search with the exact cover check finds the brute-force optimum (with fixed
    hubs and unreachable pairs) and proves it (lower bound = objective)."""
    from itertools import combinations

    from models.placement import big_m, pcenter_search

    D, w = _instance(100 + seed, n=90, m=12, holes=0.1 if seed % 2 else 0.0)
    fixed = [] if seed % 3 == 0 else [seed % 12]
    Dp = np.where(np.isfinite(D), D, big_m(D))
    free = [j for j in range(12) if j not in fixed]
    for p in (1, 2, 3, 4):
        best = min(Dp[:, fixed + list(c)].min(axis=1).max() for c in combinations(free, p))
        cols, obj, lb = pcenter_search(Dp, p, fixed)
        assert len(cols) == p and not set(cols) & set(fixed)
        assert obj == pytest.approx(best) and lb == pytest.approx(best)
        r = PCenter(D, w, p, fixed=fixed, method="heuristic").solve()
        assert r.solver_objective == pytest.approx(best)
        assert r.lower_bound == pytest.approx(best) and r.gap == pytest.approx(0.0)


def test_pcenter_out_of_budget_still_valid():
    """With no branch-and-bound budget the search falls back to greedy covers + swaps: still p
    hubs, an honest worst time, and a lower bound that does not exceed it."""
    from models.placement import pcenter_search

    D, w = _instance(11, n=150, m=25)
    for p in (2, 4):
        cols, obj, lb = pcenter_search(D, p, [], node_budget=0)
        assert len(cols) == p
        assert obj == pytest.approx(D[:, cols].min(axis=1).max())
        assert lb <= obj
        ex_cols, ex, ex_lb = pcenter_search(D, p, [])
        assert ex == ex_lb and ex <= obj and lb <= ex


def test_unreachable_and_unknown_are_reported_never_timed():
    D, w = _instance(7, n=50, m=10)
    D[4, :] = np.inf  # no site reaches point 4
    D[9, :] = np.inf
    D[9, 2] = 5.0  # only site 2 reaches point 9
    w[11] = np.nan
    r = PMedian(D, w, 1, method="heuristic").solve()
    assert r.excluded_unreachable == [4] and r.excluded_unknown_weight == [11]
    if r.chosen != [2]:
        assert 9 in r.unreachable_ids
        assert np.isinf(r.assigned_minutes[9]) and r.assignment[9] == -1
    assert np.isfinite(r.objective) and r.objective < 1e6  # big-M never leaks into the objective
    d = r.to_dict()
    import json

    json.dumps(d, allow_nan=False)


def test_lagrangian_bound_is_valid_and_tight():
    D, w = _instance(8, n=400, m=40)
    for p in (2, 5):
        ex = PMedian(D, w, p, method="exact").solve()
        lb = pmedian_lagrangian_bound(D, w, p)
        assert lb <= ex.solver_objective * (1 + 1e-9)
        assert lb >= ex.solver_objective * 0.98


def test_heuristic_is_fast_at_scale():
    import time

    D, w = _instance(9, n=4000, m=100)
    t = time.perf_counter()
    cols, obj = pmedian_heuristic(D, w, 10)
    assert time.perf_counter() - t < 5
    assert len(cols) == 10


def test_bad_parameters_give_clear_errors():
    D, w = _instance(10, n=20, m=5)
    with pytest.raises(ParameterError, match="p=6"):
        PMedian(D, w, 6)
    with pytest.raises(ParameterError, match="p=4"):
        PMedian(D, w, 4, fixed=[0, 1])
    Dn = D.copy()
    Dn[0, 0] = -3
    with pytest.raises(ParameterError, match="negative"):
        PMedian(Dn, w, 1)
    with pytest.raises(ParameterError):
        MCLP(D, w, 1, time=-5)
    with pytest.raises(ParameterError):
        solve("pmedian", D, w)  # no p
    with pytest.raises(ParameterError):
        solve("nope", D, w, p=1)
    with pytest.raises(ParameterError):
        PMedian(np.full((3, 2), np.inf), np.ones(3), 1)
    with pytest.raises(ParameterError):
        PMedian(D, w, 1, fixed=[9])


def test_second_desk_outside_own_municipality():
    D = np.array([[1.0, 5.0, 9.0], [4.0, 2.0, np.inf], [3.0, 1.0, np.inf]])
    idx, mins = second_desk(D, ["A", "B", "C"], ["A", "B", "B"])
    assert idx.tolist() == [1, 0, 1] and mins.tolist() == [5.0, 4.0, 1.0]
    idx, mins = second_desk(np.array([[1.0, np.inf]]), ["A"], ["A", "B"])
    assert idx.tolist() == [-1] and np.isinf(mins[0])


def test_demand_scope_mask():
    import pandas as pd

    munis = pd.DataFrame({"code": ["1", "2", "3"], "has_welfare_office": [True, False, False]})
    m = demand_scope_mask(["1", "2", "3", "3"], munis)
    assert m.tolist() == [False, True, True, True]
    assert demand_scope_mask(["1", "2"], munis, "all").all()
    with pytest.raises(ParameterError):
        demand_scope_mask(["1"], munis, "bogus")
