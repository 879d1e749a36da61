"""Outreach routes: day limit respected, frequencies met, infeasible stops reported; blocks."""
import datetime as dt

import numpy as np
import pytest

from core.errors import ParameterError
from models.blocks import split_blocks
from models.outreach import TOO_FAR, UNREACHABLE, frequency_from_cases, parse_day, plan_routes, working_days


def _matrix(seed=0, k=12, spread=80):
    rng = np.random.default_rng(seed)
    P = rng.random((k + 1, 2)) * spread
    return np.linalg.norm(P[:, None] - P[None], axis=2) * 1.2


def _check_plan(plan, T, ids, svc, freq, day_min):
    pos = {s: i + 1 for i, s in enumerate(ids)}
    for r in plan.routes:
        nodes = [0] + [pos[s] for s in r.stops] + [0]
        drive = sum(T[a, b] for a, b in zip(nodes, nodes[1:]))
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
