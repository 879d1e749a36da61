"""Same input, same answer (issue 10 point 8): the placement heuristics are budgeted in swaps,
seeded starts, matrix cells and branch-and-bound nodes, never in seconds, so repeated runs, and
a run with another core kept busy, choose the same hubs with the same figures.

Real data: every demand point of Ibaraki (scope 'all') against its candidate sites and existing
desks. The budgets are also made to bind (tight budgets) so that the cut-off paths are the ones
being repeated, not only runs that end at a local optimum.
"""

import contextlib
import subprocess
import sys

import numpy as np
import pytest

from madoguchi import planning as io
from models.placement import PCenter, PMedian, SearchBudget, solve


@contextlib.contextmanager
def _busy_core():
    """Keep one core spinning in a separate process for the duration."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def _answer(r):
    """Everything a council report would show from a placement result."""
    return (
        list(r.chosen),
        list(r.site_ids),
        r.objective,
        r.solver_objective,
        r.lower_bound,
        r.gap,
        r.covered_population,
        r.mean_min,
        r.assignment.tolist(),
        list(r.notes),
        r.params,
    )


@pytest.fixture(scope="module")
def ibaraki_all(ibaraki_region):
    sites, fixed = io.sites_for_placement(ibaraki_region)
    tm = io.matrix(ibaraki_region, sites)
    dm = io.demand(ibaraki_region, scope="all")
    return tm.minutes[dm.mask], dm.weights, fixed, list(sites["site_id"])


CASES = [
    ("pmedian", {"p": 6}),
    ("mclp", {"p": 6, "time": 20.0}),
    ("lscp", {"time": 20.0}),
    ("pcenter", {"p": 6}),
    # tight budgets: restarts cut by the work budget, the p-center cover search out of nodes
    ("pmedian", {"p": 10, "budget": SearchBudget(work_cells=3_000_000)}),
    ("mclp", {"p": 10, "time": 15.0, "budget": SearchBudget(work_cells=3_000_000)}),
    ("pcenter", {"p": 10, "node_budget": 30, "cover_work": 50_000_000, "swap_work_cells": 2_000_000}),
]


@pytest.mark.parametrize("model,kw", CASES, ids=[f"{m}-{i}" for i, (m, _) in enumerate(CASES)])
def test_heuristic_same_answer_twice_and_under_load(ibaraki_all, model, kw):
    D, w, fixed, ids = ibaraki_all
    assert D.shape[0] > 1000 and D.shape[1] > 40  # the real prefecture, not a toy

    def run():
        return solve(model, D, w, fixed=fixed, site_ids=ids, method="heuristic", **kw)

    first = run()
    assert first.method == "heuristic"
    assert set(fixed) <= set(first.chosen)
    if "p" in kw:
        assert len(first.new) == kw["p"]
    # the reported objective is recomputed from the chosen hubs, not trusted
    t = D[:, first.chosen].min(axis=1)
    if model == "pmedian":
        ok = np.isfinite(t)
        assert first.objective == pytest.approx(float(w[ok] @ t[ok]))
    elif model == "pcenter":
        assert first.objective == pytest.approx(float(t[(w > 0) & np.isfinite(t)].max()))
    else:
        assert first.covered_population == pytest.approx(float(w[t <= kw["time"]].sum()))
    assert _answer(run()) == _answer(first)
    with _busy_core():
        assert _answer(run()) == _answer(first)


def test_tight_budgets_really_bind(ibaraki_all):
    """The tight cases above exercise the cut-off paths: fewer starts than asked for, and a
    p-center whose cover search ran out (lower bound below the objective)."""
    D, w, fixed, _ = ibaraki_all
    r = PMedian(D, w, 10, fixed=fixed, method="heuristic", budget=SearchBudget(work_cells=3_000_000)).solve()
    assert r.params["budget"]["starts_run"] < 8
    full = PMedian(D, w, 10, fixed=fixed, method="heuristic").solve()
    assert full.params["budget"]["starts_run"] >= r.params["budget"]["starts_run"]
    assert full.solver_objective <= r.solver_objective * (1 + 1e-12)
    pc = PCenter(
        D, w, 10, fixed=fixed, method="heuristic", node_budget=30, cover_work=50_000_000, swap_work_cells=2_000_000
    ).solve()
    assert pc.lower_bound < pc.solver_objective
    assert not any("proven optimal" in n for n in pc.notes)


def test_pcenter_swap_phase_is_budgeted():
    """The swap phase stops after its matrix-cell budget (it had none: a 900-point case ran 21.5 s).
    Labelled synthetic instance: 900 random points, Euclidean x 1.3 'minutes'."""
    from models.placement.pcenter import PCenterObjective, _pcenter_swap
    from models.placement.search import greedy

    rng = np.random.default_rng(5)
    P, S = rng.random((900, 2)) * 50, rng.random((120, 2)) * 50
    D = np.linalg.norm(P[:, None] - S[None], axis=2) * 1.3
    start = greedy(PCenterObjective(D), [], 12)
    cells = 900 * 120
    cols, (worst, total) = _pcenter_swap(D, start, [], max_iter=10_000, work_cells=5 * cells)
    free_cols, (free_worst, free_total) = _pcenter_swap(D, start, [], max_iter=10_000, work_cells=10**12)
    assert len(cols) == 12 and worst == pytest.approx(D[:, cols].min(axis=1).max())
    assert (free_worst, free_total) <= (worst, total)  # more budget never hurts
    # at most 5 cells' worth of removals were tried, plus the one that crossed the line
    obj = PCenterObjective(D)
    from models.placement.search import interchange

    interchange(obj, start, [], 10_000, work_limit=5 * cells)
    assert obj.work <= 5 * cells + 12 * cells


def test_time_budget_argument_is_ignored_with_a_warning():
    from models.placement import pmedian_heuristic

    rng = np.random.default_rng(1)
    D, w = rng.random((80, 10)) * 60, rng.integers(1, 100, 80).astype(float)
    with pytest.warns(DeprecationWarning, match="ignored"):
        a = pmedian_heuristic(D, w, 3, time_budget_s=0.0)
    assert a == pmedian_heuristic(D, w, 3)  # a zero-second budget changes nothing


@pytest.mark.parametrize("bad", [-1, 0, float("nan"), float("inf"), "x"])
def test_negative_or_bad_time_limit_is_a_parameter_error(bad):
    from core.errors import ParameterError

    D = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ParameterError, match="time-limit"):
        PMedian(D, np.ones(2), 1, time_limit_s=bad)


def test_exact_time_limit_hit_is_reported_not_called_optimal():
    """A deliberately tiny time limit on an exact p-median: either the best solution found comes
    back with a note and no proven bound (never a gap of 0), or, when the solver found none, a
    one-line ParameterError that names the time limit. Labelled synthetic instance."""
    from core.errors import ParameterError

    rng = np.random.default_rng(3)
    P, S = rng.random((400, 2)) * 50, rng.random((60, 2)) * 50
    D = np.linalg.norm(P[:, None] - S[None], axis=2) * 1.3
    w = rng.integers(10, 500, 400).astype(float)
    try:
        r = PMedian(D, w, 6, method="exact", time_limit_s=0.01).solve()
    except ParameterError as e:
        assert "time limit" in e.en and "0.01 s" in e.en and "制限時間" in e.ja
    else:
        assert any("time limit" in n and "not proven" in n for n in r.notes)
        assert r.lower_bound is None and r.gap is None
    ok = PMedian(D[:80], w[:80], 3, method="exact", time_limit_s=60).solve()  # a generous limit: proven
    assert ok.notes == [] and ok.lower_bound == pytest.approx(ok.solver_objective)


@pytest.mark.parametrize("limit", ["-1", "0", "nan"])
def test_cli_negative_time_limit_is_one_line_exit_2(ibaraki_region, run_cli, limit):
    code, out, err = run_cli(
        "place", "--region", ibaraki_region.path, "--model", "pmedian", "--p", "1", "--time-limit", limit
    )
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "time-limit" in err


def test_cli_place_twice_same_hubs(ibaraki_region, run_cli):
    """The README's command shape, run twice: byte-identical hubs and figures (solve_s aside)."""
    import json

    outs = []
    for _ in range(2):
        code, out, err = run_cli(
            "place",
            "--region",
            ibaraki_region.path,
            "--model",
            "pcenter",
            "--p",
            "3",
            "--scope",
            "all",
            "--heuristic",
            "--json",
        )
        assert code == 0, err
        d = json.loads(out)
        outs.append(d)
    strip = [json.dumps(_drop_timing(d), sort_keys=True) for d in outs]
    assert strip[0] == strip[1]


def _drop_timing(x):
    if isinstance(x, dict):
        return {k: _drop_timing(v) for k, v in x.items() if k not in ("solve_s", "created", "updated", "elapsed_s")}
    if isinstance(x, list):
        return [_drop_timing(v) for v in x]
    return x
