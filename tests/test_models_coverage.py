"""Coverage: every number against a brute-force recomputation from the matrix; speed; compare."""

import json
import time

import numpy as np
import pytest

from core.errors import ParameterError
from models.coverage import compare, coverage, weighted_percentile


def _fixture(seed=0, n=500, h=6):
    rng = np.random.default_rng(seed)
    D = rng.gamma(3.0, 12.0, (n, h))
    D[rng.random((n, h)) < 0.05] = np.inf
    D[5, :] = np.inf  # unreachable
    w = rng.integers(1, 300, n).astype(float)
    w[7] = np.nan  # unknown population
    muni = rng.choice(["08364", "08442", "08443", "08447"], n)
    meth = rng.integers(0, 2, (n, h)).astype(np.uint8)
    return D, w, muni, meth


def test_matches_brute_force():
    D, w, muni, meth = _fixture()
    r = coverage(w, D, muni, [15, 30, 45, 60], method=meth)
    pop = 0.0
    within = {15: 0.0, 30: 0.0, 45: 0.0, 60: 0.0}
    times, ws = [], []
    unreach = 0.0
    for i in range(len(w)):
        if np.isnan(w[i]):
            continue
        t = min(D[i])
        pop += w[i]
        if t == np.inf:
            unreach += w[i]
            continue
        for T in within:
            if t <= T:
                within[T] += w[i]
        times.append(t)
        ws.append(w[i])
    times, ws = np.array(times), np.array(ws)
    assert r.population == pytest.approx(pop)
    for T in within:
        assert r.within[float(T)]["population"] == pytest.approx(within[T])
        assert r.within[float(T)]["share"] == pytest.approx(within[T] / pop)
    assert r.mean_min == pytest.approx((times * ws).sum() / ws.sum())
    assert r.max_min == pytest.approx(times.max())
    assert r.unreachable_population == pytest.approx(unreach)
    assert 5 in r.unreachable_ids and 7 in r.unknown_ids
    # p90 by expanding people: the smallest t with >= 90% of people at <= t
    o = np.argsort(times)
    cw = np.cumsum(ws[o]) / ws.sum()
    assert r.p90_min == pytest.approx(times[o][np.argmax(cw >= 0.9)])
    # per municipality
    for _, row in r.per_municipality.iterrows():
        sel = (muni == row["muni_code"]) & ~np.isnan(w)
        t = D[sel].min(axis=1)
        ok = np.isfinite(t)
        assert row["population"] == pytest.approx(w[sel].sum())
        assert row["within_30"] == pytest.approx(w[sel][t <= 30].sum())
        assert row["mean_min"] == pytest.approx((w[sel][ok] * t[ok]).sum() / w[sel][ok].sum())
        assert row["max_min"] == pytest.approx(t[ok].max())
        assert row["p90_min"] == pytest.approx(weighted_percentile(t[ok], w[sel][ok], 0.9))
    assert r.method == "mixed"
    d = r.to_dict(per_point=True)
    s = json.dumps(d, allow_nan=False)
    for key in (
        "population",
        "within",
        "mean_min",
        "p90_min",
        "max_min",
        "unreachable_population",
        "method",
        "municipalities",
    ):
        assert key in d
    assert d["within"]["30"]["population"] == pytest.approx(within[30])
    assert "NaN" not in s


def test_method_labels():
    D = np.array([[10.0], [20.0]])
    w = np.array([1.0, 1.0])
    assert coverage(w, D, method=np.zeros((2, 1), np.uint8)).method == "road"
    assert coverage(w, D, method=np.ones((2, 1), np.uint8)).method == "estimate"
    assert coverage(w, D).method == "unknown"


def test_fast_enough_for_interactive_use():
    rng = np.random.default_rng(1)
    D = rng.gamma(3.0, 12.0, (4000, 50))
    w = rng.integers(1, 300, 4000).astype(float)
    muni = rng.choice([f"{i:05d}" for i in range(44)], 4000)
    coverage(w, D, muni)
    t = time.perf_counter()
    for _ in range(5):
        coverage(w, D, muni)
    assert (time.perf_counter() - t) / 5 < 0.05


def test_compare_gains_and_losses():
    w = np.array([100.0, 200.0, 300.0, 50.0])
    muni = np.array(["A", "A", "B", "B"])
    a = coverage(w, np.array([[10.0], [40.0], [np.inf], [20.0]]), muni)
    b = coverage(w, np.array([[10.0], [25.0], [30.0], [np.inf]]), muni)
    c = compare(a, b)
    assert c.gainers == 2 and c.losers == 1
    assert c.gain_population == pytest.approx(500) and c.loss_population == pytest.approx(50)
    assert c.newly_reachable_population == pytest.approx(300)
    assert c.newly_unreachable_population == pytest.approx(50)
    assert c.delta_minutes[1] == pytest.approx(-15)
    rowA = c.per_municipality.set_index("muni_code").loc["A"]
    assert rowA["mean_change_min"] == pytest.approx((100 * 10 + 200 * 25) / 300 - (100 * 10 + 200 * 40) / 300)
    json.dumps(c.to_dict(), allow_nan=False)
    pts = c.to_dict(per_point=True)["points"]
    assert pts[1] == {"id": 1, "minutes_a": 40.0, "minutes_b": 25.0, "change_min": -15.0}
    assert pts[2]["minutes_a"] is None and pts[2]["change_min"] is None


def test_bad_inputs():
    with pytest.raises(ParameterError):
        coverage([1.0], np.array([[-1.0]]))
    with pytest.raises(ParameterError):
        coverage([1.0], np.array([[1.0]]), thresholds=[0])
    with pytest.raises(ParameterError):
        coverage([1.0, 2.0], np.array([[1.0]]))
