"""Outreach routes: day limit respected, frequencies met, infeasible stops reported; blocks."""

import datetime as dt
import itertools

import numpy as np
import pytest

from core.errors import ParameterError
from models.blocks import allocate_blocks, split_blocks, split_blocks_in_areas
from models.outreach import (
    TOO_FAR,
    TOO_FAR_CODE,
    UNREACHABLE,
    UNREACHABLE_CODE,
    frequency_from_cases,
    hub_areas,
    parse_day,
    plan_routes,
    working_days,
)


def _matrix(seed=0, k=12, spread=80):
    rng = np.random.default_rng(seed)
    P = rng.random((k + 1, 2)) * spread
    return np.linalg.norm(P[:, None] - P[None], axis=2) * 1.2


def _check_plan(plan, T, ids, svc, freq, day_min):
    pos = {s: i + 1 for i, s in enumerate(ids)}
    for r in plan.routes:
        nodes = [0] + [pos[s] for s in r.stops] + [0]
        drive = sum(T[a, b] for a, b in itertools.pairwise(nodes))
        assert drive == pytest.approx(r.drive_min, abs=1e-6)
        assert r.drive_min + r.service_min <= day_min + 1e-6
        assert r.service_min == pytest.approx(svc * len(r.stops))
    served = {s for r in plan.routes for s in r.stops}
    unserved = {u["stop"] for u in plan.unserved}
    assert served | unserved == set(ids) and not (served & unserved)
    for s in served:
        assert plan.visits[s] == freq[s]


def test_routes_fit_the_day_and_meet_frequencies():
    T = _matrix()
    ids = [f"s{i}" for i in range(1, 13)]
    freq = dict(zip(ids, [1, 1, 2, 1, 1, 2, 4, 1, 1, 1, 2, 1]))
    plan = plan_routes(T, ids, service_min=90, frequency=list(freq.values()), month="2026-12")
    _check_plan(plan, T, ids, 90, freq, 525)
    days = set(plan.working_days)
    assert all(d in days for r in plan.routes for d in r.dates)
    assert all(len(v) <= 1 for v in plan.calendar.values())  # one team
    # a route of frequency 4 is spread over the month (at least a week apart on average)
    r4 = next(r for r in plan.routes if r.frequency == 4)
    ds = [dt.date.fromisoformat(d) for d in r4.dates]
    assert (ds[-1] - ds[0]).days >= 14
    # arrival times: first arrival = 08:30 + first drive
    r = plan.routes[0]
    assert r.leave_base == "08:30"


def test_unreachable_and_too_far_stops_are_reported():
    T = _matrix(1, k=5)
    T[0, 2] = np.inf  # stop s2: no road from base
    T[3, 0] = T[0, 3] = 300.0  # stop s3: 600 min out and back
    ids = ["s1", "s2", "s3", "s4", "s5"]
    plan = plan_routes(T, ids, service_min=60)
    reasons = {u["stop"]: u["reason"] for u in plan.unserved}
    assert reasons == {"s2": UNREACHABLE, "s3": TOO_FAR}
    assert {s for r in plan.routes for s in r.stops} == {"s1", "s4", "s5"}


def test_working_days_exclude_weekends_and_holidays():
    days = working_days("2026-09")
    assert dt.date(2026, 9, 21) not in days  # 敬老の日
    assert dt.date(2026, 9, 22) not in days  # 国民の休日
    assert dt.date(2026, 9, 23) not in days  # 秋分の日
    assert all(d.weekday() < 5 for d in days)
    assert len(working_days("2026-05")) == 18
    with pytest.raises(ParameterError):
        working_days("2026/13")


def test_parameters():
    assert parse_day("08:30-17:15") == (510, 1035)
    with pytest.raises(ParameterError):
        parse_day("17:00-08:00")
    T = _matrix(2, k=3)
    with pytest.raises(ParameterError):
        plan_routes(T, ["a", "b", "c"], service_min=-1)
    with pytest.raises(ParameterError):
        plan_routes(T, ["a", "b", "c"], frequency=0)
    with pytest.raises(ParameterError, match="working days"):
        plan_routes(T, ["a", "b", "c"], frequency=20, month="2026-12", service_min=400)
    assert frequency_from_cases([0, 12, 100, 1000], 5).tolist() == [1, 1, 2, 4]


def test_blocks_are_compact():
    # two clusters of 6 stops, 100 min apart
    rng = np.random.default_rng(3)
    P = np.vstack([rng.random((6, 2)) * 10, rng.random((6, 2)) * 10 + [100, 0]])
    T = np.linalg.norm(P[:, None] - P[None], axis=2)
    b = split_blocks(T, 2, stop_ids=[f"s{i}" for i in range(12)])
    assert len(set(b.labels[:6])) == 1 and len(set(b.labels[6:])) == 1 and b.labels[0] != b.labels[6]
    assert max(b.max_min) < 20
    with pytest.raises(ParameterError):
        split_blocks(T, 13)


# ---------------------------------------------------------------- several bases (issue 12)


def _two_towns(seed=4, per=6):
    """Two bases 150 min apart, each with `per` stops within ~25 min of it (synthetic test geometry)."""
    rng = np.random.default_rng(seed)
    B = np.array([[0.0, 0.0], [150.0, 0.0]])
    P = np.vstack([rng.random((per, 2)) * 25, rng.random((per, 2)) * 25 + [150.0, 0.0]])
    X = np.vstack([B, P])
    return np.linalg.norm(X[:, None] - X[None], axis=2)


def _check_multi(plan, T, bases, ids, svc, day_min):
    nb = len(bases)
    pos = {s: nb + i for i, s in enumerate(ids)}
    for r in plan.routes:
        b = bases.index(r.base)
        nodes = [b] + [pos[s] for s in r.stops] + [b]
        assert sum(T[a, c] for a, c in itertools.pairwise(nodes)) == pytest.approx(r.drive_min, abs=1e-6)
        assert r.drive_min + r.service_min <= day_min + 1e-6
        assert r.service_min == pytest.approx(svc * len(r.stops))
    served = [s for r in plan.routes for s in r.stops]
    assert len(served) == len(set(served))  # each stop on one route only
    assert set(served) | {u["stop"] for u in plan.unserved} == set(ids)


def test_several_bases_each_stop_goes_to_the_near_base():
    T = _two_towns()
    ids = [f"s{i}" for i in range(12)]
    plan = plan_routes(T, ids, bases=["A", "B"], base_names=["拠点A", "拠点B"], service_min=60, month="2026-12")
    _check_multi(plan, T, ["A", "B"], ids, 60, 525)
    by_base = {b: {s for r in plan.routes if r.base == b for s in r.stops} for b in "AB"}
    assert by_base == {"A": set(ids[:6]), "B": set(ids[6:])}  # 150 min across: never worth it
    assert {r.base_name for r in plan.routes} == {"拠点A", "拠点B"}
    assert plan.unserved == []
    # each base has its own team: both bases may drive on the same day, one route a day per base
    for rs in plan.calendar.values():
        bs = [plan.routes[i].base for i in rs]
        assert len(bs) == len(set(bs))
    assert any(len(v) == 2 for v in plan.calendar.values())
    assert [b["base"] for b in plan.bases] == ["A", "B"]
    assert sum(b["drive_min"] for b in plan.bases) == pytest.approx(sum(r.drive_min for r in plan.routes), abs=0.2)
    # the one-base plan from A must cross to B's towns: more driving than both bases together
    keep = [0] + list(range(2, 14))
    single = plan_routes(T[np.ix_(keep, keep)], ids, service_min=60, base_name="拠点A")
    assert sum(r.drive_min for r in single.routes) > sum(r.drive_min for r in plan.routes)
    assert {r.base for r in single.routes} == {"拠点A"}


def test_several_bases_reasons_and_allowed_bases():
    T = _two_towns(per=3)
    ids = ["a0", "a1", "a2", "b0", "b1", "b2"]
    # a2: no road to or from any base -> unreachable; b2: only base B is close enough for a day trip
    T[0:2, 2 + 2] = np.inf
    T[2 + 2, 0:2] = np.inf
    T[0, 2 + 5] = T[2 + 5, 0] = 400.0
    # b1: too far from both bases
    T[0:2, 2 + 4] = 300.0
    T[2 + 4, 0:2] = 300.0
    plan = plan_routes(T, ids, bases=["A", "B"], service_min=60)
    codes = {u["stop"]: (u["reason_code"], u["reason"]) for u in plan.unserved}
    assert codes == {"a2": (UNREACHABLE_CODE, UNREACHABLE), "b1": (TOO_FAR_CODE, TOO_FAR)}
    assert next(u for u in plan.unserved if u["stop"] == "b1")["detail_min"] == pytest.approx(660.0)
    assert next(r.base for r in plan.routes if "b2" in r.stops) == "B"
    _check_multi(plan, T, ["A", "B"], ids, 60, 525)


def test_same_input_same_routes():
    T = _matrix(7, k=14, spread=120)
    ids = [f"s{i}" for i in range(1, 15)]
    a = plan_routes(T, ids, service_min=45, month="2026-11").to_dict()
    b = plan_routes(T, ids, service_min=45, month="2026-11").to_dict()
    a.pop("solve_s"), b.pop("solve_s")
    assert a == b
    T2 = _two_towns(seed=9, per=7)
    ids2 = [f"s{i}" for i in range(14)]
    a = plan_routes(T2, ids2, bases=["A", "B"], service_min=45).to_dict()
    b = plan_routes(T2, ids2, bases=["A", "B"], service_min=45).to_dict()
    a.pop("solve_s"), b.pop("solve_s")
    assert a == b


def test_several_bases_parameters():
    T = _two_towns(per=2)
    with pytest.raises(ParameterError, match="matrix shape"):
        plan_routes(T, ["a", "b", "c", "d"])  # one base assumed: 5 x 5 expected
    with pytest.raises(ParameterError, match="twice"):
        plan_routes(T, ["a", "b", "c", "d"], bases=["A", "A"])
    with pytest.raises(ParameterError, match="base_names"):
        plan_routes(T, ["a", "b", "c", "d"], bases=["A", "B"], base_names=["x"])


@pytest.mark.parametrize(
    "bad", ["0000-01", "2026-00", "2026-13", "2026-1", "26-12", "abcd-ef", "2100-01", "1979-12", ""]
)
def test_impossible_months_are_parameter_errors(bad):
    with pytest.raises(ParameterError):
        working_days(bad)
    T = _matrix(2, k=3)
    with pytest.raises(ParameterError):
        plan_routes(T, ["a", "b", "c"], month=bad or "x")


def test_hub_areas_and_blocks_within_areas():
    T = _two_towns(per=6)
    T[0:2, 2 + 11] = np.inf  # s11: no road from either base
    areas = hub_areas(T, 2)
    assert areas.tolist() == [0] * 6 + [1] * 5 + [-1]
    assert allocate_blocks([6, 5], 3) == [2, 1]
    assert allocate_blocks([6, 0, 2], 2) == [1, 0, 1]
    with pytest.raises(ParameterError):
        allocate_blocks([6, 5], 1)
    ids = [f"s{i}" for i in range(12)]
    b = split_blocks_in_areas(T[2:, 2:], areas, 3, stop_ids=ids)
    assert b.areas == [0, 0, 1] and len(b.medoids) == 3
    for blk, area in enumerate(b.areas):  # a block never mixes two hub areas
        assert set(areas[b.labels == blk].tolist()) == {area}
    assert b.unreachable == ["s11"] and b.labels[11] == -1
    assert [d["hub"] for d in b.to_dict()["blocks"]] == [0, 0, 1]


def test_worker_process_gives_the_same_routes_as_in_process():
    # the fresh-interpreter worker (used when highspy is loaded first) must not change the answer
    from models.outreach import _vrp_inprocess, _vrp_subprocess

    T = _two_towns(seed=11, per=5)
    svc = np.concatenate([[0.0, 0.0], np.full(10, 60.0)])
    allowed = [[0, 1]] * 9 + [[1]]
    a = _vrp_inprocess(T, svc, 525.0, n_bases=2, allowed=allowed, solution_limit=100)
    b = _vrp_subprocess(T, svc, 525.0, n_bases=2, allowed=allowed, solution_limit=100)
    assert a[0] == b[0] and a[0]
    assert all(nodes and base in (0, 1) for base, nodes in a[0])
    assert next(base for base, nodes in a[0] if 11 in nodes) == 1
